// The Q&A panel (PROTOCOL.md, "Questions"): ask (anonymously where the host allows), upvote
// others' questions once, the list sorted as the server sorts it (pinned, the one being
// answered — highlighted — then by votes), and the moderators' controls: approve, answer,
// mark answered, dismiss, pin, the room's Q&A settings and the CSV export. It renders what
// the server sends (each person gets what they may see) and acts through the RoomConnection;
// the server checks every action. Shown in rooms whose kind has questions (#qa-panel).
// In a roadshow each question carries the pitch on stage when it was asked: the list shows
// the questions of the pitch on stage now (all of them between pitches), or all of them, or
// one pitch's, as the picker says; each names its pitch.

import { newClientId } from "./connection.js";
import { button, element } from "./elements.js";
import { t } from "./strings.js";

const ORDER = { answering: 0, pending: 1, visible: 1, answered: 2, dismissed: 3 };
const OPEN = new Set(["visible", "answering"]);
const ON_STAGE = new Set(["pitch", "qa"]);
const byId = (id) => document.getElementById(id);

export class QuestionsPanel {
  #room = null;
  #questions = new Map(); // id -> question
  #settings = { anonymous: true, premoderated: false, pinned: null };
  #caps = new Set();
  #show = null; // a roadshow's run of show (null elsewhere)
  #draft = null; // {text, clientId}: the question being asked, until the server has it

