// The room page: wires the screens (pre-join, lobby, room, gone) to a RoomConnection.
// Knows the page's elements and the connection's events and methods, nothing of the wire.
// Camera, microphone and screen: room-media.js (with the preview, devices and the stage).

import { renderAttendance } from "./attendance.js";
import { setupBreakouts } from "./breakouts.js";
import { watchAttention } from "./attention.js";
import { ChatView } from "./chat.js";
import { RoomConnection } from "./connection.js";
import { renderQueue, setFlags, setupHostButtons } from "./controls.js";
import { LocalMedia, mediaSupported } from "./devices.js";
import { floatReaction, renderHands, setHandButton } from "./hands.js";
import { showLobbyNote, showWaiting } from "./lobby.js";
import { setupLeave } from "./leave.js";
import { NetworkMonitor } from "./network.js";
import { hideBanner, showBanner, toast } from "./notices.js";
import { Panels } from "./panels.js";
import { setupPrejoin } from "./prejoin.js";
import { setupPolls } from "./polls.js";
import { setupPreview } from "./preview.js";
import { setupQuestions } from "./questions.js";
import { setupReview } from "./review.js";
import { RoomMedia } from "./room-media.js";
import { setupShow } from "./show.js";
import { setupJudging } from "./judging.js";
import { setupInterest } from "./interest.js";
import { setupSigning } from "./signing.js";
import { setupSlides } from "./slides.js";
import { setupStreaming } from "./streaming.js";
import { SpeakPrompt } from "./speaking.js";
import { moderationButtons, renderRoster } from "./roster.js";
import { press, setupShortcuts } from "./shortcuts.js";
import { button } from "./elements.js";
import { Stage } from "./stage.js";
import { loadStrings, roleLabel, t } from "./strings.js";

const QUEUE_REFRESH_MS = 30_000;
const RECONNECTED_MS = 3000;

const byId = (id) => document.getElementById(id);
const app = byId("room-app");
loadStrings(byId("room-strings"));

const config = {
  sessionId: app.dataset.sessionId,
  lang: app.dataset.lang,
  socketPath: app.dataset.socketPath,
  knownName: app.dataset.knownName,
  roles: JSON.parse(app.dataset.roles),
};

const screens = {
  prejoin: byId("prejoin"),
  lobby: byId("lobby"),
  gone: byId("gone"),
  steppedOut: byId("stepped-out"),
  room: byId("room"),
};
const banner = byId("banner");
const toasts = byId("toasts");
const lobbyElements = { status: byId("lobby-status"), place: byId("lobby-place") };

const state = {
  me: null,
  capabilities: new Set(),
  participants: new Map(),
  hands: [],
  queue: [],
  flags: { locked: false, chatEnabled: true },
  recording: Boolean(document.getElementById("prejoin-recording")), // the page says so before joining
  stageInvites: [], // invitations to speak waiting (moderators)
  reconnecting: false,
  over: false,
};
let connection = null;
let stopAttention = null; // the heartbeat of the current connection (attention.js)
let preview = null;
const room = () => connection;
const local = new LocalMedia();
const stage = new Stage({
  tiles: byId("tiles"),
  sounds: byId("sounds"),
  placeholder: byId("stage-placeholder"),
  onScreens: () => state.me && renderPeople(), // the roster offers hosts "stop screen share"
  menuItems: (tile, pin) => tileMenu(tile, pin),
  onMore: () => panels.open("people", { focus: true }), // the "+N" tile: everyone not shown
});
// the side panels, one at a time, and their toolbar buttons
const panels = new Panels({
  side: byId("side"),
  bar: byId("room-bar"),
  room: byId("room"),
  more: byId("bar-more"),
  moreButton: byId("more-button"),
});
const media = new RoomMedia(
  {
    micButton: byId("mic-button"),
    camButton: byId("cam-button"),
    screenButton: byId("screen-button"),
    layoutButtons: [...byId("layout-picker").querySelectorAll("button")],
    devices: byId("device-settings"),
    cameraSelect: byId("room-camera-select"),
    micSelect: byId("room-mic-select"),
    toasts,
  },
  { local, stage },
);
const can = (capability) => state.capabilities.has(capability);
// the network quality on the tiles, from the media connections' statistics
const network = new NetworkMonitor(() => media.stats(), (levels) => stage.setQuality(levels));
// a review room's panel (null in other rooms): renders the `review` events itself
const review = setupReview({
  lang: config.lang, serverTime: new Date(app.dataset.serverTime), toasts, sessionId: config.sessionId,
});

