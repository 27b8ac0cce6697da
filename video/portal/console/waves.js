// Live waveforms on a canvas, from the cabin's "wave" messages (video/live.py).
//
// A message {"t":"wave","k":kind,"fs":Hz,"f":factor,"seq":n,"d":[int|null,...]}
// carries samples d[i] * f (in the signal's unit) for stream indices seq + i.
// The live channel is unordered and lossy, so each sample is stored at its own
// index (seq + i) in a ring buffer that also remembers which index each slot
// holds: a slot never filled, or a null sample, is a gap, drawn as a break in
// the line over a shaded band. The strip scrolls at real speed behind the
// newest sample (a play-out cursor), so bursts of messages draw smoothly.

const BACKGROUND = "#ffffff";
const GRID_MAJOR = "#f2c4c4";
const GRID_MINOR = "#fae6e6";
const GAP_FILL = "rgba(120, 120, 120, 0.18)";

export class WaveStrip {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{seconds?: number, color?: string, minSpan?: number, grid?: {x: number, y: number} | null}} options
   *   seconds shown; line colour; smallest vertical span (signal units);
   *   ECG-paper grid steps (x seconds, y signal units), or null for none.
   */
  constructor(canvas, { seconds = 5, color = "#0b5d1e", minSpan = 1, grid = null } = {}) {
    this.canvas = canvas;
    this.seconds = seconds;
    this.color = color;
    this.minSpan = minSpan;
    this.grid = grid;
    this.messages = 0; // wave messages taken
    this.samples = 0; // samples taken (finite or not)
    this.gaps = 0; // times a message started after a hole
    this.drawn = 0; // finite samples in the last drawing
    this.gapLabel = "";
    this._reset(0);
  }

  _reset(fs) {
    this.fs = fs;
    this.size = Math.max(1, Math.round(fs * this.seconds));
    this.values = new Float64Array(this.size).fill(NaN);
    this.stamps = new Float64Array(this.size).fill(-1);
    this.end = null; // stream index after the newest sample
    this.cursor = null; // stream index at the right edge of the strip
    this.lastFrame = null;
    this.low = null;
    this.high = null;
  }

  /** Take one parsed wave message; returns the number of samples stored. */
  push(message) {
    const { fs, f, seq, d } = message;
    if (!(fs > 0) || !(f > 0) || !Number.isInteger(seq) || seq < 0 || !Array.isArray(d)) return 0;
    if (fs !== this.fs) this._reset(fs);
    const last = seq + d.length;
    if (this.end !== null && last < this.end - 2 * this.size) {
      this._reset(fs); // the stream restarted (a new device or session)
    }
    if (this.end !== null && seq > this.end) this.gaps += 1;
    let stored = 0;
    const oldest = this.end === null ? -Infinity : Math.max(last, this.end) - this.size;
    for (let i = 0; i < d.length; i += 1) {
      const index = seq + i;
      if (index < oldest) continue;
      const slot = index % this.size;
      const raw = d[i];
      this.values[slot] = typeof raw === "number" ? raw * f : NaN;
      this.stamps[slot] = index;
      stored += 1;
    }
    this.end = this.end === null ? last : Math.max(this.end, last);
    this.messages += 1;
    this.samples += d.length;
    return stored;
  }

  _advance(now) {
    if (this.end === null) return;
    if (this.cursor === null) {
      this.cursor = this.end;
    } else {
      const dt = this.lastFrame === null ? 0 : (now - this.lastFrame) / 1000;
      this.cursor += dt * this.fs;
      if (this.cursor > this.end) this.cursor = this.end; // wait for data
      if (this.cursor < this.end - this.size / 2) this.cursor = this.end - this.size / 10; // catch up
    }
    this.lastFrame = now;
  }

  _fit(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    return { width, height, ratio };
  }

  /** Draw the strip as of now (milliseconds, performance.now()). */
  draw(now) {
    this._advance(now);
    const { canvas } = this;
    const context = canvas.getContext("2d");
    const { width, height, ratio } = this._fit(canvas);
    context.fillStyle = BACKGROUND;
    context.fillRect(0, 0, width, height);
    this.drawn = 0;
    if (this.cursor === null) return;
    const first = Math.floor(this.cursor) - this.size;
    const xOf = (index) => ((index - first) / this.size) * width;

    // Vertical scale over the visible samples: widens at once, narrows slowly.
    let low = Infinity;
    let high = -Infinity;
    for (let index = first; index < this.cursor; index += 1) {
      const slot = ((index % this.size) + this.size) % this.size;
      if (this.stamps[slot] !== index) continue;
      const value = this.values[slot];
      if (Number.isFinite(value)) {
        if (value < low) low = value;
        if (value > high) high = value;
      }
    }
    if (low <= high) {
      if (this.low === null || low < this.low) this.low = low;
      else this.low += (low - this.low) * 0.05;
      if (this.high === null || high > this.high) this.high = high;
      else this.high += (high - this.high) * 0.05;
    }
    let lo = this.low ?? 0;
    let hi = this.high ?? 0;
    const span = Math.max(this.minSpan, (hi - lo) * 1.15);
    const middle = (lo + hi) / 2;
    lo = middle - span / 2;
    hi = middle + span / 2;
    const yOf = (value) => height - ((value - lo) / (hi - lo)) * height;

    if (this.grid) this._drawGrid(context, width, height, first, lo, hi);

    // Gaps: shaded bands where samples are missing, after the first one seen.
    context.fillStyle = GAP_FILL;
    let gapStart = null;
    let seen = false;
    const gapRuns = [];
    for (let index = first; index <= this.cursor; index += 1) {
      const slot = ((index % this.size) + this.size) % this.size;
      const valid = index < this.cursor && this.stamps[slot] === index && Number.isFinite(this.values[slot]);
      if (valid) {
        if (gapStart !== null && seen) gapRuns.push([gapStart, index]);
        gapStart = null;
        seen = true;
      } else if (gapStart === null) {
        gapStart = index;
      }
    }
    for (const [start, stop] of gapRuns) {
      context.fillRect(xOf(start), 0, Math.max(1, xOf(stop) - xOf(start)), height);
      if (this.gapLabel && xOf(stop) - xOf(start) > 60 * ratio) {
        context.save();
        context.fillStyle = "#444";
        context.font = `${13 * ratio}px system-ui, sans-serif`;
        context.fillText(this.gapLabel, xOf(start) + 4 * ratio, 16 * ratio);
        context.restore();
      }
    }

    // The trace, broken at every missing sample.
    context.strokeStyle = this.color;
    context.lineWidth = 2 * ratio;
    context.lineJoin = "round";
    context.beginPath();
    let pen = false;
    for (let index = first; index < this.cursor; index += 1) {
      const slot = ((index % this.size) + this.size) % this.size;
      const value = this.values[slot];
      if (this.stamps[slot] !== index || !Number.isFinite(value)) {
        pen = false;
        continue;
      }
      const x = xOf(index);
      const y = yOf(value);
      if (pen) context.lineTo(x, y);
      else context.moveTo(x, y);
      pen = true;
      this.drawn += 1;
    }
    context.stroke();
  }

  _drawGrid(context, width, height, first, lo, hi) {
    if (!this.grid || !(this.fs > 0) || !(hi > lo)) return;
    const { x: stepX, y: stepY } = this.grid;
    const lines = (minor) => {
      context.strokeStyle = minor ? GRID_MINOR : GRID_MAJOR;
      context.lineWidth = 1;
      context.beginPath();
      const dx = (minor ? stepX / 5 : stepX) * this.fs;
      for (let index = Math.ceil(first / dx) * dx; index < first + this.size; index += dx) {
        const x = Math.round(((index - first) / this.size) * width) + 0.5;
        context.moveTo(x, 0);
        context.lineTo(x, height);
      }
      const dy = minor ? stepY / 5 : stepY;
      for (let value = Math.ceil(lo / dy) * dy; value < hi; value += dy) {
        const y = Math.round(height - ((value - lo) / (hi - lo)) * height) + 0.5;
        context.moveTo(0, y);
        context.lineTo(width, y);
      }
      context.stroke();
    };
    lines(true);
    lines(false);
  }
}
