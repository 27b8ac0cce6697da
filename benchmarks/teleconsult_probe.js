// Measuring probe for benchmarks/teleconsult.py, added to the doctor's console page
// before it loads (Playwright's add_init_script); the console itself is unchanged.
//
// * The doctor's camera becomes a canvas that draws the send time (Date.now(), ms)
//   as the block strip of video/scene.py, so the cabin can read glass-to-glass
//   latency from the frames it decodes. The microphone stays Chromium's fake one.
// * Every RTCPeerConnection is kept in window.__probe.pcs, and each incoming video
//   track is also played in a hidden <video> whose frames (requestVideoFrameCallback)
//   give the first-frame time and, decoded, the cabin-to-doctor latency.
(() => {
  "use strict";
  const COLUMNS = 40;
  const ROWS = 2;
  const VALUE_BITS = 48;
  const probe = {
    size: { width: 640, height: 480 },
    pcs: [],
    acceptAt: null,
    firstFrameAt: null,
    latencies: [],
    framesSeen: 0,
  };
  window.__probe = probe;

  function crc8(bytes) {
    let crc = 0;
    for (const byte of bytes) {
      crc ^= byte;
      for (let i = 0; i < 8; i++) {
        crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
      }
    }
    return crc;
  }

  function valueBytes(value) {
    const bytes = [];
    for (let k = VALUE_BITS / 8 - 1; k >= 0; k--) bytes.push(Math.floor(value / 2 ** (8 * k)) % 256);
    return bytes;
  }

  function cells(ms) {
    const out = [1, 0];
    for (let i = VALUE_BITS - 1; i >= 0; i--) out.push(Math.floor(ms / 2 ** i) % 2);
    const crc = crc8(valueBytes(ms));
    for (let i = 7; i >= 0; i--) out.push((crc >> i) & 1);
    for (let i = 0; out.length < COLUMNS * ROWS; i++) out.push((i + 1) % 2);
    return out;
  }

  function drawStrip(ctx, width, ms) {
    const cell = Math.floor(width / COLUMNS);
    cells(ms).forEach((bit, index) => {
      ctx.fillStyle = bit ? "#fff" : "#000";
      ctx.fillRect((index % COLUMNS) * cell, Math.floor(index / COLUMNS) * cell, cell, cell);
    });
  }

  function readStrip(ctx, width) {
    const cell = Math.floor(width / COLUMNS);
    if (cell < 4) return null;
    const data = ctx.getImageData(0, 0, width, cell * ROWS).data;
    const lo = Math.floor(cell / 4);
    const hi = cell - lo;
    const levels = [];
    for (let index = 0; index < COLUMNS * ROWS; index++) {
      const y0 = Math.floor(index / COLUMNS) * cell;
      const x0 = (index % COLUMNS) * cell;
      let sum = 0;
      let n = 0;
      for (let y = y0 + lo; y < y0 + hi; y++) {
        for (let x = x0 + lo; x < x0 + hi; x++) {
          const p = (y * width + x) * 4;
          sum += (data[p] + data[p + 1] + data[p + 2]) / 3;
          n++;
        }
      }
      levels.push(sum / n);
    }
    if (levels[0] - levels[1] < 64) return null;
    const threshold = (levels[0] + levels[1]) / 2;
    const bits = levels.map((level) => (level > threshold ? 1 : 0));
    let value = 0;
    for (let i = 2; i < 2 + VALUE_BITS; i++) value = value * 2 + bits[i];
    let crc = 0;
    for (let i = 2 + VALUE_BITS; i < 2 + VALUE_BITS + 8; i++) crc = crc * 2 + bits[i];
    return crc === crc8(valueBytes(value)) ? value : null;
  }

  // The doctor's camera: a moving picture with the send-time strip, 30 frames a second.
  function canvasCamera() {
    const { width, height } = probe.size;
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d");
    const start = performance.now();
    setInterval(() => {
      const t = (performance.now() - start) / 1000;
      const hue = (t * 40) % 360;
      ctx.fillStyle = `hsl(${hue}, 60%, 45%)`;
      ctx.fillRect(0, 0, width, height);
      ctx.fillStyle = "#222";
      const x = width / 2 + (width / 3) * Math.sin(t * 1.3);
      ctx.beginPath();
      ctx.arc(x, height * 0.7, height / 10, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = "#fff";
      ctx.font = `${Math.round(height / 8)}px sans-serif`;
      ctx.fillText(new Date().toISOString().slice(11, 23), width / 20, height * 0.45);
      drawStrip(ctx, width, Date.now());
    }, 1000 / 30);
    return canvas.captureStream(30).getVideoTracks()[0];
  }

  const devices = navigator.mediaDevices;
  const original = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const wantsVideo = Boolean(constraints && constraints.video);
    const stream = await original({ audio: Boolean(constraints && constraints.audio), video: false });
    if (wantsVideo) stream.addTrack(canvasCamera());
    return stream;
  };

  function watch(track) {
    const video = document.createElement("video");
    video.muted = true;
    video.playsInline = true;
    video.style.cssText = "position:fixed;left:-10000px;top:0;width:1px;height:1px";
    video.srcObject = new MediaStream([track]);
    document.documentElement.appendChild(video);
    video.play().catch(() => {});
    const canvas = document.createElement("canvas");
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    const onFrame = (now) => {
      const seen = performance.timeOrigin + performance.now();
      if (probe.firstFrameAt === null) probe.firstFrameAt = performance.now();
      probe.framesSeen++;
      const width = video.videoWidth;
      const cell = Math.floor(width / COLUMNS);
      if (width > 0 && cell >= 4) {
        canvas.width = width;
        canvas.height = cell * ROWS;
        ctx.drawImage(video, 0, 0, width, cell * ROWS, 0, 0, width, cell * ROWS);
        const sent = readStrip(ctx, width);
        if (sent !== null) probe.latencies.push(seen - sent);
      }
      if (track.readyState === "live") video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...args) {
    const pc = new Native(...args);
    probe.pcs.push(pc);
    pc.addEventListener("track", (event) => {
      if (event.track.kind === "video") watch(event.track);
    });
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Native);

  // The browser-to-browser peer: two pages each with one connection, SDP carried by
  // the benchmark. aiortc does not trickle ICE, so neither does this: the whole SDP
  // once gathering is complete, as the cabin sends it.
  const gathered = (pc) =>
    new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") resolve();
      });
    });
  probe.pairStart = async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    probe.pair = new RTCPeerConnection({ iceServers: [] });
    stream.getTracks().forEach((track) => probe.pair.addTrack(track, stream));
  };
  probe.pairOffer = async () => {
    await probe.pair.setLocalDescription(await probe.pair.createOffer());
    await gathered(probe.pair);
    return probe.pair.localDescription.sdp;
  };
  probe.pairAnswer = async (sdp) => {
    await probe.pair.setRemoteDescription({ type: "offer", sdp });
    await probe.pair.setLocalDescription(await probe.pair.createAnswer());
    await gathered(probe.pair);
    return probe.pair.localDescription.sdp;
  };
  probe.pairConnect = async (sdp) => {
    probe.acceptAt = performance.now();
    await probe.pair.setRemoteDescription({ type: "answer", sdp });
  };

  // Inbound and outbound video figures of the latest connection, for the report.
  probe.videoStats = async () => {
    const pc = probe.pcs[probe.pcs.length - 1];
    if (!pc) return null;
    const out = {};
    (await pc.getStats()).forEach((s) => {
      if (s.kind !== "video") return;
      if (s.type === "inbound-rtp") {
        out.inbound = { bytes: s.bytesReceived, frames: s.framesDecoded, width: s.frameWidth, height: s.frameHeight };
      } else if (s.type === "outbound-rtp") {
        out.outbound = { bytes: s.bytesSent, frames: s.framesEncoded, width: s.frameWidth, height: s.frameHeight, limit: s.qualityLimitationReason };
      }
    });
    out.at = performance.now();
    return out;
  };
})();
