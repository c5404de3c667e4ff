// A microphone's loudness, 0 to 1, measured in the page (Web Audio) for level meters: the
// pre-join preview's and the one on the mic button in the room.
//
//   const level = new LevelMeter((value) => (meter.value = value));
//   level.watch(track);   // or null to stop

const INTERVAL_MS = 100;
const FLOOR_DB = -60; // quieter than this shows as 0

export class LevelMeter {
  #context = null;
  #source = null;
  #analyser = null;
  #timer = null;
  #samples = null;

  constructor(onLevel) {
    this.onLevel = onLevel;
  }

  watch(track) {
    this.#disconnect();
    if (track === null) return this.onLevel(0);
    this.#context ??= new AudioContext();
    // an AudioContext made before a click is suspended until one (autoplay rules)
    if (this.#context.state === "suspended") {
      document.addEventListener("click", () => this.#context?.resume(), { once: true });
      this.#context.resume().catch(() => {}); // refused before a click: resumed by the click
    }
    this.#analyser = this.#context.createAnalyser();
    this.#analyser.fftSize = 1024;
    this.#samples = new Float32Array(this.#analyser.fftSize);
    this.#source = this.#context.createMediaStreamSource(new MediaStream([track]));
    this.#source.connect(this.#analyser);
    this.#timer = setInterval(() => this.onLevel(this.#level()), INTERVAL_MS);
  }

  #level() {
    this.#analyser.getFloatTimeDomainData(this.#samples);
    let sum = 0;
    for (const sample of this.#samples) sum += sample * sample;
    const rms = Math.sqrt(sum / this.#samples.length);
    const db = 20 * Math.log10(rms || 1e-9);
    return Math.max(0, Math.min(1, (db - FLOOR_DB) / -FLOOR_DB));
  }

  #disconnect() {
    clearInterval(this.#timer);
    this.#timer = null;
    this.#source?.disconnect();
    this.#source = null;
    this.#analyser = null;
  }

  close() {
    this.#disconnect();
    this.#context?.close().catch(() => {}); // already closed
    this.#context = null;
  }
}
