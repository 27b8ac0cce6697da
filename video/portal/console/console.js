// The doctor's console: the waiting queue, then the call with one station.
//
// Talks to the portal over /ws/doctor (video/portal/signalling.py) and to the
// cabin over the WebRTC data channels "live" (waves and values, video/live.py)
// and "control" (requests and answers, video/control.py).
//
// For tests, window.consoleState is a read-only snapshot (a new frozen object on
// each read):
//   lang                 "vi" | "en"
//   link                 "open" | "closed"   (the signalling socket)
//   queue                number of waiting requests shown (0 during a call)
//   call                 "idle" | "waiting" (accepted, no offer yet) | "connecting"
//                        | "connected" | "reconnecting"
//   consult              the consult id in the call, or null
//   ended                who ended the last call ("doctor", "station", ...), or null
//   connections          RTCPeerConnections made in this call (more than 1 after re-offers)
//   framesDecoded        received video frames decoded (getStats, inbound-rtp video)
//   audioPacketsReceived received audio packets (inbound-rtp audio)
//   audioPacketsSent     sent audio packets (outbound-rtp audio)
//   videoFramesSent      sent video frames (outbound-rtp video)
//   quality              "good" | "fair" | "poor" | null
//   waves                {kind: {messages, samples, gaps, drawn}} per wave kind received
//   values               the last "values" message's values ({name: number})
//   acked                ids of the doctor's control messages the cabin acknowledged
// Counters restart with each call and add up over its connections (re-offers).

import { Call } from "./call.js";
import { clock, lang, LANGUAGES, maybe, onLangChange, setLang, t, translate, valueName, waited } from "./i18n.js";
import { element, localMedia, openSocket, releaseMedia, sendJson, wireLogout } from "./page.js";
import { judge, snapshot } from "./quality.js";
import { flagBadges, readingText, renderRecord, renderValues, summaryValue } from "./record.js";
import { WaveStrip } from "./waves.js";

const NOTE_MAX = 4000;
const STATS_INTERVAL_MS = 1000;
const QUALITY_ICONS = { good: "●●●", fair: "●●○", poor: "●○○" };
const ECG_KINDS = ["ecg_ii", "ecg_i"];
const PLETH_KINDS = ["pleth", "ppg_ir", "ppg_red"];

const $ = (id) => document.getElementById(id);

const strips = {
  ecg: new WaveStrip($("ecg-canvas"), { seconds: 6, color: "#0b3d91", minSpan: 2.0, grid: { x: 0.2, y: 0.5 } }),
  pleth: new WaveStrip($("pleth-canvas"), { seconds: 6, color: "#0b6b2e", minSpan: 1 }),
};

const app = {
  me: null,
  ws: null,
  link: "closed",
  retries: 0,
  queue: [], // {item, receivedAt}
  call: null, // see startCall
  ended: null,
  notice: null, // {key, params}
};

function freshCall(accepted) {
  return {
    consult: accepted.consult,
    station: accepted.station,
    summary: accepted.summary ?? {},
    state: "waiting",
    rtc: null,
    media: null,
    control: null,
    outbox: [],
    pending: new Map(), // id -> {t, vital?, key?}
    statuses: {}, // vital -> {key, params}
    instruction: null, // {key, id, acked}
    note: null, // {id, sentAt, ackedAt}
    acked: new Set(),
    values: {},
    units: {},
    record: null,
    waves: {}, // kind -> messages (all kinds)
    ecgKind: null,
    plethKind: null,
    stats: null, // the current connection's latest counters
    previousStats: null,
    statsConnection: 0, // which connection (rtc.connections) those counters are of
    carried: { framesDecoded: 0, audioPacketsReceived: 0, audioPacketsSent: 0, videoFramesSent: 0 },
    quality: null,
    muted: false,
    cameraOff: false,
  };
}

// --- The test window -------------------------------------------------------

