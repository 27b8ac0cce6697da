// The operator's SOS console: live alerts from /ws/operator, acknowledge, video, resolve.
//
// The video is the teleconsultation's path: the station (aiortc) offers, this page
// answers with the doctor console's Call (/console/call.js). For tests,
// window.operatorState is a frozen snapshot and window.operatorStats() the call's
// frame counters (counted as the doctor console counts them, /console/quality.js).

import { Call } from "/console/call.js";
import { element, localMedia, openSocket, releaseMedia, sendJson, wireLogout } from "/console/page.js";
import { snapshot } from "/console/quality.js";
import { clock, onLangChange, setLang, t, translate, lang, waited } from "/operator/i18n.js";

const $ = (id) => document.getElementById(id);
const app = { link: "connecting", alerts: [], me: null, ws: null, call: null, banner: null, retry: 500 };

function publish() {
  const call = app.call;
  window.operatorState = Object.freeze({
    link: app.link,
    alerts: app.alerts.map((a) => ({ ...a })),
    call: call ? { alert: call.alert, station: call.station, state: call.state } : null,
  });
}

window.operatorStats = async () => {
  const call = app.call;
  const report = call && call.rtc ? await call.rtc.stats() : null;
  if (!report) return { framesDecoded: 0, framesSent: 0, audioIn: 0 };
  const { framesDecoded, videoFramesSent, audioPacketsReceived } = snapshot(report, performance.now());
  return { framesDecoded, framesSent: videoFramesSent, audioIn: audioPacketsReceived };
};

function send(message) {
  sendJson(app.ws, message);
}

// --- rendering -------------------------------------------------------------------

function renderLink() {
  const link = $("link");
  link.textContent = app.link === "open" ? t("link_open") : t("link_lost");
  link.classList.toggle("lost", app.link !== "open");
}

function renderBanner() {
  const banner = $("banner");
  const open = app.alerts.filter((a) => a.state === "open");
  const escalated = open.find((a) => a.escalated);
  if (escalated) banner.textContent = t("banner_escalated", { station: escalated.station });
  else if (open.length) banner.textContent = t("banner", { station: open[0].station });
  banner.hidden = open.length === 0;
}

function actionButton(key, className, onClick) {
  const b = element("button", className, t(key));
  b.type = "button";
  b.dataset.action = key;
  b.addEventListener("click", onClick);
  return b;
}

function renderAlerts() {
  const body = $("alerts-body");
  body.replaceChildren();
  $("empty").hidden = app.alerts.length > 0;
  $("alerts").hidden = app.alerts.length === 0;
  for (const alert of app.alerts) {
    const row = element("tr", `${alert.state}${alert.escalated ? " escalated" : ""}`);
    row.dataset.alert = alert.alert;
    row.append(element("td", "station", alert.station));
    row.append(element("td", "time", clock(alert.raised_at)));
    const waiting = element("td", "waiting", waited(alert.waiting_s));
    waiting.dataset.since = String(alert.waiting_s);
    row.append(waiting);
    const state = element("td", `state ${alert.state}`);
    state.append(
      element(
        "span",
        "",
        alert.state === "open" ? t("state_open") : t("state_acknowledged", { who: alert.acked_by || "" }),
      ),
    );
    if (alert.escalated && alert.state === "open") state.append(element("div", "escalated-note", t("escalated")));
    if (alert.call === "waiting") state.append(element("div", "call-note", t("call_waiting_badge")));
    row.append(state);
    const actions = element("td", "alert-actions");
    if (alert.state === "open") actions.append(actionButton("ack", "", () => send({ type: "ack", alert: alert.alert })));
    if (alert.call === "waiting" && !app.call) {
      actions.append(actionButton("open_call", "", () => openCall(alert)));
    }
    actions.append(
      actionButton("resolved", "quiet", () => send({ type: "resolve", alert: alert.alert, outcome: "resolved" })),
    );
    actions.append(
      actionButton("false_alarm", "quiet", () => send({ type: "resolve", alert: alert.alert, outcome: "false_alarm" })),
    );
    row.append(actions);
    body.append(row);
  }
}

