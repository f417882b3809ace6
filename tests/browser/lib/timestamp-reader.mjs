// timestamp-reader.mjs: camsim's block-coded wall-clock stamp
// (pipelines/timestamp-blocks.h), read and painted in JavaScript: a port of
// pipelines/timestamp-blocks.c, for the live-view tests and the latency
// benchmark, which decode the stamp from what the browser presents.
//
// The code lives in one self-contained function, timestampBlocks(), so
// that it runs the same in Node and, turned into source text by
// PAGE_SCRIPT, in the page (injected with addInitScript: no import, no
// CSP question). In the page it is window.rviStamp:
//   rviStamp.readVideo(video) -> ms since the epoch, or null
// reads the frame the <video> shows (drawn into a canvas; only the band of
// the stamp is read back).
//
// readLuma(y, width, height, stride, firstRow = 0) -> ms or null
//   as rvi_timestamp_blocks_read; y may hold only the rows from firstRow on
// paintLuma(y, width, height, stride, ms) -> boolean    (as rvi_timestamp_blocks_paint)
// lumaOfRgba(rgba, width, height) -> Uint8Array          (BT.601 luma of canvas pixels)
// band(height) -> [firstRow, endRow)

export function timestampBlocks () {
  const CELLS_ACROSS = 80;
  const CELLS_DOWN = 45;
  const FIRST_COLUMN = 5;
  const ROW = 3;
  const N_MARK_START = 4;
  const N_DATA = 48;
  const N_CRC = 16;
  const N_MARK_END = 2;
  const N_CELLS = N_MARK_START + N_DATA + N_CRC + N_MARK_END;
  const WHITE = 235;
  const BLACK = 16;
  const MIN_CONTRAST = 64;
  const MIN_WIDTH = 160;
  const MIN_HEIGHT = 90;
  const MAX_MS = 2 ** 48 - 1;

  // Cell edge i of `cells` across `size` pixels (integer division as in C:
  // every operand is non-negative).
  const edge = (size, cells, i) => Math.floor((size * i + Math.floor(cells / 2)) / cells);

  function crc16 (ms) {
    let crc = 0xffff;
    for (let byte = 5; byte >= 0; byte--) {
      crc ^= (Math.floor(ms / 2 ** (8 * byte)) & 0xff) << 8;
      for (let bit = 0; bit < 8; bit++) crc = (crc & 0x8000) ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    return crc;
  }

  // The bit pattern of the whole row for ms, cell 0 first.
  function pattern (ms) {
    const bits = [1, 0, 1, 0];
    for (let k = N_DATA - 1; k >= 0; k--) bits.push(Math.floor(ms / 2 ** k) % 2);
    const crc = crc16(ms);
    for (let k = N_CRC - 1; k >= 0; k--) bits.push((crc >> k) & 1);
    bits.push(0, 1);
    return bits;
  }

  function band (height) {
    return [edge(height, 2 * CELLS_DOWN, 2 * ROW - 1), edge(height, 2 * CELLS_DOWN, 2 * ROW + 3)];
  }

  function fill (y, stride, x0, y0, x1, y1, value) {
    for (let row = y0; row < y1; row++) y.fill(value, row * stride + x0, row * stride + x1);
  }

  function paintLuma (y, width, height, stride, ms) {
    if (width < MIN_WIDTH || height < MIN_HEIGHT || !(ms >= 0 && ms <= MAX_MS) || !Number.isInteger(ms)) return false;
    const bits = pattern(ms);
    const [bandTop, bandBottom] = band(height);
    fill(y, stride, edge(width, CELLS_ACROSS, FIRST_COLUMN - 1), bandTop,
      edge(width, CELLS_ACROSS, FIRST_COLUMN + N_CELLS + 1), bandBottom, BLACK);
    const top = edge(height, CELLS_DOWN, ROW);
    const bottom = edge(height, CELLS_DOWN, ROW + 1);
    for (let i = 0; i < N_CELLS; i++) {
      if (bits[i]) {
        fill(y, stride, edge(width, CELLS_ACROSS, FIRST_COLUMN + i), top,
          edge(width, CELLS_ACROSS, FIRST_COLUMN + i + 1), bottom, WHITE);
      }
    }
    return true;
  }

  // Mean luma of the centre half of cell i. y holds the frame's rows from
  // firstRow on (0: the whole frame).
  function sample (y, width, height, stride, i, firstRow) {
    const x0 = edge(width, 4 * CELLS_ACROSS, 4 * (FIRST_COLUMN + i) + 1);
    let x1 = edge(width, 4 * CELLS_ACROSS, 4 * (FIRST_COLUMN + i) + 3);
    const y0 = edge(height, 4 * CELLS_DOWN, 4 * ROW + 1);
    let y1 = edge(height, 4 * CELLS_DOWN, 4 * ROW + 3);
    if (x1 <= x0) x1 = x0 + 1;
    if (y1 <= y0) y1 = y0 + 1;
    let sum = 0;
    for (let row = y0; row < y1; row++) {
      for (let col = x0; col < x1; col++) sum += y[(row - firstRow) * stride + col];
    }
    return Math.floor(sum / ((x1 - x0) * (y1 - y0)));
  }

  function readLuma (y, width, height, stride, firstRow = 0) {
    if (width < MIN_WIDTH || height < MIN_HEIGHT) return null;
    const values = [];
    for (let i = 0; i < N_CELLS; i++) values.push(sample(y, width, height, stride, i, firstRow));
    // References: white cells 0, 2, 69; black cells 1, 3, 68.
    const white = Math.floor((values[0] + values[2] + values[N_CELLS - 1]) / 3);
    const black = Math.floor((values[1] + values[3] + values[N_CELLS - 2]) / 3);
    if (white - black < MIN_CONTRAST) return null;
    const threshold = Math.floor((white + black) / 2);
    const margin = Math.floor((white - black) / 5);
    const bits = [];
    for (const v of values) {
      if (Math.abs(v - threshold) <= margin) return null;
      bits.push(v > threshold ? 1 : 0);
    }
    let ms = 0;
    for (let i = 0; i < N_DATA; i++) ms = ms * 2 + bits[N_MARK_START + i];
    // Markers and CRC at once: the whole row must be the pattern of ms.
    const expected = pattern(ms);
    for (let i = 0; i < N_CELLS; i++) if (bits[i] !== expected[i]) return null;
    return ms;
  }

  // BT.601 luma of RGBA pixels (a canvas): the limited-range Y the
  // decoder saw is expanded to full range by the browser, which the
  // reader's relative thresholds do not mind.
  function lumaOfRgba (rgba, width, height) {
    const y = new Uint8Array(width * height);
    for (let i = 0, p = 0; i < y.length; i++, p += 4) {
      y[i] = (rgba[p] * 299 + rgba[p + 1] * 587 + rgba[p + 2] * 114 + 500) / 1000;
    }
    return y;
  }

  // The page side: the frame a <video> (or <img>, <canvas>) shows, at its
  // intrinsic size; only the stamp's band is drawn and read back.
  let canvas = null;
  function readImage (source, width, height) {
    if (!width || !height) return null;
    const [top, bottom] = band(height);
    if (!canvas) canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = bottom - top;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(source, 0, top, width, bottom - top, 0, 0, width, bottom - top);
    const rgba = ctx.getImageData(0, 0, width, bottom - top).data;
    return readLuma(lumaOfRgba(rgba, width, bottom - top), width, height, width, top);
  }
  const readVideo = (video) => readImage(video, video.videoWidth, video.videoHeight);
  const readImg = (img) => readImage(img, img.naturalWidth, img.naturalHeight);

  return { readLuma, paintLuma, lumaOfRgba, band, readImage, readVideo, readImg, MIN_WIDTH, MIN_HEIGHT };
}

// Source text that defines window.rviStamp in a page (addInitScript).
export const PAGE_SCRIPT = `window.rviStamp = (${timestampBlocks.toString()})();`;

export const { readLuma, paintLuma, lumaOfRgba, band } = timestampBlocks();