function stateSnapshot() {
  const call = app.call;
  const stats = call?.stats;
  const waves = {};
  if (call) {
    for (const [kind, messages] of Object.entries(call.waves)) {
      const strip = kind === call.ecgKind ? strips.ecg : kind === call.plethKind ? strips.pleth : null;
      waves[kind] = Object.freeze({
        messages,
        samples: strip ? strip.samples : 0,
        gaps: strip ? strip.gaps : 0,
        drawn: strip ? strip.drawn : 0,
      });
    }
  }
  return Object.freeze({
    lang: lang(),
    link: app.link,
    queue: app.queue.length,
    call: call ? call.state : "idle",
    consult: call ? call.consult : null,
    ended: app.ended,
    connections: call?.rtc ? call.rtc.connections : 0,
    framesDecoded: (call?.carried.framesDecoded ?? 0) + (stats?.framesDecoded ?? 0),
    audioPacketsReceived: (call?.carried.audioPacketsReceived ?? 0) + (stats?.audioPacketsReceived ?? 0),
    audioPacketsSent: (call?.carried.audioPacketsSent ?? 0) + (stats?.audioPacketsSent ?? 0),
    videoFramesSent: (call?.carried.videoFramesSent ?? 0) + (stats?.videoFramesSent ?? 0),
    quality: call?.quality?.level ?? null,
    waves: Object.freeze(waves),
    values: Object.freeze({ ...(call?.values ?? {}) }),
    acked: Object.freeze(call ? [...call.acked] : []),
  });
}

Object.defineProperty(window, "consoleState", { get: stateSnapshot, enumerable: true });

// --- Notices and the header ------------------------------------------------

function showNotice(key, params = {}) {
  app.notice = key ? { key, params } : null;
  renderNotice();
}

function renderNotice() {
  const box = $("notice");
  box.hidden = !app.notice;
  box.textContent = app.notice ? t(app.notice.key, app.notice.params) : "";
}

function renderLink() {
  const box = $("link");
  box.textContent = app.link === "open" ? `● ${t("link_ok")}` : `○ ${t("link_lost")}`;
  box.classList.toggle("lost", app.link !== "open");
}

// --- The queue ---------------------------------------------------------------

function residentText(summary) {
  const parts = [];
  parts.push(Number.isInteger(summary.age) ? t("age", { age: summary.age }) : t("age_unknown"));
  if (summary.sex) parts.push(t(`sex_${summary.sex}`));
  return parts.join(", ");
}

function valuesLine(values) {
  const box = element("span", "kv");
  for (const [name, entry] of Object.entries(values ?? {}).slice(0, 6)) {
    const pair = element("span", "kv-pair");
    pair.append(element("span", "kv-name", `${valueName(name)} `));
    pair.append(element("strong", "", summaryValue(entry)));
    box.append(pair);
  }
  return box;
}

function renderQueue() {
  const body = $("queue-body");
  body.replaceChildren();
  const now = performance.now();
  for (const { item, receivedAt } of app.queue) {
    const row = element("tr");
    row.dataset.consult = item.consult;
    row.append(element("td", "station", item.station));
    const wait = element("td", "waiting", waited(item.waiting_s + (now - receivedAt) / 1000));
    wait.dataset.since = String(receivedAt - item.waiting_s * 1000);
    row.append(wait);
    row.append(element("td", "", residentText(item)));
    const values = element("td");
    values.append(valuesLine(item.values));
    row.append(values);
    const flags = element("td");
    if (item.flags && item.flags.length) flags.append(flagBadges(item.flags));
    else flags.textContent = t("no_flags");
    row.append(flags);
    const action = element("td");
    const button = element("button", "accept", t("accept"));
    button.type = "button";
    button.addEventListener("click", () => accept(item.consult, button));
    action.append(button);
    row.append(action);
    body.append(row);
  }
  $("queue").hidden = app.queue.length === 0;
  $("queue-empty").hidden = app.queue.length !== 0;
}