function renderCall() {
  const call = app.call;
  $("call").hidden = !call;
  if (!call) return;
  $("call-title").textContent = t("call_title", { station: call.station });
  const words = { connected: "call_connected", ended: "call_ended" };
  $("call-state").textContent = t(words[call.state] || "call_waiting");
}

function render() {
  renderLink();
  renderBanner();
  renderAlerts();
  renderCall();
  publish();
}

// The waiting times tick here, between the portal's updates (no re-render: buttons stay put).
function tick() {
  const elapsed = Math.floor((performance.now() - (app.alertsAt || performance.now())) / 1000);
  for (const cell of document.querySelectorAll("#alerts-body td.waiting")) {
    cell.textContent = waited(Number(cell.dataset.since) + elapsed);
  }
}

// --- the call --------------------------------------------------------------------

function openCall(alert) {
  if (app.call) return;
  app.call = { alert: alert.alert, station: alert.station, state: "opening", rtc: null, media: null };
  send({ type: "open", alert: alert.alert });
  render();
}

function startCall(accepted) {
  const call = app.call;
  if (!call || call.alert !== accepted.alert) return;
  call.media = localMedia($("self"), () => app.call === call).catch(() => null);
  call.rtc = new Call({
    iceServers: Array.isArray(accepted.ice_servers) ? accepted.ice_servers : [],
    localMedia: call.media,
    signal: send,
    onTrack: (track) => {
      if (track.kind !== "video") return;
      $("remote").srcObject = new MediaStream([track]);
    },
    onChannel: () => {},
    onState: (state) => {
      if (app.call !== call) return;
      call.state = state;
      render();
    },
  });
  call.state = "connecting";
  render();
}

function endCall(notify) {
  const call = app.call;
  if (!call) return;
  if (notify) send({ type: "end" });
  if (call.rtc) call.rtc.close();
  releaseMedia(call.media, $("remote"), $("self"));
  app.call = null;
  render();
}

// --- the socket ------------------------------------------------------------------

function onMessage(data) {
  switch (data.type) {
    case "alerts":
      app.alerts = Array.isArray(data.items) ? data.items : [];
      app.alertsAt = performance.now();
      if (app.call && !app.alerts.some((a) => a.alert === app.call.alert)) endCall(false);
      render();
      break;
    case "escalated":
      render();
      break;
    case "accepted":
      startCall(data);
      break;
    case "offer":
      if (app.call && app.call.rtc && typeof data.sdp === "string") app.call.rtc.offer(data.sdp);
      break;
    case "candidate":
      if (app.call && app.call.rtc) app.call.rtc.candidate(data.candidate || data);
      break;
    case "ended":
      endCall(false);
      break;
    case "error":
      if (app.call && app.call.state === "opening") endCall(false);
      break;
    default:
      break;
  }
}

function connect() {
  app.ws = openSocket("/ws/operator", {
    onOpen: () => {
      app.link = "open";
      app.retry = 500;
      render();
    },
    onMessage,
    onClose: () => {
      app.link = "lost";
      endCall(false);
      render();
      setTimeout(connect, app.retry);
      app.retry = Math.min(app.retry * 2, 8000);
    },
  });
}

async function start() {
  translate(document);
  try {
    const response = await fetch("/api/me", { credentials: "same-origin" });
    if (response.ok) {
      app.me = await response.json();
      $("who").textContent = app.me.name;
    }
  } catch {
    // shown without a name
  }
  $("lang").addEventListener("click", () => setLang(lang() === "vi" ? "en" : "vi"));
  wireLogout($("logout"), () => (app.me ? app.me.csrf : ""));
  $("hang-up").addEventListener("click", () => endCall(true));
  onLangChange(render);
  render();
  connect();
  setInterval(tick, 1000);
}

start();
