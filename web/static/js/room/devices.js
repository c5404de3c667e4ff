// This browser's own media: the microphone, the camera and the screen, which devices the
// person chose (remembered in localStorage) and whether each starts on. LocalMedia owns the
// local tracks and stops them; it knows nothing of the wire. The pre-join preview and the
// room share one LocalMedia, so joining does not open the devices again.
//
//   const local = new LocalMedia();
//   local.on("track", ({kind, track}) => ...);   // kind: audio | video | screen; track or null
//   await local.setOn("video", true);             // throws MediaAccessError (key: a string key)

import { Emitter } from "./connection.js";

const STORE_KEY = "yunhui.media";
const CAMERA = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24 } };
const MICROPHONE = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
const SCREEN = { video: { frameRate: { ideal: 15, max: 30 } }, audio: false };

// getUserMedia's error names -> the page's string keys (strings.js), per device kind
const REASONS = {
  NotAllowedError: "blocked",
  SecurityError: "blocked",
  NotFoundError: "missing",
  OverconstrainedError: "missing",
  NotReadableError: "busy",
  AbortError: "busy",
};

export class MediaAccessError extends Error {
  constructor(kind, cause) {
    const device = { audio: "mic", video: "camera", screen: "screen" }[kind];
    const key = kind === "screen" ? "screen_failed" : `${device}_${REASONS[cause?.name] ?? "busy"}`;
    super(key);
    this.key = key;
    this.kind = kind;
    this.cancelled = kind === "screen" && cause?.name === "NotAllowedError"; // the person said no
  }
}

export function mediaSupported() {
  return Boolean(navigator.mediaDevices?.getUserMedia) && typeof RTCPeerConnection === "function";
}

function loadChoice() {
  const fallback = { camera: "", microphone: "", video: false, audio: false };
  try {
    return { ...fallback, ...JSON.parse(localStorage.getItem(STORE_KEY) ?? "{}") };
  } catch {
    return fallback; // unreadable: start from the defaults
  }
}

export class LocalMedia extends Emitter {
  tracks = { audio: null, video: null, screen: null };
  choice = loadChoice(); // {camera, microphone: device ids ("" = default), video, audio: on}
  #opening = { audio: null, video: null };

  constructor() {
    super();
    navigator.mediaDevices?.addEventListener?.("devicechange", () => this.emit("devices", null));
  }

  isOn(kind) {
    return this.tracks[kind] !== null;
  }

  // turn the camera ("video") or microphone ("audio") on or off, and remember the choice
  async setOn(kind, on) {
    this.#remember({ [kind]: on });
    if (!on) return this.#drop(kind);
    if (this.tracks[kind] !== null) return this.tracks[kind];
    this.#opening[kind] ??= this.#open(kind).finally(() => (this.#opening[kind] = null));
    return this.#opening[kind];
  }

  // use another camera or microphone; the new track replaces the old one if it was on
  async useDevice(kind, deviceId) {
    this.#remember(kind === "video" ? { camera: deviceId } : { microphone: deviceId });
    if (this.tracks[kind] === null) return null;
    const old = this.tracks[kind];
    const track = await this.#acquire(kind);
    this.#set(kind, track);
    old.stop();
    return track;
  }

  async shareScreen() {
    if (this.tracks.screen !== null) return this.tracks.screen;
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia(SCREEN);
    } catch (error) {
      throw new MediaAccessError("screen", error);
    }
    const [track] = stream.getVideoTracks();
    track.contentHint = "detail";
    track.addEventListener("ended", () => this.tracks.screen === track && this.stopScreen());
    this.#set("screen", track);
    return track;
  }

  stopScreen() {
    this.#drop("screen");
  }

  // {cameras, microphones}: [{deviceId, label}] (labels are empty until a device was allowed)
  async devices() {
    const all = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
    const pick = (kind) =>
      all.filter((d) => d.kind === kind && d.deviceId).map((d) => ({ deviceId: d.deviceId, label: d.label }));
    return { cameras: pick("videoinput"), microphones: pick("audioinput") };
  }

  stopAll() {
    for (const kind of Object.keys(this.tracks)) this.#drop(kind);
  }

  async #open(kind) {
    const track = await this.#acquire(kind);
    if (!this.choice[kind]) {
      track.stop(); // turned off again while the device was opening
      return null;
    }
    this.#set(kind, track);
    return track;
  }

  async #acquire(kind) {
    const chosen = kind === "video" ? this.choice.camera : this.choice.microphone;
    const base = kind === "video" ? CAMERA : MICROPHONE;
    const constraints = chosen ? { ...base, deviceId: { exact: chosen } } : base;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ [kind]: constraints });
      return stream.getTracks()[0];
    } catch (error) {
      if (chosen && error.name === "OverconstrainedError") {
        this.#remember(kind === "video" ? { camera: "" } : { microphone: "" }); // unplugged
        return this.#acquire(kind);
      }
      throw new MediaAccessError(kind, error);
    }
  }

  #set(kind, track) {
    this.tracks[kind] = track;
    this.emit("track", { kind, track });
  }

  #drop(kind) {
    const track = this.tracks[kind];
    if (track === null) return null;
    track.stop();
    this.#set(kind, null);
    return null;
  }

  #remember(change) {
    Object.assign(this.choice, change);
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(this.choice));
    } catch {
      // storage full or disabled: the choice holds for this page only
    }
  }
}

// fill a <select> with devices; "" (the browser's default) first
export function fillDeviceSelect(select, devices, chosen, defaultLabel, unnamedLabel) {
  const options = [new Option(defaultLabel, "")];
  devices.forEach((device, index) => {
    options.push(new Option(device.label || unnamedLabel.replace("{number}", index + 1), device.deviceId));
  });
  select.replaceChildren(...options);
  select.value = devices.some((d) => d.deviceId === chosen) ? chosen : "";
  select.disabled = devices.length === 0;
}
