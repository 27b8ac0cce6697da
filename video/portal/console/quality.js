// Connection quality from RTCPeerConnection.getStats(), in three words.
//
// Each second the console takes a snapshot of the counters it needs and compares
// it with the previous one: round-trip time of the selected ICE candidate pair,
// packet loss over the interval (audio and video received), and the received
// video's frame rate and height.

/** The counters of one getStats() report. */
export function snapshot(report, at) {
  const out = {
    at, // ms
    framesDecoded: 0,
    videoPacketsReceived: 0,
    videoPacketsLost: 0,
    audioPacketsReceived: 0,
    audioPacketsLost: 0,
    audioPacketsSent: 0,
    videoFramesSent: 0,
    framesPerSecond: null,
    frameWidth: null,
    frameHeight: null,
    rtt: null, // seconds
  };
  let selectedPair = null;
  const pairs = [];
  report.forEach((stat) => {
    if (stat.type === "inbound-rtp" && stat.kind === "video") {
      out.framesDecoded += stat.framesDecoded ?? 0;
      out.videoPacketsReceived += stat.packetsReceived ?? 0;
      out.videoPacketsLost += Math.max(0, stat.packetsLost ?? 0);
      if (stat.framesPerSecond !== undefined) out.framesPerSecond = stat.framesPerSecond;
      if (stat.frameWidth) out.frameWidth = stat.frameWidth;
      if (stat.frameHeight) out.frameHeight = stat.frameHeight;
    } else if (stat.type === "inbound-rtp" && stat.kind === "audio") {
      out.audioPacketsReceived += stat.packetsReceived ?? 0;
      out.audioPacketsLost += Math.max(0, stat.packetsLost ?? 0);
    } else if (stat.type === "outbound-rtp" && stat.kind === "audio") {
      out.audioPacketsSent += stat.packetsSent ?? 0;
    } else if (stat.type === "outbound-rtp" && stat.kind === "video") {
      out.videoFramesSent += stat.framesSent ?? stat.framesEncoded ?? 0;
    } else if (stat.type === "transport" && stat.selectedCandidatePairId) {
      selectedPair = stat.selectedCandidatePairId;
    } else if (stat.type === "candidate-pair") {
      pairs.push(stat);
    }
  });
  const pair =
    pairs.find((p) => p.id === selectedPair) ?? pairs.find((p) => p.nominated && p.state === "succeeded");
  if (pair && typeof pair.currentRoundTripTime === "number") out.rtt = pair.currentRoundTripTime;
  return out;
}

/**
 * "good", "fair" or "poor" from two snapshots a moment apart, with the figures
 * behind it; null before there is anything to judge.
 */
export function judge(previous, latest) {
  if (!previous || !latest || latest.at <= previous.at) return null;
  const seconds = (latest.at - previous.at) / 1000;
  const received =
    latest.videoPacketsReceived - previous.videoPacketsReceived +
    (latest.audioPacketsReceived - previous.audioPacketsReceived);
  const lost =
    latest.videoPacketsLost - previous.videoPacketsLost + (latest.audioPacketsLost - previous.audioPacketsLost);
  const loss = received + lost > 0 ? Math.max(0, lost) / (received + lost) : 0;
  const fps =
    latest.framesPerSecond ?? Math.max(0, latest.framesDecoded - previous.framesDecoded) / seconds;
  const frames = latest.framesDecoded - previous.framesDecoded;
  const rtt = latest.rtt;
  let level = "good";
  if (frames <= 0 || loss > 0.08 || (rtt !== null && rtt > 0.5) || fps < 8) level = "poor";
  else if (loss > 0.02 || (rtt !== null && rtt > 0.25) || fps < 20 || (latest.frameHeight ?? 0) < 360) {
    level = "fair";
  }
  return {
    level,
    rttMs: rtt === null ? null : Math.round(rtt * 1000),
    lossPercent: Math.round(loss * 1000) / 10,
    fps: Math.round(fps),
    resolution: latest.frameWidth && latest.frameHeight ? `${latest.frameWidth}×${latest.frameHeight}` : "–",
  };
}
