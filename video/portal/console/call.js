// The doctor's side of the WebRTC link with the cabin.
//
// The cabin (aiortc) makes the offer, with every ICE candidate in it; the doctor
// answers once its own gathering is complete (no trickling needed, though
// candidates the cabin might send are added). A new offer during a call means the
// cabin rebuilt its connection (after a network cut): the old RTCPeerConnection
// is closed and the new one answered with the same local camera and microphone.

const GATHER_TIMEOUT_MS = 3000;

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, GATHER_TIMEOUT_MS);
    function done() {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    }
    function check() {
      if (pc.iceGatheringState === "complete") done();
    }
    pc.addEventListener("icegatheringstatechange", check);
  });
}

export class Call {
  /**
   * @param {object} options
   * @param {RTCIceServer[]} options.iceServers from the portal's "accepted".
   * @param {Promise<MediaStream|null>} options.localMedia the doctor's camera and microphone.
   * @param {(message: object) => void} options.signal sends a signalling message.
   * @param {(track: MediaStreamTrack) => void} options.onTrack a track from the cabin.
   * @param {(channel: RTCDataChannel) => void} options.onChannel a data channel from the cabin.
   * @param {(state: string) => void} options.onState the connection state.
   */
  constructor({ iceServers, localMedia, signal, onTrack, onChannel, onState }) {
    this.iceServers = iceServers;
    this.localMedia = localMedia;
    this.signal = signal;
    this.onTrack = onTrack;
    this.onChannel = onChannel;
    this.onState = onState;
    this.pc = null;
    this.connections = 0; // peer connections made in this call (1 + re-offers)
    this.closed = false;
    this._chain = Promise.resolve();
  }

  /** Answer an offer (in arrival order), replacing the connection if there is one. */
  offer(sdp) {
    this._chain = this._chain.then(() => this._answer(sdp)).catch((error) => {
      if (!this.closed) this.onState("failed", error);
    });
    return this._chain;
  }

  /** A remote ICE candidate ({candidate, sdpMid, sdpMLineIndex}), for the current connection. */
  candidate(init) {
    const { pc } = this;
    if (!pc || !init || typeof init.candidate !== "string") return;
    this._chain = this._chain.then(() => pc.addIceCandidate(init)).catch(() => {});
  }

  async _answer(sdp) {
    if (this.closed) return;
    this._dropConnection();
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    this.connections += 1;
    const current = () => pc === this.pc && !this.closed;
    pc.addEventListener("track", (event) => {
      if (current()) this.onTrack(event.track);
    });
    pc.addEventListener("datachannel", (event) => {
      if (current()) this.onChannel(event.channel);
    });
    pc.addEventListener("connectionstatechange", () => {
      if (current()) this.onState(pc.connectionState);
    });
    await pc.setRemoteDescription({ type: "offer", sdp });
    const stream = await this.localMedia;
    if (!current()) return;
    for (const transceiver of pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind;
      const local = stream ? stream.getTracks().find((track) => track.kind === kind) : undefined;
      if (local) {
        await transceiver.sender.replaceTrack(local);
        if (transceiver.sender.setStreams) transceiver.sender.setStreams(stream);
        transceiver.direction = "sendrecv";
      } else {
        transceiver.direction = "recvonly";
      }
    }
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    if (!current()) return;
    this.signal({ type: "answer", sdp: pc.localDescription.sdp });
    this.onState(pc.connectionState);
  }

  _dropConnection() {
    if (this.pc) {
      this.pc.close();
      this.pc = null;
    }
  }

  /** The current connection's statistics, or null. */
  async stats() {
    return this.pc ? this.pc.getStats() : null;
  }

  close() {
    this.closed = true;
    this._dropConnection();
  }
}