// the Q&A panel (null in rooms without questions): renders the `question` events itself
const questions = setupQuestions({ lang: config.lang });
// a class's, meeting's or roadshow's polls panel (null elsewhere): renders `polls` itself
const polls = setupPolls({ serverTime: new Date(app.dataset.serverTime), toasts });
// breakout groups of a class or meeting (null elsewhere): renders `breakouts` itself and
// tells the chat which group this person is in
const breakouts = setupBreakouts({
  serverTime: new Date(app.dataset.serverTime),
  toasts,
  onPlace: (group) => chat.setGroup(group, byId("chat-title")),
});
// a roadshow's judging (null elsewhere; hidden but for the chair and the judges)
const judging = setupJudging({ lang: config.lang, toasts });
// a roadshow's run of show (null elsewhere): the pitch on stage, its countdown, the chair's
// controls; a founder's camera and microphone come on when their pitch begins
const show = setupShow({
  lang: config.lang,
  serverTime: new Date(app.dataset.serverTime),
  onMyTurn: () => {
    toast(toasts, t("show_your_turn"));
    media.speak({ video: true });
  },
  onSpotlight: (ids) => media.spotlight(ids),
});
// a roadshow's interest in pitches, private notes and follow-up links (null elsewhere)
const interest = setupInterest({ lang: config.lang, sessionId: config.sessionId });
// slides on the stage (null where the session's kind shows none)
const slides = setupSlides({ csrfToken: app.dataset.csrfToken, sessionId: config.sessionId });
// a signing ceremony: the agreement on the stage, the parties, the steps (null elsewhere)
const signing = setupSigning({ sessionId: config.sessionId });
// the live stream's indicator, and a host's form to start and stop it (where allowed)
const streaming = setupStreaming();
// a listener's invitation to speak (null where the session's kind has none)
const speakPrompt = byId("speak-prompt")
  ? new SpeakPrompt(
      {
        prompt: byId("speak-prompt"),
        text: byId("speak-prompt-text"),
        accept: byId("speak-accept"),
        decline: byId("speak-decline"),
        stop: byId("stop-speaking"),
      },
      room,
    )
  : null;

function showScreen(name) {
  for (const [key, node] of Object.entries(screens)) node.hidden = key !== name;
}

// rendering the room from state

const chat = new ChatView(
  { log: byId("chat-log"), form: byId("chat-form"), to: byId("chat-to"), text: byId("chat-text"), send: byId("chat-send"), limit: byId("chat-limit") },
  {
    onSend: (text, to) => room().sendChat(text, to),
    onDelete: (message) => room().deleteMessage(message.id),
  },
);

const rosterActions = {
  mute: (person) => room().mute(person.id),
  stopVideo: (person) => room().stopVideo(person.id),
  stopScreen: (person) => room().stopVideo(person.id, { screen: true }),
  sendToLobby: (person) => room().sendToLobby(person.id),
  setRole: (person, role) => room().setRole(person.id, role),
  inviteToSpeak: (person, video) => room().inviteToSpeak(person.id, { video }),
  takeBack: (person) => room().revokeSpeaking(person.id),
  remove: (person, ban) => {
    if (window.confirm(t(ban ? "confirm_ban" : "confirm_remove", { name: person.name }))) {
      room().remove(person.id, { ban });
    }
  },
};

function rosterView() {
  return {
    meId: state.me.id,
    roles: config.roles,
    canModerate: can("moderate"),
    canManageRoles: can("manage_roles"),
    sharing: (participantId) => stage.sharesScreen(participantId),
    invited: invitedIds(),
    actions: rosterActions,
  };
}

// a tile's menu: pin it big (anyone, for themselves), and a moderator's controls for the person
function tileMenu(tile, { pinned, pin, unpin }) {
  const items = [
    pinned
      ? button(t("unpin"), unpin, { data: { action: "unpin" } })
      : button(t("pin"), pin, { data: { action: "pin" } }),
  ];
  const person = state.participants.get(tile.participantId);
  if (person && !tile.screen && can("moderate") && person.id !== state.me?.id && !person.owner) {
    items.push(...moderationButtons(person, rosterView()));
  } else if (person && tile.screen && can("moderate") && person.id !== state.me?.id) {
    items.push(button(t("stop_screen"), () => rosterActions.stopScreen(person), { data: { action: "stop-screen" } }));
  }
  return items;
}

function renderPeople() {
  const people = [...state.participants.values()];
  renderRoster(byId("roster-list"), byId("roster-count"), people, rosterView());
  panels.setCount("people", people.length);
  const onPanel = Boolean(review) && (can("score") || can("chair"));
  chat.setRecipients(people, { canChat: can("chat"), canPrivate: can("chat_private"), onPanel });
  media.people(people);
}