function tickQueue() {
  const now = performance.now();
  for (const cell of document.querySelectorAll("#queue-body td.waiting")) {
    cell.textContent = waited((now - Number(cell.dataset.since)) / 1000);
  }
}

function accept(consult, button) {
  if (app.call) return;
  button.disabled = true;
  showNotice(null);
  signal({ type: "accept", consult });
}

// --- Signalling ----------------------------------------------------------------

function signal(message) {
  sendJson(app.ws, message);
}

function connect() {
  const ws = openSocket("/ws/doctor", {
    onOpen: () => {
      app.link = "open";
      app.retries = 0;
      renderLink();
    },
    onMessage: onSignal,
    onClose: () => {
      if (app.ws !== ws) return;
      app.link = "closed";
      renderLink();
      if (app.call) leaveCall("portal");
      app.queue = [];
      renderQueue();
      app.retries += 1;
      setTimeout(reconnect, Math.min(10_000, 500 * 2 ** Math.min(app.retries, 5)));
    },
  });
  app.ws = ws;
}

async function reconnect() {
  if (app.retries >= 3) {
    const response = await fetch("/api/me", { credentials: "same-origin" }).catch(() => null);
    if (response && response.status === 401) {
      location.assign("/login");
      return;
    }
  }
  connect();
}

function onSignal(message) {
  switch (message.type) {
    case "queue":
      if (Array.isArray(message.items)) {
        const now = performance.now();
        app.queue = message.items.map((item) => ({ item, receivedAt: now }));
        renderQueue();
      }
      break;
    case "accepted":
      startCall(message);
      break;
    case "taken":
      showNotice("taken");
      renderQueue();
      break;
    case "error":
      if (message.error === "busy") showNotice("busy");
      break;
    case "offer":
      if (app.call && typeof message.sdp === "string") {
        app.call.state = app.call.rtc && app.call.rtc.connections > 0 ? "reconnecting" : "connecting";
        renderCallState();
        app.call.rtc.offer(message.sdp);
      }
      break;
    case "candidate":
      if (app.call && app.call.rtc) app.call.rtc.candidate(message.candidate);
      break;
    case "end":
      break; // the portal's "ended" follows
    case "ended":
      if (app.call && (!message.consult || message.consult === app.call.consult)) {
        leaveCall(typeof message.by === "string" ? message.by : "other");
      }
      break;
    default:
      break;
  }
}

// --- The call --------------------------------------------------------------------

function startCall(accepted) {
  if (app.call) return;
  const call = freshCall(accepted);
  app.call = call;
  app.ended = null;
  app.queue = []; // the portal sends the queue again when the call ends
  call.media = localMedia($("self"), () => app.call === call).catch(() => {
    showNotice("media_failed");
    return null;
  });
  call.rtc = new Call({
    iceServers: Array.isArray(accepted.ice_servers) ? accepted.ice_servers : [],
    localMedia: call.media,
    signal,
    onTrack: (track) => onRemoteTrack(call, track),
    onChannel: (channel) => onChannel(call, channel),
    onState: (state) => onConnectionState(call, state),
  });
  for (const strip of Object.values(strips)) strip._reset(0);
  strips.ecg.gapLabel = t("wave_gap");
  strips.pleth.gapLabel = t("wave_gap");
  $("note").value = "";
  renderCall();
  $("queue-view").hidden = true;
  $("call-view").hidden = false;
  call.statsTimer = setInterval(() => pollStats(call), STATS_INTERVAL_MS);
}

function leaveCall(by) {
  const call = app.call;
  if (!call) return;
  app.call = null;
  app.ended = by;
  clearInterval(call.statsTimer);
  call.rtc.close();
  releaseMedia(call.media, $("remote"), $("self"));
  $("call-view").hidden = true;
  $("queue-view").hidden = false;
  const key = by === "station" ? "ended_station" : by === "doctor" ? "ended_doctor" : "ended_other";
  showNotice(key);
  renderQueue();
}

