// What the doctor's console and the operator's SOS console do alike: the portal
// socket, the local camera and microphone of a call, the logout button and new
// elements.
// Served at /console/page.js like the console's other files; the operator page
// imports it from there.

/**
 * Open the portal's WebSocket at path (same host, ws: or wss: as the page).
 * onMessage gets each JSON object with a string "type"; other frames are dropped.
 * Reconnecting is the caller's, in onClose.
 */
export function openSocket(path, { onOpen, onMessage, onClose }) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}${path}`);
  ws.addEventListener("open", onOpen);
  ws.addEventListener("message", (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message && typeof message.type === "string") onMessage(message);
  });
  ws.addEventListener("close", onClose);
  return ws;
}

/** A new element with a class and text (both optional). */
export function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Send message as JSON if ws is open (else it is dropped). */
export function sendJson(ws, message) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}

/**
 * The camera and microphone for a call, shown in video once granted. If wanted()
 * is false by then (the call is over), the tracks are stopped and it resolves to null.
 * Rejects when the browser refuses them.
 */
export function localMedia(video, wanted) {
  return navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true }).then((stream) => {
    if (!wanted()) {
      stream.getTracks().forEach((track) => track.stop());
      return null;
    }
    video.srcObject = stream;
    return stream;
  });
}

/** Stop the tracks of a localMedia promise and empty the videos. */
export function releaseMedia(media, ...videos) {
  media?.then((stream) => stream && stream.getTracks().forEach((track) => track.stop()));
  for (const video of videos) video.srcObject = null;
}

/** POST /logout with the session's CSRF token (csrf() at click time), then go to /login. */
export function wireLogout(button, csrf) {
  button.addEventListener("click", async () => {
    await fetch("/logout", { method: "POST", headers: { "X-CSRF-Token": csrf() }, credentials: "same-origin" }).catch(
      () => null,
    );
    location.assign("/login");
  });
}
