// api-load.mjs: the client side of tests/bench/api. CLIENTS concurrent
// clients, each on its own lot with its own open inspection, alternate
// POST /api/inspections/{id}/marks and POST /api/lots/{id}/decisions (with
// an Idempotency-Key; each decision supersedes the lane's previous one, as
// the server requires) for SECONDS seconds. Prints one JSON line:
// {acked: {marks, decisions}, errors, seconds, rate, p50_ms, p99_ms, ids: {marks:[...], decisions:[...]}}
// Usage: node api-load.mjs URL INSPECTOR_TOKEN OPERATOR_TOKEN CLIENTS SECONDS
const [url, token, opToken, clientsText, secondsText] = process.argv.slice(2);
const clients = Number(clientsText);
const seconds = Number(secondsText);

async function call (method, path, body, tok = token, headers = {}) {
  const res = await fetch(url + path.replace(/^\//, ''), {
    method,
    headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

function uicNumber (i) {
  // a valid UIC number: 11 digits + Luhn check digit
  const body = String(31800000000 + i).padStart(11, '0');
  let sum = 0;
  for (let k = 0; k < 11; k++) {
    let d = Number(body[10 - k]);
    if (k % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

async function setup () {
  const cam = await call('POST', '/api/cameras', {
    name: 'bench camera', url: 'rtsp://127.0.0.1:9/bench', recording: false,
  }, opToken);
  if (cam.status !== 201) throw new Error(`camera: ${cam.status} ${JSON.stringify(cam.json)}`);
  const cameraId = (cam.json.camera ?? cam.json).id;
  const year = new Date().getUTCFullYear();
  const lanes = [];
  for (let c = 0; c < clients; c++) {
    const lot = await call('POST', '/api/lots', {
      declaration_no: `0101${year}1${String(c).padStart(9, "0")}`,
      waybill_no: `WB${c}`,
      wagons: [{ number: uicNumber(c), seals: [`S${c}`] }],
    });
    if (lot.status !== 201) throw new Error(`lot: ${lot.status} ${JSON.stringify(lot.json)}`);
    const insp = await call('POST', `/api/lots/${lot.json.lot.id}/inspections`, { cameras: [cameraId] });
    if (insp.status !== 201) throw new Error(`inspection: ${insp.status} ${JSON.stringify(insp.json)}`);
    lanes.push({ lot: lot.json.lot, inspection: insp.json.inspection, cameraId });
  }
  return lanes;
}

async function lane (l, deadline, out) {
  let n = 0;
  while (Date.now() < deadline) {
    const now = new Date();
    const t0 = performance.now();
    let res;
    if (n % 2 === 0) {
      res = await call('POST', `/api/inspections/${l.inspection.id}/marks`, {
        wagon_id: l.lot.wagons[0].id, camera_id: l.cameraId, at: now.toISOString(),
        reason_code: 'FOREIGN_MATTER', note: `bench ${n}`,
      });
      if (res.status === 201) out.marks.push(res.json.mark.id);
    } else {
      res = await call('POST', `/api/lots/${l.lot.id}/decisions`, {
        category: 'RELEASE_ONWARD', reasons: ['RANDOM_SELECTION'], note: `bench ${n}`,
        cameras: [l.cameraId], from: new Date(now - 60000).toISOString(), to: now.toISOString(),
        supersedes: l.current ?? null,
      }, token, { 'Idempotency-Key': crypto.randomUUID() });
      if (res.status === 201) {
        out.decisions.push(res.json.id);
        l.current = res.json.id;  // each decision corrects the lane's previous one
      }
    }
    const ms = performance.now() - t0;
    if (res.status === 201) out.latencies.push(ms); else out.errors++;
    n++;
  }
}

const lanes = await setup();
const out = { marks: [], decisions: [], latencies: [], errors: 0 };
const start = Date.now();
const deadline = start + seconds * 1000;
await Promise.all(lanes.map((l) => lane(l, deadline, out)));
const elapsed = (Date.now() - start) / 1000;
out.latencies.sort((a, b) => a - b);
const q = (p) => out.latencies.length ? out.latencies[Math.min(out.latencies.length - 1, Math.floor(p * out.latencies.length))] : 0;
console.log(JSON.stringify({
  acked: { marks: out.marks.length, decisions: out.decisions.length },
  errors: out.errors, seconds: elapsed,
  rate: (out.marks.length + out.decisions.length) / elapsed,
  p50_ms: q(0.5), p99_ms: q(0.99),
  ids: { marks: out.marks, decisions: out.decisions },
}));
