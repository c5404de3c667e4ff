// Network quality for the tiles, from the media connections' getStats(): the packets lost
// (over the last few seconds) and the round trip to the server. Each received track gets
// its own level (what this browser gets of that person); my own tile gets my sending side's
// (what the server reports of my packets: remote-inbound-rtp).
//
//   const monitor = new NetworkMonitor(() => media.stats(), (levels) => stage.setQuality(levels));
//   monitor.start(); monitor.stop();
// levels: {mine: level | null, tracks: Map track id -> level}; level "good" | "fair" | "poor"

const EVERY_MS = 3000;
const FAIR = { loss: 0.02, rtt: 0.3 }; // beyond these: fair
const POOR = { loss: 0.08, rtt: 0.6 }; // beyond these: poor

export function qualityLevel(loss, rtt) {
  if (loss > POOR.loss || rtt > POOR.rtt) return "poor";
  if (loss > FAIR.loss || rtt > FAIR.rtt) return "fair";
  return "good";
}

// the round trip of the connection's selected candidate pair, in seconds (0 if unknown)
function roundTrip(report) {
  let rtt = 0;
  report?.forEach((stat) => {
    if (stat.type === "candidate-pair" && stat.nominated && stat.state === "succeeded") {
      rtt = Math.max(rtt, stat.currentRoundTripTime ?? 0);
    }
  });
  return rtt;
}

export class NetworkMonitor {
  #timer = null;
  #before = new Map(); // inbound-rtp id -> {lost, received}

  constructor(read, onLevels) {
    this.read = read;
    this.onLevels = onLevels;
  }

  start() {
    this.stop();
    this.#timer = setInterval(() => this.#sample(), EVERY_MS);
  }

  stop() {
    clearInterval(this.#timer);
    this.#timer = null;
    this.#before.clear();
  }

  async #sample() {
    const { publish, subscribe } = (await this.read()) ?? {};
    if (!publish && !subscribe) return;
    const tracks = new Map();
    const rtt = roundTrip(subscribe);
    subscribe?.forEach((stat) => {
      if (stat.type !== "inbound-rtp" || !stat.trackIdentifier) return;
      const lost = Math.max(0, stat.packetsLost ?? 0);
      const received = stat.packetsReceived ?? 0;
      const before = this.#before.get(stat.id) ?? { lost: 0, received: 0 };
      this.#before.set(stat.id, { lost, received });
      const sent = lost - before.lost + (received - before.received);
      const loss = sent > 0 ? (lost - before.lost) / sent : 0;
      const level = qualityLevel(loss, rtt);
      const worse = [tracks.get(stat.trackIdentifier), level].includes("poor") ? "poor" : level;
      tracks.set(stat.trackIdentifier, worse);
    });
    let mine = null;
    publish?.forEach((stat) => {
      if (stat.type !== "remote-inbound-rtp") return;
      const level = qualityLevel(stat.fractionLost ?? 0, stat.roundTripTime ?? roundTrip(publish));
      if (mine === null || level === "poor" || (level === "fair" && mine === "good")) mine = level;
    });
    if (mine === null && publish) mine = qualityLevel(0, roundTrip(publish));
    this.onLevels({ mine, tracks });
  }
}
