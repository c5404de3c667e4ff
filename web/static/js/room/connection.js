// The room's connection: Socket.IO namespace /room as PROTOCOL.md describes it. Knows
// nothing of the page: it turns the wire's events into plain objects (camelCase, Dates) and
// emits them; the page calls methods to act. Handles reconnection (Socket.IO's own), the
// chat catch-up after a reconnect (join with chat_after = the last message id seen), and
// resends of unacknowledged chat messages with the same client id (the server drops dups).
//
//   const room = new RoomConnection({sessionId, path: "/socket.io/", lang, name});
//   room.on("joined", (snapshot) => ...);
//   room.connect();
//   room.sendChat("hello", "room");
//
// Events for the page (detail objects use ids, names and Dates, never wire fields):
//   status {state: connecting|connected|reconnecting|offline}, refused {code, message},
//   waiting {position, size}, joined {me, capabilities: Set, session, room, participants,
//   hands, lobby}, chat_history {messages, deleted, catchUp}, chat, chat_deleted {id},
//   chat_refused {text}, participant_joined / participant_updated (a participant),
//   participant_left {id}, you {me, capabilities, reason: role|stage}, hands [..], lobby [..], room_flags
//   {locked, chatEnabled}, reaction {id, name, emoji}, mute_request {by}, attendance [..],
//   sent_to_lobby {message}, gone {reason: denied|removed|banned|ended, message},
//   error {code, message, event, answered}, active_speaker {id}, stop_video_request {by,
//   screen}; in a review (review-wire.js): joined's `review`, review {...}, score_progress
//   {itemId, submitted, expected}, stepped_out {reason, message, position}; invitations to
//   speak: joined's `speakInvite` and `stageInvites`, speak_invite ({by, video} | null),
//   stage_invites [{id, name, video}], invite_answered {id, name, accept}; in a class or
//   meeting (breakouts-wire.js): joined's `breakouts`, breakouts {...}, breakout_broadcast
//   {text, name, at}; in a roadshow (show-wire.js): joined's `show`, show {...}; its judging
//   (judging-wire.js): joined's `judging`, judging {...}, pitch_score_progress {itemId,
//   submitted, expected}; in a signing ceremony (signing-wire.js): joined's `signing` and
//   `signingMe`, signing {signing, moment}, agreement_page {page}.
// An `error` answering a request the page awaits (`submitScore`, `getResults`…: a Promise of
// the ack, `{error: {code, message}}` when refused) has `answered: true`: the page shows it
// where it asked, not twice.
//
// The media signalling (PROTOCOL.md "Media": SDP, candidates) is not turned into page
// events: `room.media` is a narrow channel for media-connection.js, the one module that
// knows it: media.on(event, listener) gets the server's media events as they come (and the
// `error`s answering media events), media.send(event, payload) sends one.

import { io } from "/static/vendor/socket.io/socket.io.esm.min.js";
import { toBreakouts, toBroadcast } from "./breakouts-wire.js";
import { specWire, toPolls } from "./polls-wire.js";
import { toCard, toProgress, toResults, toReview, toSteppedOut } from "./review-wire.js";
import { toQaSettings, toQuestion, toQuestions } from "./questions-wire.js";
import { toInterest, toShow } from "./show-wire.js";
import { toJudging, toRanking } from "./judging-wire.js";
import { toPointer, toSlides } from "./slides-wire.js";
import { toMoment, toSigning, toSigningMe } from "./signing-wire.js";

const ACK_TIMEOUT_MS = 10_000;
const RETRY_MS = 2_000; // a chat message the server could not store is sent again after this
const ASK_TRIES = 3; // a question the server could not save is sent this many times at most
const WRONG_OWNER_RETRY_MS = 1_000; // another process owns the room (failover): try again after
// refusals that pass: another process owns the room, or the database did not answer
const RETRIED_REFUSALS = new Set(["wrong_owner", "unavailable"]);

// Socket.IO's disconnect reasons after which it does not reconnect by itself
const FINAL_DISCONNECTS = new Set(["io server disconnect", "io client disconnect"]);

