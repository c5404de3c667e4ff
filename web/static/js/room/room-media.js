// The room's camera, microphone and screen on the page: the buttons, the device menu, the
// stage, and what the role allows. It joins LocalMedia (this browser's devices), the
// MediaConnection (the server's forwarding unit) and the Stage; it knows no SDP.
//
// What the roster says about me (mic, camera: what the server forwards) is the truth the
// buttons show. Turning a device on opens it, sends it, then reports it (set_mic /
// set_camera); a host muting me or stopping my video turns my device off here too.

import { bindDeviceMenu } from "./device-menu.js";
import { mediaSupported } from "./devices.js";
import { MediaConnection } from "./media-connection.js";
import { toast } from "./notices.js";
import { t } from "./strings.js";

const NEEDS = { audio: "publish_audio", video: "publish_video", screen: "publish_screen" };
const FLAG = { audio: "mic", video: "camera" };

export class RoomMedia {
  #media = null;
  #room = null;
  #me = null;
  #capabilities = new Set();
  #inRoom = false;
  #started = false; // the server answered media_start: the mic and camera flags are reported
  #supported = mediaSupported(); // no WebRTC (an old browser, or a page not on https)

  // el: {micButton, camButton, screenButton, layoutButtons, devices, cameraSelect, micSelect,
  //      toasts}
  constructor(el, { local, stage }) {
    this.el = el;
    this.local = local;
    this.stage = stage;
    local.on("track", (change) => this.#onLocalTrack(change));
    el.micButton.addEventListener("click", () => this.#toggle("audio"));
    el.camButton.addEventListener("click", () => this.#toggle("video"));
    el.screenButton.addEventListener("click", () => this.#toggleScreen());
    for (const button of el.layoutButtons) {
      button.addEventListener("click", () => this.#setLayout(button.dataset.layout));
    }
    bindDeviceMenu({ cameraSelect: el.cameraSelect, micSelect: el.micSelect }, local, {
      onError: (error) => this.#problem(error),
    });
  }

  // a new RoomConnection (one per Join click)
  attach(room) {
    this.#room = room;
    if (!this.#supported) return;
    this.#media = new MediaConnection(room.media);
    this.#media.on("track", (item) => this.stage.setTrack(item));
    this.#media.on("started", ({ activeSpeaker }) => this.#onStarted(activeSpeaker));
    this.#media.on("refused", ({ kinds }) => this.#onRefused(kinds));
    this.#media.on("closed", ({ reason, message }) => reason === "moved" && toast(this.el.toasts, message));
  }

  // the media connections' statistics (network.js), or null before they exist
  stats() {
    return this.#media?.stats() ?? Promise.resolve(null);
  }

  // in the room (first entry, after a reconnect or after the lobby): start the media
  joined({ me, capabilities }) {
    this.#me = me;
    this.#capabilities = capabilities;
    this.#inRoom = true;
    this.#started = false;
    for (const kind of ["video", "screen"]) {
      this.stage.setTrack({ participantId: me.id, kind, track: this.local.tracks[kind] }); // my own view
    }
    this.#render();
    if (!this.#supported) return toast(this.el.toasts, t("no_media"), { error: true });
    this.#dropForbidden();
    for (const kind of Object.keys(NEEDS)) this.#media.setTrack(kind, this.local.tracks[kind]);
    this.#media.start();
  }

  // the roster's news about me: a host turned my mic or camera off
  me(person) {
    const before = this.#me;
    this.#me = person;
    for (const [kind, flag] of Object.entries(FLAG)) {
      if (before?.[flag] && !person[flag] && this.local.isOn(kind)) this.local.setOn(kind, false);
    }
    this.#render();
  }

  capabilities(capabilities) {
    this.#capabilities = capabilities;
    this.#dropForbidden();
    this.#render();
  }

  people(participants) {
    this.stage.setPeople(participants, {
      meId: this.#me.id,
      publishing: this.#publishes(),
      roster: this.#capabilities.has("see_roster"), // the list is everyone in the room
    });
  }

  // the breakout groups (a class's or meeting's), or null
  breakouts(state) {
    this.stage.setBreakouts(state);
  }

  speaker(participantId) {
    this.stage.setSpeaker(participantId);
  }

  // whom the room puts on the stage (a roadshow's founder on stage)
  spotlight(participantIds) {
    this.stage.setSpotlight(participantIds);
  }

  // I accepted an invitation to speak: the microphone on, and the camera if it was allowed
  async speak({ video }) {
    for (const kind of video ? ["audio", "video"] : ["audio"]) {
      if (this.#allowed(kind) && !this.local.isOn(kind)) await this.#toggle(kind);
    }
  }

  stopVideoRequest({ screen }) {
    if (screen) this.local.stopScreen();
    else this.local.setOn("video", false);
  }

  // the connection dropped (it reconnects) or the room sent me to the lobby
  interrupted() {
    this.#inRoom = false;
    this.#started = false;
    this.#media?.stop();
  }

  leave() {
    this.interrupted();
    this.local.stopAll();
    this.stage.clear();
  }

  // --- acting ----------------------------------------------------------------------------

  async #toggle(kind) {
    const on = !this.local.isOn(kind);
    try {
      await this.local.setOn(kind, on);
    } catch (error) {
      this.#problem(error);
      return;
    }
    // the new track (or none) is reported by #onLocalTrack
  }

  async #toggleScreen() {
    if (this.local.isOn("screen")) return this.local.stopScreen();
    try {
      await this.local.shareScreen();
    } catch (error) {
      if (!error.cancelled) this.#problem(error);
    }
  }

  #report(kind, on) {
    if (kind === "audio") this.#room.setMic(on);
    else if (kind === "video") this.#room.setCamera(on);
  }

  #onLocalTrack({ kind, track }) {
    if (this.#me) this.stage.setTrack({ participantId: this.#me.id, kind, track });
    // not filtered by the role: the buttons it may not use are hidden, and the server
    // refuses what the role may not send (then "refused" turns the device off again)
    if (this.#inRoom) this.#media?.setTrack(kind, track);
    // a device that opened after Join (slow, or asked for permission) is reported as well
    if (this.#started && kind in FLAG) this.#sync(kind);
    this.#render();
  }

  // tell the room whether my microphone or camera is on, if it thinks otherwise
  #sync(kind) {
    const wanted = this.local.isOn(kind) && this.#allowed(kind);
    if (wanted !== this.#me[FLAG[kind]]) this.#report(kind, wanted);
  }

  #onStarted(activeSpeaker) {
    this.stage.setSpeaker(activeSpeaker);
    this.#started = true;
    for (const kind of Object.keys(FLAG)) this.#sync(kind);
  }

  // the server would not take these tracks (its error says why): stop sending them
  #onRefused(kinds) {
    for (const kind of kinds) {
      if (kind === "screen") this.local.stopScreen();
      else this.local.setOn(kind, false);
    }
  }

  #dropForbidden() {
    for (const kind of Object.keys(NEEDS)) {
      if (this.#allowed(kind) || !this.local.isOn(kind)) continue;
      if (kind === "screen") this.local.stopScreen();
      else this.local.setOn(kind, false);
    }
  }

  #setLayout(layout) {
    this.stage.setLayout(layout);
    this.#render();
  }

  #problem(error) {
    toast(this.el.toasts, error.key ? t(error.key) : String(error.message ?? error), { error: true });
  }

  // --- showing ---------------------------------------------------------------------------

  #allowed(kind) {
    return this.#capabilities.has(NEEDS[kind]);
  }

  #publishes() {
    return Object.keys(NEEDS).some((kind) => this.#allowed(kind));
  }

  #render() {
    if (this.#me === null) return;
    const { micButton, camButton, screenButton, layoutButtons, devices } = this.el;
    micButton.hidden = !this.#supported || !this.#allowed("audio");
    camButton.hidden = !this.#supported || !this.#allowed("video");
    devices.hidden = micButton.hidden && camButton.hidden;
    micButton.setAttribute("aria-pressed", String(this.#me.mic));
    camButton.setAttribute("aria-pressed", String(this.#me.camera));
    // the name stays ("Microphone"), aria-pressed says on or off; the tooltip says it in words
    micButton.dataset.tip = t(this.#me.mic ? "mic_on" : "mic_off");
    camButton.dataset.tip = t(this.#me.camera ? "cam_on" : "cam_off");
    screenButton.hidden = !this.#supported || !this.#allowed("screen") || !navigator.mediaDevices.getDisplayMedia;
    screenButton.setAttribute("aria-pressed", String(this.local.isOn("screen")));
    screenButton.dataset.tip = t(this.local.isOn("screen") ? "stop_sharing" : "share_screen");
    for (const button of layoutButtons) {
      button.setAttribute("aria-pressed", String(button.dataset.layout === this.stage.layout));
    }
  }
}