function endCall() {
  const call = app.call;
  if (!call) return;
  sendControl(call, { t: "end" });
  signal({ type: "end" });
  leaveCall("doctor");
}

function onRemoteTrack(call, track) {
  // A fresh stream each time: a video element does not notice tracks swapped inside
  // the stream it already plays (a re-offer brings new tracks).
  const video = $("remote");
  const kept = video.srcObject instanceof MediaStream ? video.srcObject.getTracks() : [];
  const tracks = kept.filter((old) => old.kind !== track.kind && old.readyState === "live");
  video.srcObject = new MediaStream([...tracks, track]);
  video.play().catch(() => {});
}

function onConnectionState(call, state) {
  if (app.call !== call) return;
  if (state === "connected") call.state = "connected";
  else if (state === "failed" || state === "disconnected") call.state = "reconnecting";
  else if (state === "new" || state === "connecting") call.state = call.state === "reconnecting" ? "reconnecting" : "connecting";
  renderCallState();
}

function renderCallState() {
  const call = app.call;
  if (!call) return;
  const box = $("call-state");
  box.textContent = t(`state_${call.state}`);
  box.dataset.state = call.state;
}

async function pollStats(call) {
  if (app.call !== call || !call.rtc) return;
  const report = await call.rtc.stats().catch(() => null);
  if (!report || app.call !== call) return;
  const latest = snapshot(report, performance.now());
  if (call.statsConnection !== call.rtc.connections) {
    // A re-offer brought a new connection whose counters start again at 0: keep what
    // the earlier one counted, and judge its quality from its own readings only.
    if (call.stats) for (const key of Object.keys(call.carried)) call.carried[key] += call.stats[key];
    call.statsConnection = call.rtc.connections;
    call.previousStats = null;
  }
  call.quality = judge(call.previousStats, latest) ?? call.quality;
  call.previousStats = latest;
  call.stats = latest;
  renderQuality();
}

function renderQuality() {
  const quality = app.call?.quality;
  $("quality-icon").textContent = quality ? QUALITY_ICONS[quality.level] : "○○○";
  $("quality-word").textContent = quality ? t(`quality_${quality.level}`) : t("quality_unknown");
  const box = $("quality");
  box.dataset.level = quality ? quality.level : "";
  box.title = quality
    ? t("quality_detail", {
        rtt: quality.rttMs ?? "–",
        loss: quality.lossPercent,
        fps: quality.fps,
        res: quality.resolution,
      })
    : "";
}

// --- Data channels -------------------------------------------------------------

function onChannel(call, channel) {
  if (channel.label === "live") {
    channel.addEventListener("message", (event) => onLive(call, event.data));
  } else if (channel.label === "control") {
    call.control = channel;
    channel.addEventListener("open", () => flushControl(call));
    channel.addEventListener("message", (event) => onControl(call, event.data));
    if (channel.readyState === "open") flushControl(call);
  }
}

function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
}

/** Send a control message (an id is added); queued until the channel opens. */
function sendControl(call, message) {
  const full = { ...message, id: newId() };
  call.pending.set(full.id, full);
  call.outbox.push(JSON.stringify(full));
  flushControl(call);
  return full.id;
}

function flushControl(call) {
  const channel = call.control;
  if (!channel || channel.readyState !== "open") return;
  while (call.outbox.length) channel.send(call.outbox.shift());
}

function onLive(call, data) {
  if (app.call !== call || typeof data !== "string") return;
  let message;
  try {
    message = JSON.parse(data);
  } catch {
    return;
  }
  if (!message || typeof message !== "object") return;
  if (message.t === "wave" && typeof message.k === "string") {
    const kind = message.k;
    call.waves[kind] = (call.waves[kind] ?? 0) + 1;
    if (ECG_KINDS.includes(kind) && (call.ecgKind === null || call.ecgKind === kind)) {
      call.ecgKind = kind;
      strips.ecg.push(message);
    } else if (PLETH_KINDS.includes(kind) && (call.plethKind === null || call.plethKind === kind)) {
      call.plethKind = kind;
      strips.pleth.push(message);
    }
  } else if (message.t === "values" && message.v && typeof message.v === "object") {
    for (const [name, value] of Object.entries(message.v)) {
      if (typeof value === "number") {
        call.values[name] = value;
        call.units[name] = message.u && typeof message.u[name] === "string" ? message.u[name] : "";
      }
    }
    renderLiveValues();
  }
}