function invitedIds() {
  return new Set(state.stageInvites.map((invite) => invite.id));
}

// a raised hand whose person a moderator may invite to speak
function invitable(hand) {
  const person = state.participants.get(hand.id);
  return Boolean(person?.listener && !person.speaking && !invitedIds().has(hand.id));
}

function renderHandsList() {
  renderHands(byId("hands-list"), byId("hands-empty"), state.hands, {
    canModerate: can("moderate"),
    meId: state.me.id,
    onLower: (hand) => (hand.id === state.me.id ? room().lowerHand() : room().lowerHandOf(hand.id)),
    invitable,
    onInvite: (hand) => room().inviteToSpeak(hand.id),
  });
  setHandButton(byId("hand-button"), state.hands.some((hand) => hand.id === state.me.id));
  panels.setCount("hands", state.hands.length);
}

function renderLobbyQueue() {
  const handlers = { onAdmit: (person) => room().admit(person.id), onDeny: (person) => room().deny(person.id) };
  renderQueue({ list: byId("queue-list"), count: byId("queue-count") }, state.queue, handlers);
  for (const all of [byId("admit-all"), byId("deny-all")]) all.hidden = state.queue.length === 0;
  byId("lobby-knock").hidden = !(state.me && can("moderate") && state.queue.length > 0);
}

function renderControls() {
  byId("my-role").textContent = roleLabel(state.me.role);
  byId("host-panel").hidden = !can("moderate");
  byId("end-session").hidden = !can("end_session");
  byId("hand-button").hidden = !can("raise_hand");
  for (const reaction of document.querySelectorAll(".reaction")) reaction.hidden = !can("react");
  setFlags(
    { lockToggle: byId("lock-toggle"), chatToggle: byId("chat-toggle"), lockedFlag: byId("flag-locked"), chatOffFlag: byId("flag-chat-off") },
    state.flags,
  );
  renderRecording();
  chat.configure({ meId: state.me.id, canModerate: can("moderate") });
  chat.setEnabled(can("chat") && (state.flags.chatEnabled || can("moderate")));
}

// the recording indicator in the top bar; a host's start/stop button (where allowed)
function renderRecording() {
  byId("flag-recording").hidden = !state.recording;
  const toggle = document.getElementById("record-toggle");
  if (!toggle) return;
  toggle.hidden = !can("moderate");
  toggle.setAttribute("aria-pressed", String(state.recording));
  toggle.textContent = t(state.recording ? "stop_recording" : "start_recording");
}

function renderRoom() {
  renderControls();
  renderPeople();
  renderHandsList();
  renderLobbyQueue();
}

// leaving the room for good: denied, removed, ended, refused, left

function finish(message) {
  state.over = true;
  network.stop();
  byId("leave-dialog").close();
  media.leave();
  hideBanner(banner);
  byId("gone-message").textContent = message;
  showScreen("gone");
}

// the connection's events

function onStatus({ state: status }) {
  if (state.over) return;
  if (status === "reconnecting" || status === "offline") media.interrupted();
  if (status === "reconnecting") {
    state.reconnecting = true;
    showBanner(banner, t("reconnecting"));
  } else if (status === "offline") {
    showBanner(banner, t("disconnected"));
  }
}

function onJoined(snapshot) {
  Object.assign(state, {
    me: snapshot.me,
    capabilities: snapshot.capabilities,
    participants: new Map(snapshot.participants.map((p) => [p.id, p])),
    hands: snapshot.hands,
    queue: stamp(snapshot.lobby),
    flags: snapshot.room,
    recording: snapshot.recording,
    stageInvites: snapshot.stageInvites,
  });
  state.participants.set(state.me.id, state.me);
  speakPrompt?.show(snapshot.speakInvite);
  speakPrompt?.setSpeaking(state.me.speaking);
  preview?.stop();
  preview = null;
  showScreen("room");
  media.joined({ me: state.me, capabilities: state.capabilities });
  media.breakouts(snapshot.breakouts ?? null);
  renderRoom();
  panels.openDefault(["review", "judging", "interest"]);
  network.start();
  connectedAgain();
}

function connectedAgain() {
  if (!state.reconnecting) return;
  state.reconnecting = false;
  showBanner(banner, t("reconnected"), { ok: true });
  setTimeout(() => state.reconnecting || hideBanner(banner), RECONNECTED_MS);
}

