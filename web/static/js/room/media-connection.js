// The room's media over WebRTC, as PROTOCOL.md "Media" describes it: two RTCPeerConnections
// to the server's forwarding unit, "publish" (we offer what we send) and "subscribe" (the
// server offers what we receive), negotiated over the room's Socket.IO connection. It knows
// SDP and the wire and nothing of the DOM.
//
//   const media = new MediaConnection(room.media);   // room.media: RoomConnection's channel
//   media.on("track", ({participantId, kind, sourceId, track}) => ...);  // track null: gone
//   media.start();                                     // after every `joined`
//   await media.setTrack("video", cameraTrack);        // audio | video | screen; null = none
//
// Events: started {activeSpeaker}, track {...}, refused {kinds, message}, closed {reason,
// message}, state {connection, state}.

import { Emitter } from "./connection.js";

const RETRY_MS = [1000, 2000, 5000, 10000];
const ANSWER_TIMEOUT_MS = 15000;
const KINDS = ["audio", "video", "screen"];

// candidates the server would skip anyway (TCP, mDNS names): not worth their place in the
// server's per-connection budget
function worthSending(candidate) {
  return !/ tcp /i.test(candidate) && !/\.local /i.test(candidate);
}

class Signalled {
  // one side's candidates, held back until the connection's description was sent
  described = false;
  queue = [];
}

export class MediaConnection extends Emitter {
  #channel;
  #iceServers = [];
  #publish = null; // RTCPeerConnection
  #subscribe = null;
  #signalled = { publish: new Signalled(), subscribe: new Signalled() };
  #senders = { audio: null, video: null, screen: null }; // RTCRtpTransceiver of the publish side
  #tracks = { audio: null, video: null, screen: null }; // what we want to send
  #stream = new MediaStream(); // groups what we send (one msid)
  #receiving = new Map(); // mid -> {participantId, kind, sourceId, track}
  #answer = null; // {resolve, reject} of the publish_offer in flight
  #chains = { publish: Promise.resolve(), subscribe: Promise.resolve() }; // steps in order
  #generation = 0; // bumped when the connections are closed: stale steps stop
  #retries = 0;
  #retryTimer = null;
  started = false;