export class Emitter {
  #listeners = new Map();

  on(type, listener) {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type).add(listener);
    return () => this.#listeners.get(type).delete(listener);
  }

  emit(type, detail) {
    for (const listener of this.#listeners.get(type) ?? []) listener(detail);
  }
}

// wire -> page objects

function date(value) {
  return value ? new Date(value) : null;
}

export function toParticipant(wire) {
  return {
    id: wire.participant_id,
    name: wire.name,
    role: wire.role,
    handRaisedAt: date(wire.hand_raised_at),
    mic: Boolean(wire.mic),
    camera: Boolean(wire.camera),
    owner: Boolean(wire.owner),
    listener: wire.listener === true, // may speak only when given the floor
    speaking: wire.speaking === true,
    speakingVideo: wire.speaking_video === true,
    publishes: wire.publishes === true, // may send their voice or camera now: a tile on the stage
  };
}

export function toMessage(wire) {
  return {
    id: wire.message_id,
    from: { id: wire.from.participant_id, name: wire.from.name, role: wire.from.role },
    to: wire.to, // "room", "hosts", "panel", a breakout group's "group:<round>:<n>" or a participant id
    toName: wire.to_name ?? "",
    text: wire.text,
    clientId: wire.client_id ?? "",
    at: date(wire.at),
  };
}

function toHand(wire) {
  return { id: wire.participant_id, name: wire.name, raisedAt: date(wire.raised_at) };
}

function toWaiting(wire) {
  return {
    id: wire.participant_id,
    name: wire.name,
    since: date(wire.waiting_since),
    waitedSeconds: wire.waited_seconds ?? 0,
  };
}

// an invitation to speak as its listener sees it, or null
function toInvite(wire) {
  return wire ? { by: wire.by, video: Boolean(wire.video) } : null;
}

// an invitation waiting, as moderators see it
function toInvited(wire) {
  return { id: wire.participant_id, name: wire.name, video: Boolean(wire.video) };
}

function toFlags(wire) {
  return { locked: Boolean(wire.locked), chatEnabled: wire.chat_enabled !== false, lobby: Boolean(wire.lobby) };
}

function toAttendance(wire) {
  return {
    id: wire.participant_id,
    name: wire.name,
    role: wire.role,
    seconds: wire.seconds,
    activeSeconds: wire.active_seconds ?? 0,
    visits: wire.visits,
    firstJoin: date(wire.first_join),
    lastLeave: date(wire.last_leave),
    present: Boolean(wire.present),
  };
}

// the room's live stream out: {state: connecting|live|reconnecting|stopped, liveSince}
function toStreaming(wire) {
  const state = ["connecting", "live", "reconnecting"].includes(wire?.state) ? wire.state : "stopped";
  return { state, liveSince: typeof wire?.live_since === "string" ? wire.live_since : null };
}

function toSnapshot(wire) {
  return {
    me: toParticipant(wire.you),
    capabilities: new Set(wire.capabilities),
    session: wire.session,
    room: toFlags(wire.room),
    recording: Boolean(wire.room?.recording),
    streaming: toStreaming(wire.room?.streaming),
    participants: wire.participants.map(toParticipant),
    hands: wire.hands.map(toHand),
    lobby: (wire.lobby ?? []).map(toWaiting),
    rejoinToken: typeof wire.rejoin_token === "string" ? wire.rejoin_token : "",
    review: toReview(wire.review),
    questions: toQuestions(wire.questions),
    polls: toPolls(wire.polls),
    slides: toSlides(wire.slides),
    speakInvite: toInvite(wire.speak_invite),
    stageInvites: (wire.stage_invites ?? []).map(toInvited),
    breakouts: toBreakouts(wire.breakouts),
    show: toShow(wire.show),
    judging: toJudging(wire.judging),
    interest: toInterest(wire.interest),
    signing: toSigning(wire.signing),
    signingMe: toSigningMe(wire.signing_me),
  };
}