  constructor(el, { lang = "en" } = {}) {
    this.el = el;
    this.lang = lang;
    el.pitch.addEventListener("change", () => this.#render());
    el.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#ask();
    });
    const settings = () =>
      this.#room?.setQaSettings({ anonymous: el.allowAnonymous.checked, premoderated: el.premoderated.checked });
    el.allowAnonymous.addEventListener("change", settings);
    el.premoderated.addEventListener("change", settings);
  }

  attach(room) {
    this.#room = room;
    room.on("joined", (snapshot) => {
      this.#caps = snapshot.capabilities;
      this.#show = snapshot.show ?? null;
      if (snapshot.questions) this.#load(snapshot.questions.list, snapshot.questions.settings);
    });
    room.on("show", (show) => {
      this.#show = show;
      this.#render();
    });
    room.on("you", ({ capabilities }) => {
      this.#caps = capabilities;
      this.#render();
    });
    room.on("questions", (list) => this.#load(list, this.#settings));
    room.on("question", (question) => {
      this.#questions.set(question.id, question);
      this.#render();
    });
    room.on("question_hidden", ({ id }) => {
      this.#questions.delete(id);
      this.#render();
    });
    room.on("qa_settings", (settings) => {
      this.#settings = settings;
      this.#render();
    });
  }

  #load(list, settings) {
    this.#questions = new Map(list.map((q) => [q.id, q]));
    this.#settings = settings;
    this.#render();
  }

  get #moderator() {
    return this.#caps.has("moderate");
  }

  async #ask() {
    const text = this.el.text.value.trim();
    if (!text || this.#room === null) return;
    this.el.ask.disabled = true;
    // asked again after a failure (same text): the same client id, so never a second question
    if (this.#draft?.text !== text) this.#draft = { text, clientId: newClientId() };
    const anonymous = this.el.anonymous.checked && this.#settings.anonymous;
    const answer = await this.#room.askQuestion(text, { anonymous, clientId: this.#draft.clientId });
    this.el.ask.disabled = false;
    if (answer.error) {
      this.el.status.textContent = answer.error.message || answer.error.code;
      return;
    }
    this.#draft = null;
    this.el.text.value = "";
    this.el.status.textContent = t(this.#settings.premoderated ? "qa_sent_pending" : "qa_sent");
  }

  #sorted() {
    const pinned = this.#settings.pinned;
    return [...this.#questions.values()].sort(
      (a, b) =>
        (b.id === pinned) - (a.id === pinned) ||
        ORDER[a.state] - ORDER[b.state] ||
        b.votes - a.votes ||
        Number(a.id.slice(1)) - Number(b.id.slice(1)),
    );
  }

  #render() {
    const { el } = this;
    el.root.hidden = false;
    el.form.hidden = !this.#caps.has("ask_question");
    el.anonymousLabel.hidden = !this.#settings.anonymous;
    el.moderation.hidden = !this.#moderator;
    el.allowAnonymous.checked = this.#settings.anonymous;
    el.premoderated.checked = this.#settings.premoderated;
    this.#renderPitches();
    const shown = this.#sorted().filter((q) => this.#picked(q));
    el.count.textContent = String(shown.filter((q) => q.state !== "dismissed").length);
    el.empty.hidden = shown.length > 0;
    el.list.replaceChildren(...shown.map((q) => this.#item(q)));
  }

  // the slot of the pitch on stage now, or null
  #onStage() {
    const stage = this.#show?.stage;
    return stage && ON_STAGE.has(stage.phase) ? stage.slotId : null;
  }

  #picked(q) {
    if (this.#show === null) return true;
    const picked = this.el.pitch.value || "current";
    if (picked === "all") return true;
    const slot = picked === "current" ? this.#onStage() : picked;
    return slot === null || q.slotId === slot;
  }

  #pitchTitle(slotId) {
    const slot = this.#show?.slots.find((s) => s.id === slotId);
    if (!slot) return t("qa_no_pitch");
    const zh = this.lang.startsWith("zh");
    return (zh ? slot.titleZh : slot.titleEn) || slot.titleZh || slot.titleEn;
  }

  // the picker: the pitch on stage, all, then each pitch (kept as picked)
  #renderPitches() {
    const { pitch, pitchLabel } = this.el;
    pitchLabel.hidden = this.#show === null;
    if (this.#show === null) return;
    const options = [["current", t("qa_pitch_current")], ["all", t("qa_pitch_all")]];
    for (const slot of this.#show.slots) options.push([slot.id, this.#pitchTitle(slot.id)]);
    const signature = JSON.stringify(options);
    if (pitch.dataset.options === signature) return; // unchanged: leave an open picker alone
    const picked = pitch.value || "current";
    pitch.replaceChildren(...options.map(([value, text]) => element("option", { text, attrs: { value } })));
    pitch.dataset.options = signature;
    pitch.value = options.some(([value]) => value === picked) ? picked : "current";
  }

  #item(q) {
    const pinned = q.id === this.#settings.pinned;
    const badges = [element("span", { className: `badge qa-state ${q.state}`, text: t(`qa_state_${q.state}`) })];
    if (pinned) badges.push(element("span", { className: "badge qa-pin", text: t("qa_pinned") }));
    if (q.mine) badges.push(element("span", { className: "badge", text: t("qa_yours") }));
    if (this.#show !== null) badges.push(element("span", { className: "badge qa-pitch", text: this.#pitchTitle(q.slotId) }));
    const head = element(
      "p",
      { className: "qa-head" },
      element("span", { className: "qa-name", text: q.name ?? t("qa_anonymous") }),
      element("span", { className: "qa-votes", text: t("qa_votes", { votes: q.votes }) }),
      ...badges,
    );
    const node = element(
      "li",
      { className: `qa-item ${q.state}${pinned ? " pinned" : ""}`, data: { questionId: q.id, state: q.state } },
      head,
      element("p", { className: "qa-text", text: q.text }),
    );
    const actions = this.#actions(q, pinned);
    if (actions.length) node.append(element("p", { className: "actions qa-actions" }, ...actions));
    return node;
  }

  #actions(q, pinned) {
    const room = () => this.#room;
    const out = [];
    if (this.#caps.has("ask_question") && !q.mine && OPEN.has(q.state)) {
      const vote = button(t(q.voted ? "qa_upvoted" : "qa_upvote"), () => room()?.upvoteQuestion(q.id), {
        className: "qa-upvote",
      });
      vote.disabled = q.voted;
      vote.setAttribute("aria-pressed", String(q.voted));
      out.push(vote);
    }
    if (!this.#moderator) return out;
    const move = (key, state) => button(t(key), () => room()?.setQuestionState(q.id, state), { className: `qa-${state}` });
    if (q.state === "pending") out.push(move("qa_approve", "visible"));
    if (q.state === "visible") out.push(move("qa_answer", "answering"));
    if (q.state === "answering") out.push(move("qa_answered", "answered"), move("qa_reopen", "visible"));
    if (q.state === "visible") out.push(move("qa_answered", "answered"));
    if (OPEN.has(q.state)) {
      out.push(button(t(pinned ? "qa_unpin" : "qa_pin"), () => room()?.pinQuestion(q.id, !pinned), { className: "qa-pin-button" }));
    }
    if (q.state !== "answered" && q.state !== "dismissed") out.push(move("qa_dismiss", "dismissed"));
    return out;
  }
}

export function setupQuestions({ lang } = {}) {
  const root = byId("qa-panel");
  if (root === null) return null;
  return new QuestionsPanel({
    root, count: byId("qa-count"), form: byId("qa-form"), text: byId("qa-text"), anonymous: byId("qa-anonymous"),
    anonymousLabel: byId("qa-anonymous-label"), ask: byId("qa-ask"), status: byId("qa-status"),
    moderation: byId("qa-moderation"), allowAnonymous: byId("qa-allow-anonymous"), premoderated: byId("qa-premoderated"),
    list: byId("qa-list"), empty: byId("qa-empty"), pitch: byId("qa-pitch"), pitchLabel: byId("qa-pitch-label"),
  }, { lang });
}