function stamp(queue) {
  const receivedAt = Date.now();
  return queue.map((person) => ({ ...person, receivedAt }));
}

function onParticipant(person) {
  if (person.id === state.me.id) {
    state.me = person;
    media.me(person);
    speakPrompt?.setSpeaking(person.speaking);
  }
  state.participants.set(person.id, person);
  renderControls();
  renderPeople();
}

function onGone({ reason, message }) {
  finish(message || t(reason));
}

function onRefused({ message }, prejoin) {
  if (room().everJoined) finish(message || t("refused"));
  else prejoin.fail(message);
}

function onLeft({ id }) {
  const person = state.participants.get(id);
  state.participants.delete(id);
  renderPeople();
  if (person) toast(toasts, t("left_room", { name: person.name }));
}

// a new role, or new rights for now (a listener given the floor; a class's student in a
// breakout group)
function onYou({ me, capabilities, reason }) {
  const roleChanged = me.role !== state.me.role;
  state.capabilities = capabilities;
  media.capabilities(capabilities);
  onParticipant(me);
  renderRoom();
  if (reason === "stage") {
    toast(toasts, t(me.speaking ? "you_may_speak" : "floor_ended"));
    if (me.speaking && speakPrompt?.takeAccepted()) media.speak({ video: me.speakingVideo });
    return;
  }
  if (roleChanged) toast(toasts, t("role_changed", { role: roleLabel(me.role) }));
}

// held out of a review room for now (a conflict with the running item, the panel
// deliberating): `joined` brings the room back when the hold ends
function onSteppedOut({ reason, message, startsAt }) {
  media.interrupted();
  byId("stepped-out-title").textContent = t(`stepped_out_${reason}`);
  byId("stepped-out-message").textContent = message;
  if (reason === "pitch_waiting") show?.waitFor(byId("stepped-out-countdown"), startsAt);
  showScreen("steppedOut");
  connectedAgain();
}

function onSentToLobby({ message }) {
  media.interrupted();
  toast(toasts, message || t("sent_to_lobby"));
  showScreen("lobby");
  showLobbyNote(lobbyElements, message || t("sent_to_lobby"));
}

// connection event -> what the page does
const HANDLERS = {
  status: onStatus,
  waiting: (detail) => {
    showScreen("lobby");
    showWaiting(lobbyElements, detail);
    connectedAgain();
  },
  joined: onJoined,
  chat_history: ({ messages, deleted }) => {
    for (const message of messages) chat.add(message);
    for (const messageId of deleted) chat.markDeleted(messageId);
  },
  chat: (message) => {
    chat.add(message);
    if (message.from.id !== state.me?.id) panels.addUnread("chat");
  },
  chat_deleted: ({ id }) => chat.markDeleted(id),
  chat_refused: ({ text }) => chat.restoreDraft(text),
  participant_joined: (person) => {
    onParticipant(person);
    toast(toasts, t("joined", { name: person.name }));
  },
  participant_left: onLeft,
  participant_updated: onParticipant,
  breakouts: (groups) => media.breakouts(groups), // the stage shows my group's people
  you: onYou,
  hands: (hands) => {
    state.hands = hands;
    renderHandsList();
  },
  lobby: (queue) => {
    state.queue = stamp(queue);
    renderLobbyQueue();
  },
  room_flags: (flags) => {
    state.flags = flags;
    renderControls();
  },
  recording: ({ recording }) => {
    // in the room or still in its lobby: everyone is told when it starts and stops
    if (recording !== state.recording) toast(toasts, t(recording ? "recording_started" : "recording_stopped"));
    state.recording = recording;
    if (state.me) renderRecording();
  },
  reaction: (reaction) => floatReaction(byId("reaction-layer"), reaction),
  mute_request: () => {
    local.setOn("audio", false); // the server stopped forwarding it already
    toast(toasts, t("muted_by_host"));
  },
  stop_video_request: (request) => {
    media.stopVideoRequest(request);
    toast(toasts, t(request.screen ? "screen_stopped_by_host" : "video_stopped_by_host"));
  },
  active_speaker: ({ id }) => media.speaker(id),
  speak_invite: (invite) => speakPrompt?.show(invite),
  stage_invites: (invites) => {
    state.stageInvites = invites;
    renderPeople();
    renderHandsList();
  },
  invite_answered: ({ name, accept }) => toast(toasts, t(accept ? "invite_accepted" : "invite_declined", { name })),
  attendance: (people) => renderAttendance(byId("attendance-rows"), people),
  sent_to_lobby: onSentToLobby,
  stepped_out: onSteppedOut,
  gone: onGone,
  error: ({ message, answered }) => answered || toast(toasts, message, { error: true }), // else shown where asked
};