// server event -> [page event, detail]; chat and chat_history have methods of their own
const RELAYED = {
  waiting: (p) => ["waiting", { position: p.position, size: p.size }],
  joined: (p) => ["joined", toSnapshot(p)],
  participant_joined: (p) => ["participant_joined", toParticipant(p.participant)],
  participant_left: (p) => ["participant_left", { id: p.participant_id }],
  participant_updated: (p) => ["participant_updated", toParticipant(p.participant)],
  you: (p) => [
    "you",
    { me: toParticipant(p.participant), capabilities: new Set(p.capabilities), reason: p.reason ?? "role" },
  ],
  hands: (p) => ["hands", p.queue.map(toHand)],
  lobby: (p) => ["lobby", p.queue.map(toWaiting)],
  room_flags: (p) => ["room_flags", toFlags(p)],
  recording: (p) => ["recording", { recording: Boolean(p.recording) }],
  streaming: (p) => ["streaming", toStreaming(p)],
  chat_deleted: (p) => ["chat_deleted", { id: p.message_id }],
  reaction: (p) => ["reaction", { id: p.participant_id, name: p.name, emoji: p.emoji }],
  mute_request: (p) => ["mute_request", { by: p.by }],
  attendance: (p) => ["attendance", p.people.map(toAttendance)],
  sent_to_lobby: (p) => ["sent_to_lobby", { message: p.message }],
  denied: (p) => ["gone", { reason: "denied", message: p.message }],
  removed: (p) => ["gone", { reason: p.banned ? "banned" : "removed", message: p.message }],
  session_ended: (p) => ["gone", { reason: "ended", message: p.message }],
  error: (p) => ["error", { code: p.code, message: p.message, event: p.event }],
  active_speaker: (p) => ["active_speaker", { id: p.participant_id ?? null }],
  stop_video_request: (p) => ["stop_video_request", { by: p.by, screen: Boolean(p.screen) }],
  review: (p) => ["review", toReview(p)],
  score_progress: (p) => ["score_progress", toProgress(p)],
  stepped_out: (p) => ["stepped_out", toSteppedOut(p)],
  question: (p) => ["question", toQuestion(p.question)],
  question_hidden: (p) => ["question_hidden", { id: p.question_id }],
  qa_settings: (p) => ["qa_settings", toQaSettings(p)],
  questions: (p) => ["questions", p.list.map(toQuestion)],
  polls: (p) => ["polls", toPolls(p)],
  slides: (p) => ["slides", toSlides(p.slides)],
  slide_pointer: (p) => ["slide_pointer", toPointer(p)],
  speak_invite: (p) => ["speak_invite", toInvite(p.invite)],
  stage_invites: (p) => ["stage_invites", (p.invited ?? []).map(toInvited)],
  invite_answered: (p) => ["invite_answered", { id: p.participant_id, name: p.name, accept: Boolean(p.accept) }],
  breakouts: (p) => ["breakouts", toBreakouts(p.breakouts)],
  breakout_broadcast: (p) => ["breakout_broadcast", toBroadcast(p)],
  show: (p) => ["show", toShow(p)],
  judging: (p) => ["judging", toJudging(p)],
  pitch_score_progress: (p) => ["pitch_score_progress", toProgress(p)],
  interest: (p) => ["interest", toInterest(p)],
  interest_counts: (p) => ["interest_counts", { counts: { ...(p.counts ?? {}) } }],
  signing: (p) => ["signing", { signing: toSigning(p.signing), moment: toMoment(p.moment) }],
  agreement_page: (p) => ["agreement_page", { page: p.page }],
};

// the media signalling, passed to media-connection.js as it is on the wire
const MEDIA_IN = ["media_started", "publish_answer", "subscribe_offer", "media_closed"];
const MEDIA_OUT = new Set(["media_start", "publish_offer", "subscribe_answer", "ice_candidate", "media_stop"]);

