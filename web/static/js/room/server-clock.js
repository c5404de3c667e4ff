// The server's time, estimated here: countdowns run on server time (an item's `ends_at`), and
// this browser's clock may be off. Every server time seen (the page's render time, when an
// item's phase began) was at or before the server's "now" when it arrived, so
// `seen - arrival` is a lower bound of (server clock - this clock); the estimate is the
// largest bound seen so far. It only grows, and it is measured on the monotonic clock, so
// the estimated time never runs backwards.

export function monotonicNow() {
  return performance.timeOrigin + performance.now();
}

export class ServerClock {
  #offset = null; // ms to add to this browser's time; null until a server time was seen

  constructor(now = monotonicNow) {
    this.localNow = now;
  }

  // a server time known to be at or before the server's now, seen at this moment
  observe(serverTime) {
    if (!(serverTime instanceof Date) || Number.isNaN(serverTime.getTime())) return;
    const bound = serverTime.getTime() - this.localNow();
    if (this.#offset === null || bound > this.#offset) this.#offset = bound;
  }

  get offset() {
    return this.#offset ?? 0;
  }

  now() {
    return this.localNow() + this.offset;
  }
}

// a duration in ms as m:ss (h:mm:ss from an hour up), rounded up to whole seconds
export function clockText(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const [hours, minutes, seconds] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const ss = String(seconds).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${ss}` : `${minutes}:${ss}`;
}