function onControl(call, data) {
  if (app.call !== call || typeof data !== "string") return;
  let message;
  try {
    message = JSON.parse(data);
  } catch {
    return;
  }
  if (!message || typeof message.t !== "string" || typeof message.id !== "string") return;
  const sent = call.pending.get(message.id);
  switch (message.t) {
    case "ack":
      call.acked.add(message.id);
      if (sent && sent.t === "remeasure" && call.statuses[sent.vital]?.key === "status_sent") {
        call.statuses[sent.vital] = { key: "status_acked" };
      } else if (sent && sent.t === "note" && call.note && call.note.id === message.id) {
        call.note.ackedAt = new Date();
      } else if (sent && sent.t === "instruction" && call.instruction?.id === message.id) {
        call.instruction.acked = true;
      }
      break;
    case "measuring":
      if (typeof message.vital === "string") call.statuses[message.vital] = { key: "status_measuring" };
      break;
    case "result":
      if (typeof message.vital === "string" && message.values && typeof message.values === "object") {
        call.statuses[message.vital] = {
          key: "status_result",
          params: { value: readingText({ v: message.values, u: message.unit }) },
        };
        acknowledge(call, message.id);
      }
      break;
    case "unable":
      if (typeof message.vital === "string" && typeof message.reason === "string") {
        call.statuses[message.vital] = { key: "status_unable", reason: message.reason };
        acknowledge(call, message.id);
      }
      break;
    case "record":
      call.record = { now: Array.isArray(message.now) ? message.now : [], earlier: Array.isArray(message.earlier) ? message.earlier : [] };
      renderRecord($("record"), call.record);
      acknowledge(call, message.id);
      break;
    default:
      break;
  }
  renderActions();
}

/** Tell the cabin a message of its arrived (an ack carries the message's own id). */
function acknowledge(call, id) {
  call.outbox.push(JSON.stringify({ t: "ack", id }));
  flushControl(call);
}

// --- The call view -------------------------------------------------------------

function renderCall() {
  const call = app.call;
  if (!call) return;
  $("call-title").textContent = t("call_with", { station: call.station });
  const resident = $("resident");
  resident.replaceChildren(element("span", "", `${t("resident")}: ${residentText(call.summary)}`));
  if (call.summary.flags && call.summary.flags.length) resident.append(" ", flagBadges(call.summary.flags));
  renderCallState();
  renderQuality();
  renderLiveValues();
  renderRecord($("record"), call.record ?? { now: [], earlier: [] });
  renderActions();
  $("mute").textContent = t(call.muted ? "unmute" : "mute");
  $("camera").textContent = t(call.cameraOff ? "camera_on" : "camera_off");
}

function renderLiveValues() {
  const call = app.call;
  if (!call) return;
  renderValues($("values"), call.values, call.units);
  $("values-empty").hidden = Object.keys(call.values).length !== 0;
}