// stream ids "<ms>-<seq>" in the order Redis gave them
export function streamIdAfter(candidate, last) {
  if (last === null) return true;
  const [ms, seq] = candidate.split("-").map(BigInt);
  const [lastMs, lastSeq] = last.split("-").map(BigInt);
  return ms > lastMs || (ms === lastMs && seq > lastSeq);
}

export function newClientId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "c" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class RoomConnection extends Emitter {
  #socket = null;
  #joined = false; // in the room (not the lobby) on the current connection
  #everJoined = false;
  #closed = false; // this page is done with the room: no more status events
  #pending = new Map(); // client_id -> [event, payload]: chat sent, not yet acknowledged
  #awaited = new Map(); // event -> how many of its requests await their ack
  #media = new Emitter(); // the media channel's listeners

  constructor({ sessionId, path, lang, name = "", invite = "", makeSocket = io }) {
    super();
    this.sessionId = sessionId;
    this.path = path;
    this.lang = lang;
    this.name = name;
    this.invite = invite;
    this.makeSocket = makeSocket;
    this.lastChatId = null; // the newest message id this page has seen
    this.rejoin = ""; // an anonymous guest's rejoin token, from the server's `joined`
    this.media = {
      on: (event, listener) => this.#media.on(event, listener),
      send: (event, payload) => MEDIA_OUT.has(event) && this.#send(event, payload),
    };
  }

  get everJoined() {
    return this.#everJoined;
  }

  connect() {
    this.emit("status", { state: "connecting" });
    const socket = this.makeSocket("/room", {
      path: this.path,
      query: { session: this.sessionId }, // HAProxy routes a room's connections by it
      transports: ["websocket", "polling"],
      auth: (cb) => cb(this.#auth()),
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.#socket = socket;
    this.#listen(socket);
  }

  #auth() {
    const auth = { session_id: this.sessionId, lang: this.lang };
    if (this.name) auth.name = this.name;
    if (this.invite) auth.invite = this.invite;
    if (this.rejoin) auth.rejoin = this.rejoin; // a cookie-less guest stays one person
    return auth;
  }

  #listen(socket) {
    socket.on("connect", () => this.#onConnect());
    socket.on("disconnect", (reason) => this.#onDisconnect(reason));
    socket.on("connect_error", (error) => this.#onConnectError(error));
    for (const [event, convert] of Object.entries(RELAYED)) {
      socket.on(event, (payload) => this.#relay(event, ...convert(payload ?? {})));
    }
    for (const event of MEDIA_IN) socket.on(event, (payload) => this.#media.emit(event, payload ?? {}));
    socket.on("chat", (payload) => this.#onChat(toMessage(payload)));
    socket.on("chat_history", (payload) => this.#onHistory(payload));
  }

  #relay(wireEvent, type, detail) {
    if (wireEvent === "joined") this.#joined = this.#everJoined = true;
    if (wireEvent === "joined" && detail.rejoinToken) this.rejoin = detail.rejoinToken;
    if (wireEvent === "sent_to_lobby" || wireEvent === "stepped_out") this.#joined = false;
    if (type === "gone") this.#finish();
    if (type === "error" && MEDIA_OUT.has(detail.event)) this.#media.emit("error", detail);
    if (type === "error") detail.answered = Boolean(this.#awaited.get(detail.event));
    this.emit(type, detail);
  }

  #onConnect() {
    this.#joined = false;
    this.#socket.emit("join", this.lastChatId === null ? {} : { chat_after: this.lastChatId });
    this.emit("status", { state: "connected" });
  }

  #onDisconnect(reason) {
    this.#joined = false;
    if (this.#closed) return;
    if (FINAL_DISCONNECTS.has(reason)) {
      this.emit("status", { state: "offline" });
    } else {
      this.emit("status", { state: "reconnecting" });
    }
  }

  #onConnectError(error) {
    if (error.data && RETRIED_REFUSALS.has(error.data.code)) {
      this.emit("status", { state: "reconnecting" });
      this.#reconnectToOwner(error.data.owner); // unavailable names none: the same process
    } else if (error.data && typeof error.data.code === "string") {
      this.#finish(); // refused by the server: Socket.IO will not retry, nor do we
      this.emit("refused", { code: error.data.code, message: error.data.message });
    } else {
      this.emit("status", { state: "reconnecting" }); // the server is unreachable: it retries
    }
  }

  // Another process owns the room (or will, once a dead owner's lease runs out): connect
  // again shortly, with a new handshake (Socket.IO makes one after a refusal), naming the
  // owner the server gave so that HAProxy routes it there (?owner=, deploy/haproxy.cfg).
  #reconnectToOwner(owner) {
    const manager = this.#socket.io;
    if (typeof owner === "string" && owner) manager.opts.query = { ...manager.opts.query, owner };
    setTimeout(() => this.#closed || this.#socket.connect(), WRONG_OWNER_RETRY_MS);
  }

  #onChat(message) {
    if (!streamIdAfter(message.id, this.lastChatId)) return; // seen already
    this.lastChatId = message.id;
    this.#pending.delete(message.clientId);
    this.emit("chat", message);
  }

  #onHistory(payload) {
    const messages = payload.messages.map(toMessage).filter((m) => streamIdAfter(m.id, this.lastChatId));
    for (const message of messages) this.#pending.delete(message.clientId);
    if (messages.length) this.lastChatId = messages.at(-1).id;
    this.emit("chat_history", { messages, deleted: payload.deleted ?? [], catchUp: Boolean(payload.catch_up) });
    for (const [clientId, [event, body]] of this.#pending) this.#sendChat(clientId, event, body);
  }

  // acting

  #send(event, payload = {}) {
    if (!this.#joined) return false; // never buffered: Socket.IO would send it before join
    this.#socket.emit(event, payload);
    return true;
  }

  #sendChat(clientId, event, body) {
    if (!this.#joined) return;
    this.#socket.timeout(ACK_TIMEOUT_MS).emit(event, body, (error, ack) => {
      if (error) return; // disconnected or slow: resent after the next chat_history
      if (ack?.error?.code === "unavailable") {
        setTimeout(() => this.#pending.has(clientId) && this.#sendChat(clientId, event, body), RETRY_MS);
        return; // not stored: sent again, with the same client id
      }
      this.#pending.delete(clientId);
      if (!ack || !ack.message_id) this.emit("chat_refused", { text: body.text }); // error says why
    });
  }

  sendChat(text, to = "room") {
    const clientId = newClientId();
    const [event, body] =
      to === "room" ? ["chat", { text, client_id: clientId }] : ["chat_private", { text, client_id: clientId, to }];
    this.#pending.set(clientId, [event, body]);
    this.#sendChat(clientId, event, body);
    return clientId;
  }

  // an event answered in its ack: a Promise of the answer, or of {error: {code, message}}
  // ("offline" and "timeout" come with no message: the page words them)
  #request(event, payload) {
    if (!this.#joined) return Promise.resolve({ error: { code: "offline", message: "" } });
    this.#awaited.set(event, (this.#awaited.get(event) ?? 0) + 1);
    return new Promise((resolve) => {
      this.#socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (error, ack) => {
        this.#awaited.set(event, this.#awaited.get(event) - 1);
        if (error) resolve({ error: { code: "timeout", message: "" } });
        else resolve(ack ?? {});
      });
    });
  }

  deleteMessage(messageId) { return this.#send("chat_delete", { message_id: messageId }); }
  setChatEnabled(enabled) { return this.#send("set_chat_enabled", { enabled }); }
  raiseHand() { return this.#send("raise_hand"); }
  lowerHand() { return this.#send("lower_hand"); }
  lowerHandOf(participantId) { return this.#send("lower_hand_of", { participant_id: participantId }); }
  lowerAllHands() { return this.#send("lower_all_hands"); }
  react(emoji) { return this.#send("react", { emoji }); }
  setMic(on) { return this.#send("set_mic", { on }); }
  setCamera(on) { return this.#send("set_camera", { on }); }
  stopVideo(participantId, { screen = false } = {}) { return this.#send("stop_video", { participant_id: participantId, screen }); }
  admit(participantId) { return this.#send("admit", { participant_id: participantId }); }
  admitAll() { return this.#send("admit_all"); }
  deny(participantId) { return this.#send("deny", { participant_id: participantId }); }
  denyAll() { return this.#send("deny_all"); }
  sendToLobby(participantId) { return this.#send("send_to_lobby", { participant_id: participantId }); }
  mute(participantId) { return this.#send("mute", { participant_id: participantId }); }
  muteAll() { return this.#send("mute_all"); }
  remove(participantId, { ban = false } = {}) { return this.#send("remove", { participant_id: participantId, ban }); }
  setLocked(locked) { return this.#send("set_locked", { locked }); }
  setRecording(on) { return this.#send(on ? "start_recording" : "stop_recording"); }
  // a live stream out: {state} or {error}; the key is sent once, here, and never comes back
  startStream(url, key) { return this.#request("start_stream", { url, key }); }
  stopStream() { return this.#request("stop_stream", {}); }
  setRole(participantId, role) { return this.#send("set_role", { participant_id: participantId, role }); }
  getAttendance() { return this.#send("get_attendance"); }
  sendAttention(visible) { return this.#send("attention", { visible }); }
  endSession() { return this.#send("end_session"); }

  // polls and quizzes (PROTOCOL.md, "Polls and quizzes"): {poll_id} / {choices}, or {error}
  launchPoll(spec) { return this.#request("launch_poll", { poll: specWire(spec) }); }
  vote(pollId, choices) { return this.#request("vote", { poll_id: pollId, choices }); }
  closePoll(pollId) { return this.#send("close_poll", { poll_id: pollId }); }
  shareResults(pollId, shared) { return this.#send("share_results", { poll_id: pollId, shared }); }
  showLeaderboard(shown) { return this.#send("show_leaderboard", { shown }); }

  // the review panel (PROTOCOL.md, "Review panel")
  startItem(itemId) { return this.#send("start_item", { item_id: itemId }); }
  nextPhase(itemId) { return this.#send("next_phase", { item_id: itemId }); }
  extendItem(itemId, minutes) { return this.#send("extend_item", { item_id: itemId, minutes }); }
  skipItem(itemId) { return this.#send("skip_item", { item_id: itemId }); }
  reorderItems(itemIds) { return this.#send("reorder_items", { item_ids: itemIds }); }
  releaseResults(itemId) { return this.#send("release_results", { item_id: itemId }); }
  // slides on the stage (PROTOCOL.md, "Slides")
  slidePage(page) { return this.#send("slide_page", { page }); }
  slidePointer(x, y) { return this.#send("slide_pointer", { x, y }); }
  slidesStop() { return this.#send("slides_stop"); }
  // invitations to speak (PROTOCOL.md, "Invitations to speak")
  inviteToSpeak(participantId, { video = false } = {}) { return this.#send("invite_to_speak", { participant_id: participantId, video }); }
  revokeSpeaking(participantId) { return this.#send("revoke_speaking", { participant_id: participantId }); }
  answerInvite(accept) { return this.#send("answer_invite", { accept }); }
  stopSpeaking() { return this.#send("stop_speaking"); }
  // breakout groups (PROTOCOL.md, "Breakout groups"); group: a number, or null for the main room
  openBreakouts({ count, mode, minutes = null }) {
    const payload = { count, mode };
    if (minutes) payload.minutes = minutes;
    return this.#request("open_breakouts", payload);
  }
  assignBreakout(participantId, group) { return this.#send("assign_breakout", { participant_id: participantId, group }); }
  chooseBreakout(group) { return this.#send("choose_breakout", { group }); }
  visitBreakout(group) { return this.#send("visit_breakout", { group }); }
  broadcastBreakouts(text) { return this.#request("broadcast_breakouts", { text }); }
  closeBreakouts() { return this.#send("close_breakouts"); }
  // a roadshow's run of show (PROTOCOL.md, "Run of show"): the chair's
  startShow() { return this.#send("start_show"); }
  extendStage(itemId, phase, minutes) { return this.#send("extend_stage", { item_id: itemId, phase, minutes }); }
  endStage(itemId, phase) { return this.#send("end_stage", { item_id: itemId, phase }); }
  // a signing ceremony (PROTOCOL.md, "Signing ceremony"): each step is answered {seq, hash,
  // step} once the server has it on disk, or {error}
  signingStep(event, payload = {}) { return this.#request(event, payload); }
  agreementPage(page) { return this.#send("agreement_page", { page }); }
  // a roadshow's interest in pitches (PROTOCOL.md, "Interest in pitches")
  markInterest(itemId, interested, note) { return this.#request("mark_interest", { item_id: itemId, interested, note }); }

  // a roadshow's judging (PROTOCOL.md, "Judging"): {revision} once kept on disk, or {error}
  scorePitch(itemId, scores) { return this.#score("score_pitch", itemId, scores); }
  getMyPitchScore(itemId) { return this.#card("get_my_pitch_score", itemId); }
  getPitchResults(itemId) { return this.#results("get_pitch_results", itemId); }

  async getRanking() {
    const ack = await this.#request("get_ranking", {});
    return ack.error ? ack : { ranking: toRanking(ack.ranking) };
  }

  closePitchScoring(itemId) { return this.#request("close_pitch_scoring", { item_id: itemId }); }
  releasePitchResults(itemId) { return this.#request("release_pitch_results", { item_id: itemId }); }

  async setConflict({ itemId, participantId, waive, reason }) {
    const payload = { item_id: itemId, participant_id: participantId, waive, reason };
    const ack = await this.#request("set_conflict", payload);
    return ack.error ? ack : { ok: true };
  }

  // {revision} once the server has kept them (on disk), or {error}
  submitScore(itemId, scores) { return this.#score("submit_score", itemId, scores); }
  getMyScore(itemId) { return this.#card("get_my_score", itemId); }
  getResults(itemId) { return this.#results("get_results", itemId); }

  async #score(event, itemId, { values, recommendation = "", comment = "" }) {
    const payload = { item_id: itemId, values, comment };
    if (recommendation) payload.recommendation = recommendation;
    const ack = await this.#request(event, payload);
    return ack.error ? ack : { revision: ack.revision };
  }

  async #card(event, itemId) {
    const ack = await this.#request(event, { item_id: itemId });
    return ack.error ? ack : { card: toCard(ack.card) };
  }

  async #results(event, itemId) {
    const ack = await this.#request(event, { item_id: itemId });
    return ack.error ? ack : { results: toResults(ack.results) };
  }

  // the Q&A (PROTOCOL.md, "Questions"): {questionId} once kept, or {error}. The question's
  // client id makes a resend the same question: one the server could not save is sent again
  // (a few times, then the page may send it again with the same id).
  async askQuestion(text, { anonymous = false, clientId = newClientId() } = {}) {
    const payload = { text, anonymous, client_id: clientId };
    let ack = await this.#request("ask_question", payload);
    for (let tries = 1; ack.error?.code === "unavailable" && tries < ASK_TRIES; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      ack = await this.#request("ask_question", payload);
    }
    return ack.error ? ack : { questionId: ack.question_id };
  }

  upvoteQuestion(questionId) { return this.#send("upvote_question", { question_id: questionId }); }
  setQuestionState(questionId, state) { return this.#send("set_question_state", { question_id: questionId, state }); }
  pinQuestion(questionId, pinned) { return this.#send("pin_question", { question_id: questionId, pinned }); }
  setQaSettings({ anonymous, premoderated }) { return this.#send("set_qa_settings", { anonymous, premoderated }); }

  // leaving: the page is done with this connection (also after denied, removed, ended)
  leave() {
    this.#finish();
  }

  #finish() {
    this.#closed = true;
    this.#joined = false;
    this.#pending.clear();
    if (this.#socket !== null) this.#socket.disconnect();
  }
}