  constructor(channel) {
    super();
    this.#channel = channel;
    channel.on("media_started", (p) => this.#onStarted(p));
    channel.on("publish_answer", (p) => this.#answer?.resolve(p));
    channel.on("subscribe_offer", (p) => this.#serially("subscribe", () => this.#onSubscribeOffer(p)));
    channel.on("media_closed", (p) => this.#onClosed(p));
    channel.on("error", (p) => this.#onError(p));
  }

  // start (or start again) this tab's media: the server closes any it had
  start() {
    clearTimeout(this.#retryTimer);
    this.#close();
    this.#channel.send("media_start", {});
  }

  stop() {
    clearTimeout(this.#retryTimer);
    if (this.started) this.#channel.send("media_stop", {});
    this.#close();
  }

  // what to send for a kind: a track, or null to send nothing
  setTrack(kind, track) {
    this.#tracks[kind] = track;
    if (!this.started) return Promise.resolve();
    return this.#serially("publish", () => this.#applyTrack(kind, track));
  }

  // the connections' statistics now (getStats), for the network quality shown on the tiles:
  // {publish, subscribe}, each an RTCStatsReport or null
  async stats() {
    const read = (pc) => (pc ? pc.getStats().catch(() => null) : Promise.resolve(null));
    const [publish, subscribe] = await Promise.all([read(this.#publish), read(this.#subscribe)]);
    return { publish, subscribe };
  }

  // --- the server's answers --------------------------------------------------------------

  #onStarted({ ice_servers: iceServers, active_speaker: activeSpeaker }) {
    this.#close();
    this.#iceServers = Array.isArray(iceServers) ? iceServers : [];
    this.started = true;
    this.emit("started", { activeSpeaker: activeSpeaker ?? null });
    if (KINDS.some((kind) => this.#tracks[kind] !== null)) this.#serially("publish", () => this.#publishAll());
  }

  #onClosed({ reason, message }) {
    this.#close();
    this.emit("closed", { reason, message });
    if (reason === "failed" || reason === "role" || reason === "stage") this.#retry();
  }

  // a publish_offer refused outright (the role may send nothing, or the SDP was refused);
  // `publish_refused` (some tracks only) follows an answer, which lists them
  #onError({ code, message, event }) {
    if (event === "publish_offer" && code !== "publish_refused") this.#answer?.reject({ code, message });
  }

  #retry() {
    clearTimeout(this.#retryTimer);
    const delay = RETRY_MS[Math.min(this.#retries, RETRY_MS.length - 1)];
    this.#retries += 1;
    this.#retryTimer = setTimeout(() => this.start(), delay);
  }

  // --- publishing ------------------------------------------------------------------------

  // each connection's negotiation steps run one after the other (never two offers at once)
  #serially(name, step) {
    const generation = this.#generation;
    const run = () => (generation === this.#generation ? step() : undefined);
    this.#chains[name] = this.#chains[name].then(run).catch((error) => this.#failed(error, generation));
    return this.#chains[name];
  }

  #failed(error, generation) {
    if (generation !== this.#generation) return; // from connections already closed
    console.warn("media negotiation failed", error);
    this.#retry();
  }

  async #publishAll() {
    for (const kind of KINDS) {
      if (this.#tracks[kind] !== null) this.#addSender(kind, this.#tracks[kind]);
    }
    await this.#negotiatePublish();
  }

  async #applyTrack(kind, track) {
    const sender = this.#senders[kind];
    if (sender === null) {
      if (track === null) return;
      this.#addSender(kind, track);
      return this.#negotiatePublish();
    }
    await sender.sender.replaceTrack(track);
    // a screen comes and goes with a renegotiation: the server adds or removes its source;
    // camera and microphone stay negotiated (the mic/camera flags say whether they flow)
    const direction = track === null && kind === "screen" ? "inactive" : "sendonly";
    if (sender.direction !== direction) {
      sender.direction = direction;
      await this.#negotiatePublish();
    }
  }

  #addSender(kind, track) {
    const pc = this.#publishConnection();
    this.#senders[kind] = pc.addTransceiver(track, { direction: "sendonly", streams: [this.#stream] });
  }

  async #negotiatePublish() {
    const pc = this.#publish;
    const generation = this.#generation;
    await pc.setLocalDescription(await pc.createOffer());
    const answered = new Promise((resolve, reject) => (this.#answer = { resolve, reject }));
    const timer = setTimeout(() => this.#answer?.reject({ code: "timeout" }), ANSWER_TIMEOUT_MS);
    const screen = this.#senders.screen?.mid;
    this.#channel.send("publish_offer", { sdp: pc.localDescription.sdp, screen_mids: screen ? [screen] : [] });
    this.#described("publish");
    let answer;
    try {
      answer = await answered;
    } catch (refusal) {
      if (refusal.code === "timeout") throw new Error("no publish_answer"); // start again
      return this.#publishRefused(refusal, generation);
    } finally {
      clearTimeout(timer);
      this.#answer = null;
    }
    if (generation !== this.#generation) return;
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    this.#retries = 0;
    if (answer.refused?.length) this.emit("refused", { kinds: answer.refused });
  }

  // the server made no publish connection at all (a role that may send nothing)
  #publishRefused({ code, message }, generation) {
    if (generation !== this.#generation) return;
    const kinds = KINDS.filter((kind) => this.#senders[kind] !== null);
    this.#closePublish();
    for (const kind of kinds) this.#tracks[kind] = null;
    this.emit("refused", { kinds, code, message });
  }

  #publishConnection() {
    if (this.#publish === null) this.#publish = this.#newConnection("publish");
    return this.#publish;
  }

  // --- subscribing -----------------------------------------------------------------------

  async #onSubscribeOffer({ sdp, revision, tracks }) {
    if (!this.started) return;
    if (this.#subscribe === null) this.#subscribe = this.#newConnection("subscribe");
    const pc = this.#subscribe;
    await pc.setRemoteDescription({ type: "offer", sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    this.#channel.send("subscribe_answer", { sdp: pc.localDescription.sdp, revision });
    this.#described("subscribe");
    this.#receive(pc, Array.isArray(tracks) ? tracks : []);
  }

  // compare what each mid carries now with before; tell the page what came and went
  #receive(pc, tracks) {
    const receivers = new Map(pc.getTransceivers().map((t) => [t.mid, t.receiver]));
    const now = new Map();
    for (const wire of tracks) {
      const receiver = receivers.get(wire.mid);
      if (!receiver || !KINDS.includes(wire.kind)) continue;
      now.set(wire.mid, {
        participantId: wire.participant_id,
        kind: wire.kind,
        sourceId: wire.source_id,
        track: receiver.track,
      });
    }
    for (const [mid, before] of this.#receiving) {
      if (now.get(mid)?.sourceId !== before.sourceId) this.emit("track", { ...before, track: null });
    }
    for (const [mid, item] of now) {
      if (this.#receiving.get(mid)?.sourceId !== item.sourceId) this.emit("track", item);
    }
    this.#receiving = now;
  }

  // --- both connections ------------------------------------------------------------------

  #newConnection(name) {
    const pc = new RTCPeerConnection({ iceServers: this.#iceServers, bundlePolicy: "max-bundle" });
    this.#signalled[name] = new Signalled();
    pc.addEventListener("icecandidate", ({ candidate }) => this.#candidate(name, candidate));
    pc.addEventListener("connectionstatechange", () => {
      this.emit("state", { connection: name, state: pc.connectionState });
      if (pc.connectionState === "failed") this.#retry();
    });
    return pc;
  }

  #candidate(name, candidate) {
    const line = candidate === null ? "" : candidate.candidate;
    if (line !== "" && !worthSending(line)) return;
    const signalled = this.#signalled[name];
    if (signalled.described) this.#channel.send("ice_candidate", { connection: name, candidate: line });
    else signalled.queue.push(line);
  }

  #described(name) {
    const signalled = this.#signalled[name];
    if (signalled.described) return;
    signalled.described = true;
    for (const line of signalled.queue.splice(0)) {
      this.#channel.send("ice_candidate", { connection: name, candidate: line });
    }
  }

  #closePublish() {
    this.#publish?.close();
    this.#publish = null;
    this.#senders = { audio: null, video: null, screen: null };
  }

  #close() {
    this.#generation += 1;
    this.#answer?.reject({ code: "closed", message: "" });
    this.#answer = null;
    this.#closePublish();
    this.#subscribe?.close();
    this.#subscribe = null;
    for (const item of this.#receiving.values()) this.emit("track", { ...item, track: null });
    this.#receiving = new Map();
    this.started = false;
  }
}