function renderActions() {
  const call = app.call;
  if (!call) return;
  for (const box of document.querySelectorAll("[data-status-for]")) {
    const status = call.statuses[box.dataset.statusFor];
    // The reason of "unable" is a code from the cabin, put in words at each render
    // so that the language toggle applies to it too.
    const params = status?.reason ? { reason: maybe(`unable_${status.reason}`) ?? status.reason } : status?.params;
    box.textContent = status ? t(status.key, params ?? {}) : "";
    box.dataset.status = status ? status.key : "";
  }
  const instruction = $("instruction-status");
  instruction.textContent = call.instruction
    ? `${t(`instr_${call.instruction.key}`)}: ${t(call.instruction.acked ? "status_acked" : "status_sent")}`
    : "";
  const note = $("note-status");
  if (call.note) {
    note.textContent = call.note.ackedAt
      ? t("note_acked", { time: clock(call.note.ackedAt) })
      : t("note_sent", { time: clock(call.note.sentAt) });
    note.dataset.status = call.note.ackedAt ? "acked" : "sent";
  } else {
    note.textContent = "";
    note.dataset.status = "";
  }
  $("send-note").textContent = t(call.note ? "note_update" : "note_send");
  $("note-count").textContent = t("note_count", { n: $("note").value.length, max: NOTE_MAX });
}

function localTrack(call, kind) {
  const stream = $("self").srcObject;
  return stream instanceof MediaStream ? stream.getTracks().find((track) => track.kind === kind) : undefined;
}

// --- Drawing -----------------------------------------------------------------

function frame(now) {
  if (app.call) {
    strips.ecg.draw(now);
    strips.pleth.draw(now);
    $("ecg-note").textContent = strips.ecg.end === null ? t("wave_none") : "";
    $("pleth-note").textContent = strips.pleth.end === null ? t("wave_none") : "";
  }
  requestAnimationFrame(frame);
}

// --- Start ---------------------------------------------------------------------

function wire() {
  $("lang").addEventListener("click", () => {
    const next = LANGUAGES.find((code) => code !== lang()) ?? "vi";
    setLang(next);
  });
  onLangChange(() => {
    renderLink();
    renderNotice();
    renderQueue();
    renderCall();
    strips.ecg.gapLabel = t("wave_gap");
    strips.pleth.gapLabel = t("wave_gap");
  });
  wireLogout($("logout"), () => (app.me ? app.me.csrf : ""));
  $("end-call").addEventListener("click", endCall);
  // Mute and camera off: the local track stays in the call, disabled.
  for (const [id, flag, kind] of [
    ["mute", "muted", "audio"],
    ["camera", "cameraOff", "video"],
  ]) {
    $(id).addEventListener("click", () => {
      const call = app.call;
      if (!call) return;
      call[flag] = !call[flag];
      const track = localTrack(call, kind);
      if (track) track.enabled = !call[flag];
      $(id).setAttribute("aria-pressed", String(call[flag]));
      renderCall();
    });
  }
  for (const button of document.querySelectorAll("[data-remeasure]")) {
    button.addEventListener("click", () => {
      const call = app.call;
      if (!call) return;
      const vital = button.dataset.remeasure;
      sendControl(call, { t: "remeasure", vital });
      call.statuses[vital] = { key: "status_sent" };
      renderActions();
    });
  }
  for (const button of document.querySelectorAll("[data-instruction]")) {
    button.addEventListener("click", () => {
      const call = app.call;
      if (!call) return;
      const key = button.dataset.instruction;
      const id = sendControl(call, { t: "instruction", key });
      call.instruction = { key, id, acked: false };
      renderActions();
    });
  }
  $("note").addEventListener("input", renderActions);
  $("send-note").addEventListener("click", () => {
    const call = app.call;
    const text = $("note").value.trim().slice(0, NOTE_MAX);
    if (!call || !text) return;
    const id = sendControl(call, { t: "note", text });
    call.note = { id, sentAt: new Date(), ackedAt: null };
    renderActions();
  });
  window.addEventListener("pagehide", () => {
    if (app.call) signal({ type: "end" });
  });
}

async function main() {
  translate(document);
  wire();
  renderLink();
  renderQueue();
  const response = await fetch("/api/me", { credentials: "same-origin" });
  if (response.status === 401) {
    location.assign("/login");
    return;
  }
  app.me = await response.json();
  $("doctor-name").textContent = app.me.name;
  connect();
  setInterval(tickQueue, 500);
  requestAnimationFrame(frame);
}

main();
