// camera/live-jpeg.js: the JPEG leg of a live view, for codecs the browser
// cannot decode (H.265). The server decodes each key frame alone and sends
// {"type":"jpeg","at":MS} followed by the JPEG as a binary message. Each
// JPEG becomes an object URL, is decoded off screen, then swapped into the
// <img>; the URL it replaces is revoked then (also one a previous leg left
// in the <img>), so at most two are alive. A JPEG that does not decode is
// dropped and the picture before it stays.
//
// startJpeg(img, {onPicture(at)}) -> {handle(msg), push(arrayBuffer), close()}
//   onPicture(at) runs when a picture is on screen; at is the server's
//   capture time (ms since the epoch) or null.
// clearJpeg(img): removes the picture and revokes its URL.

export function startJpeg (img, { onPicture }) {
  let pendingAt;         // the header of the next binary message, undefined when none
  let loading = null;    // object URL being decoded
  let closed = false;

  function handle (msg) {
    if (msg.type === 'jpeg') pendingAt = Number.isFinite(msg.at) ? msg.at : null;
  }

  function push (data) {
    if (closed || pendingAt === undefined) return; // a binary without its header
    const at = pendingAt;
    pendingAt = undefined;
    const url = URL.createObjectURL(new Blob([data], { type: 'image/jpeg' }));
    if (loading) URL.revokeObjectURL(loading); // never shown: a newer one came first
    loading = url;
    const probe = new Image();
    probe.onload = () => {
      if (loading !== url) return;
      loading = null;
      if (closed) {
        URL.revokeObjectURL(url);
        return;
      }
      const old = img.getAttribute('src');
      img.src = url;
      if (old?.startsWith('blob:')) URL.revokeObjectURL(old);
      onPicture(at);
    };
    probe.onerror = () => {
      if (loading === url) loading = null;
      URL.revokeObjectURL(url);
    };
    probe.src = url;
  }

  // Ends the leg; the picture on screen stays (the next leg replaces it).
  function close () {
    closed = true;
    if (loading) URL.revokeObjectURL(loading);
    loading = null;
  }

  return { handle, push, close };
}

export function clearJpeg (img) {
  const old = img.getAttribute('src');
  img.removeAttribute('src');
  if (old?.startsWith('blob:')) URL.revokeObjectURL(old);
}
