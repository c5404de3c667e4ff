// The polls panel of a class, meeting or roadshow room (PROTOCOL.md, "Polls and quizzes"):
// those who run polls launch one (from the session's bank, or new), watch results live,
// close it, share its results and show the quiz leaderboard; everyone else votes and sees
// results once shared. It renders what the `polls` events say and acts through the
// RoomConnection; the server checks everything. A deadline's countdown runs on server time.

import { button, element } from "./elements.js";
import { toast } from "./notices.js";
import { ServerClock, clockText } from "./server-clock.js";
import { t } from "./strings.js";

const TICK_MS = 500;
const byId = (id) => document.getElementById(id);

function numbers(text) {
  return text.split(/[\s,，]+/).filter(Boolean).map((n) => Number(n) - 1);
}

export class PollsPanel {
  #room = null;
  #state = null;
  #clock = new ServerClock();
  #timer = null;
  #seen = new Set(); // poll ids already announced

  constructor(el, { serverTime, toasts }) {
    Object.assign(this, { el, toasts });
    this.#clock.observe(serverTime);
    el.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#launchNew();
    });
    el.boardToggle.addEventListener("click", () => this.#room?.showLeaderboard(!this.#state.boardShown));
  }

  attach(room) {
    this.#room = room;
    room.on("joined", (snapshot) => this.#update(snapshot.polls, { quiet: true }));
    room.on("polls", (polls) => this.#update(polls));
  }

  #update(state, { quiet = false } = {}) {
    if (!state) return;
    for (const poll of state.polls) {
      if (!quiet && !this.#seen.has(poll.id) && !state.runner) toast(this.toasts, t("poll_new", { question: poll.question }));
      this.#seen.add(poll.id);
    }
    this.#state = state;
    this.el.root.hidden = false;
    this.#render();
    clearInterval(this.#timer);
    if (state.polls.some((p) => !p.closed && p.closesAt)) this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  #render() {
    const state = this.#state;
    this.el.launch.hidden = !state.runner;
    this.#renderBank(state.bank);
    this.el.empty.hidden = state.polls.length > 0;
    this.el.list.replaceChildren(...[...state.polls].reverse().map((poll) => this.#pollNode(poll)));
    this.#renderBoard(state);
    this.#tick();
  }

  #renderBank(bank) {
    this.el.bankEmpty.hidden = bank.length > 0;
    this.el.bankList.replaceChildren(
      ...bank.map((draft) =>
        element("li", { data: { draftId: draft.id } },
          element("span", { text: draft.question }), " ",
          button(t("poll_launch_this"), () => this.#launch(draft), { className: "primary" })),
      ),
    );
  }

  #pollNode(poll) {
    const runner = this.#state.runner;
    const badges = [t(`poll_${poll.kind}`), poll.quiz ? t("poll_quiz") : "", poll.anonymous ? t("poll_anonymous") : ""];
    const head = element("p", { className: "poll-head" },
      ...badges.filter(Boolean).map((text) => element("span", { className: "badge", text })),
      element("span", { className: "badge poll-state", text: poll.closed ? t("poll_closed") : t("poll_open") }),
      element("span", { className: "countdown poll-countdown", attrs: { role: "timer" }, data: { pollId: poll.id } }));
    const node = element("li", { className: "poll", data: { pollId: poll.id } }, head,
      element("h3", { className: "poll-question", text: poll.question }));
    if (this.#state.voter && !runner) node.append(this.#ballot(poll));
    if (poll.results) node.append(this.#results(poll));
    if (runner) node.append(this.#controls(poll));
    return node;
  }

  #ballot(poll) {
    const multiple = poll.kind === "multiple";
    const mine = new Set(poll.mine ?? []);
    const form = element("form", { className: "poll-ballot" });
    poll.options.forEach((option, index) => {
      const input = element("input", { attrs: { type: multiple ? "checkbox" : "radio", name: `vote-${poll.id}`, value: String(index) } });
      input.checked = mine.has(index);
      input.disabled = poll.closed;
      const right = poll.correct.includes(index) ? ` ✓ ${t("poll_correct")}` : "";
      form.append(element("label", { className: "check" }, input, ` ${option}${right}`));
    });
    if (!poll.closed) {
      const send = element("button", { className: "primary", text: poll.mine ? t("poll_change_vote") : t("poll_vote"), attrs: { type: "submit" } });
      form.append(element("div", { className: "actions" }, send));
    }
    if (poll.mine) form.append(element("p", { className: "poll-status", text: t("poll_voted") }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const choices = [...form.querySelectorAll("input:checked")].map((input) => Number(input.value));
      const answer = await this.#room.vote(poll.id, choices);
      if (answer.error) toast(this.toasts, answer.error.message || t(answer.error.code));
    });
    return form;
  }

  #results(poll) {
    const { counts, voters, names, average } = poll.results;
    const most = Math.max(1, ...counts);
    const rows = poll.options.map((option, index) => {
      const bar = element("span", { className: "poll-bar" });
      bar.style.width = `${Math.round((100 * counts[index]) / most)}%`;
      const right = poll.correct.includes(index) ? " ✓" : "";
      const who = names ? names[index].join(", ") : "";
      return element("li", { className: "poll-result", data: { option: String(index) } },
        element("span", { className: "poll-option", text: `${option}${right}` }), bar,
        element("span", { className: "poll-count number", text: String(counts[index]) }),
        who ? element("span", { className: "poll-names meta", text: who }) : "");
    });
    const summary = [t("poll_voters", { count: voters })];
    if (average !== null) summary.push(t("poll_average", { average }));
    return element("div", { className: "poll-results" },
      element("ol", { className: "poll-bars" }, ...rows),
      element("p", { className: "meta poll-summary", text: summary.join(" · ") }));
  }

  #controls(poll) {
    const buttons = [];
    if (!poll.closed) buttons.push(button(t("poll_close"), () => this.#room.closePoll(poll.id)));
    buttons.push(button(poll.shared ? t("poll_unshare") : t("poll_share"), () => this.#room.shareResults(poll.id, !poll.shared)));
    return element("p", { className: "actions" }, ...buttons);
  }

  #renderBoard(state) {
    const board = state.leaderboard;
    const hasQuiz = state.polls.some((p) => p.quiz);
    this.el.board.hidden = !board || !hasQuiz;
    this.el.boardList.replaceChildren(
      ...(board ?? []).map((row) => element("li", { text: `${row.name} · ${t("poll_board_score", { score: row.score })}` })),
    );
    this.el.boardToggle.hidden = !state.runner;
    this.el.boardToggle.textContent = state.boardShown ? t("poll_board_hide") : t("poll_board_show");
    this.el.boardToggle.setAttribute("aria-pressed", String(state.boardShown));
  }

  #tick() {
    const now = this.#clock.now();
    for (const poll of this.#state?.polls ?? []) {
      const node = this.el.list.querySelector(`.poll-countdown[data-poll-id="${poll.id}"]`);
      if (!node) continue;
      node.textContent = !poll.closed && poll.closesAt ? t("poll_closes_in", { time: clockText(poll.closesAt - now) }) : "";
    }
  }

  async #launch(spec) {
    const answer = await this.#room.launchPoll(spec);
    const status = this.el.status;
    status.classList.toggle("error", Boolean(answer.error));
    status.textContent = answer.error ? answer.error.message || t(answer.error.code) : t("poll_launched");
    return !answer.error;
  }

  async #launchNew() {
    const f = this.el.fields;
    const seconds = f.seconds.value.trim();
    const spec = {
      question: f.question.value.trim(),
      kind: f.kind.value,
      options: f.options.value.split("\n").map((line) => line.trim()).filter(Boolean),
      correct: numbers(f.correct.value),
      anonymous: f.anonymous.checked,
      seconds: seconds ? Number(seconds) : null,
    };
    if (await this.#launch(spec)) this.el.form.reset();
  }
}

// the panel of this page, or null where no polls run
export function setupPolls({ serverTime, toasts }) {
  const root = byId("polls-panel");
  if (root === null) return null;
  const el = {
    root, launch: byId("poll-launch"), bankList: byId("poll-bank-list"), bankEmpty: byId("poll-bank-empty"),
    form: byId("poll-form"), status: byId("poll-form-status"), list: byId("poll-list"), empty: byId("polls-empty"),
    board: byId("poll-board"), boardList: byId("poll-board-list"), boardToggle: byId("poll-board-toggle"),
    fields: {
      question: byId("poll-question"), kind: byId("poll-kind"), options: byId("poll-options"),
      correct: byId("poll-correct"), seconds: byId("poll-seconds"), anonymous: byId("poll-anonymous"),
    },
  };
  return new PollsPanel(el, { serverTime, toasts });
}