function listen(link, prejoin) {
  for (const [event, handler] of Object.entries(HANDLERS)) link.on(event, handler);
  link.on("refused", (detail) => onRefused(detail, prejoin));
}

// the page's own controls

function setupRoomButtons() {
  byId("hand-button").addEventListener("click", () => {
    const raised = state.hands.some((hand) => hand.id === state.me.id);
    if (raised) room().lowerHand();
    else room().raiseHand();
  });
  for (const reaction of document.querySelectorAll(".reaction")) {
    reaction.addEventListener("click", () => {
      room().react(reaction.dataset.emoji);
      byId("reactions-menu").open = false; // the reaction floats over a stage left clear
      panels.closeMore();
    });
  }
  const leave = () => {
    room().leave();
    finish(t("left"));
  };
  setupLeave(
    {
      button: byId("leave-button"),
      dialog: byId("leave-dialog"),
      confirm: byId("leave-confirm"),
      cancel: byId("leave-cancel"),
      endBox: byId("leave-end-box"),
      endAll: byId("leave-end-all"),
    },
    { leave, canEnd: () => can("end_session"), endSession: () => room().endSession() },
  );
  setupShortcuts(
    screens.room,
    {
      m: press(byId("mic-button")),
      v: press(byId("cam-button")),
      h: press(byId("hand-button")),
      c: () => panels.toggle("chat", { focus: true }),
      p: () => panels.toggle("people", { focus: true }),
      l: press(byId("leave-button")),
      "?": () => panels.toggle("help", { focus: true }),
    },
    closeSomething,
  );
  byId("lobby-leave").addEventListener("click", leave);
  byId("stepped-out-leave").addEventListener("click", leave);
  setupHostButtons(
    {
      admitAll: byId("admit-all"),
      denyAll: byId("deny-all"),
      lowerAll: byId("lower-all"),
      muteAll: byId("mute-all"),
      lockToggle: byId("lock-toggle"),
      chatToggle: byId("chat-toggle"),
      endSession: byId("end-session"),
    },
    room,
    () => state.flags,
  );
  document.getElementById("record-toggle")?.addEventListener("click", () => room().setRecording(!state.recording));
  const attendance = byId("attendance");
  attendance.addEventListener("toggle", () => attendance.open && room().getAttendance());
  byId("attendance-refresh").addEventListener("click", () => room().getAttendance());
  setInterval(() => state.queue.length && renderLobbyQueue(), QUEUE_REFRESH_MS);
}

// Escape: the open toolbar menu (reactions, devices, "more"), else the open panel
function closeSomething() {
  const menu = document.querySelector("#room-bar details[open]");
  if (menu) {
    menu.open = false;
    menu.querySelector("summary").focus();
    return true;
  }
  if (byId("more-button").getAttribute("aria-expanded") === "true") {
    panels.closeMore();
    byId("more-button").focus();
    return true;
  }
  if (panels.current) {
    panels.close({ focus: true });
    return true;
  }
  return false;
}

function start() {
  const form = byId("prejoin-form");
  if (form === null) return; // the session is over or cancelled: nothing to join
  const prejoin = setupPrejoin(
    { form, nameInput: byId("prejoin-name"), error: byId("prejoin-error"), button: byId("join-button") },
    {
      knownName: config.knownName,
      onJoin: (name) => {
        connection = new RoomConnection({ sessionId: config.sessionId, path: config.socketPath, lang: config.lang, name });
        media.attach(connection);
        review?.attach(connection);
        questions?.attach(connection);
        polls?.attach(connection);
        breakouts?.attach(connection);
        slides?.attach(connection);
        signing?.attach(connection);
        show?.attach(connection);
        judging?.attach(connection);
        interest?.attach(connection);
        streaming.attach(connection);
        listen(connection, prejoin);
        stopAttention?.();
        stopAttention = watchAttention(connection);
        connection.connect();
      },
    },
  );
  if (mediaSupported()) preview = setupPreview(previewElements(), local);
  setupRoomButtons();
}

function previewElements() {
  return {
    root: byId("preview"),
    videoBox: byId("preview-box"),
    video: byId("preview-video"),
    meter: byId("mic-level"),
    cameraToggle: byId("prejoin-camera"),
    micToggle: byId("prejoin-mic"),
    cameraSelect: byId("camera-select"),
    micSelect: byId("mic-select"),
    error: byId("preview-error"),
  };
}

start();
