// The review panel of a review room (PROTOCOL.md, "Review panel"): the item now running (or
// the one just closed) with its phase and a countdown on the server's time, the items, the
// chair's controls (start, next phase, extend, skip, reorder, release, results, conflicts),
// a reviewer's score form and the results table. It renders what the `review` events say —
// each person gets what they may see — and acts through the RoomConnection; the server
// checks every action. Shown only in review sessions (the page has #review-panel).

import { element } from "./elements.js";
import { toast } from "./notices.js";
import { itemName, itemTitle, movedOrder, renderItems, resultsReadable } from "./review-items.js";
import { renderResults } from "./review-results.js";
import { ScoreForm } from "./review-score.js";
import { ServerClock, clockText } from "./server-clock.js";
import { t } from "./strings.js";

const NEXT = { presenting: "qa", qa: "deliberation", deliberation: "scoring", scoring: "closed" };
const TIMED = new Set(["presenting", "qa"]);
const SCORABLE = new Set(["deliberation", "scoring"]);
const COUNTED = new Set(["deliberation", "scoring", "closed"]);
const TICK_MS = 250;

const byId = (id) => document.getElementById(id);

// the item the card shows: the running one, else the one closed last
function focusOf(review) {
  const running = review.items.find((item) => item.id === review.current);
  if (running) return running;
  const closed = review.items.filter((item) => item.phase === "closed" && !item.conflict && item.since);
  return closed.sort((a, b) => b.since - a.since)[0] ?? null;
}

function applicantText(item) {
  if (!item.applicantName) return "";
  const params = { name: item.applicantName, org: item.applicantOrg };
  return t(item.applicantOrg ? "applicant_org" : "applicant", params);
}

export class ReviewPanel {
  #room = null;
  #review = null;
  #clock = new ServerClock();
  #timer = null;
  #announced = "";
  #phases = new Map(); // item id -> its phase as last seen (to notice a close)
  #reviewers = new Map(); // participant id -> {id, name, here}: for the conflict form

  constructor(el, { lang, serverTime, toasts, sessionId }) {
    Object.assign(this, { el, lang, toasts, sessionId });
    this.#clock.observe(serverTime);
    this.score = new ScoreForm(el.score, { lang, room: () => this.#room });
    this.#bind();
  }

  attach(room) {
    this.#room = room;
    room.on("joined", (snapshot) => this.#onJoined(snapshot));
    room.on("review", (review) => this.#update(review));
    room.on("score_progress", (progress) => this.#onProgress(progress));
    room.on("participant_joined", (person) => this.#seen(person));
    room.on("participant_updated", (person) => this.#seen(person));
    room.on("participant_left", ({ id }) => this.#reviewers.has(id) && (this.#reviewers.get(id).here = false));
  }

  // --- the chair's buttons -----------------------------------------------------------------

  #bind() {
    const { card, results, conflict } = this.el;
    card.next.addEventListener("click", () => this.#onFocus((item) => this.#room.nextPhase(item.id)));
    for (const extend of card.extend.querySelectorAll("button[data-minutes]")) {
      const minutes = Number(extend.dataset.minutes);
      extend.addEventListener("click", () => this.#onFocus((item) => this.#room.extendItem(item.id, minutes)));
    }
    card.release.addEventListener("click", () => this.#onFocus((item) => this.#room.releaseResults(item.id)));
    card.showResults.addEventListener("click", () => this.#onFocus((item) => this.#openResults(item)));
    results.close.addEventListener("click", () => (results.section.hidden = true));
    conflict.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#recordConflict();
    });
  }

  #onFocus(act) {
    const item = this.#review && focusOf(this.#review);
    if (item) act(item);
  }

  #itemActions() {
    return {
      start: (item) => this.#room.startItem(item.id),
      skip: (item) => this.#room.skipItem(item.id),
      move: (item, delta) => {
        const order = movedOrder(this.#review, item.id, delta);
        if (order) this.#room.reorderItems(order);
      },
      release: (item) => this.#room.releaseResults(item.id),
      results: (item) => this.#openResults(item),
    };
  }

  // --- what the server says ----------------------------------------------------------------

  #onJoined(snapshot) {
    for (const reviewer of this.#reviewers.values()) reviewer.here = false;
    for (const person of [snapshot.me, ...snapshot.participants]) this.#seen(person);
    this.#update(snapshot.review);
  }

  #seen(person) {
    if (person.role === "reviewer") this.#reviewers.set(person.id, { id: person.id, name: person.name, here: true });
    else this.#reviewers.delete(person.id);
    if (this.#review?.chair) this.#renderConflictForm();
  }

  #update(review) {
    this.el.root.hidden = review === null;
    if (review === null) return this.#stopTicking();
    for (const item of review.items) this.#clock.observe(item.since);
    const closedNow = review.items.filter((item) => this.#phases.get(item.id) === "scoring" && item.phase === "closed");
    this.#phases = new Map(review.items.map((item) => [item.id, item.phase]));
    this.#review = review;
    this.#render();
    if (review.chair) for (const item of closedNow) this.#openResults(item); // the chair just closed it
  }

  #onProgress(progress) {
    if (!this.#review) return;
    this.#review.progress.set(progress.itemId, progress);
    this.#renderCard(focusOf(this.#review));
  }

  // --- showing -----------------------------------------------------------------------------

  #render() {
    const review = this.#review;
    const focus = focusOf(review);
    this.#renderCard(focus);
    renderItems(this.el.items, review, { lang: this.lang, actions: this.#itemActions() });
    this.score.render(review, this.#scoring(review, focus));
    this.el.conflict.box.hidden = !review.chair;
    if (review.chair) this.#renderConflictForm();
    const shown = review.items.find((item) => item.id === this.el.results.section.dataset.itemId);
    if (!shown || !resultsReadable(review, shown)) this.el.results.section.hidden = true;
  }

  // the item a reviewer scores now (or just did: the form stays, disabled, once it closes)
  #scoring(review, focus) {
    if (!review.reviewer || focus === null || focus.conflict) return null;
    return SCORABLE.has(focus.phase) || (focus.phase === "closed" && review.myScores.has(focus.id)) ? focus : null;
  }

  #renderCard(focus) {
    const { card } = this.el;
    const review = this.#review;
    for (const node of [card.label, card.phase, card.title, card.applicant, card.countdown, card.progress, card.materials]) node.hidden = !focus;
    card.idle.hidden = Boolean(focus);
    card.chair.hidden = !(review.chair && focus);
    card.showResults.hidden = !(focus && resultsReadable(review, focus));
    if (!focus) return this.#stopTicking();
    card.label.textContent = focus.label;
    card.phase.className = `badge phase phase-${focus.phase}`;
    card.phase.textContent = t(`phase_${focus.phase}`);
    card.title.textContent = itemTitle(focus, this.lang);
    card.applicant.textContent = applicantText(focus);
    card.applicant.hidden = !focus.applicantName;
    this.#renderMaterials(focus);
    const progress = review.chair && COUNTED.has(focus.phase) ? review.progress.get(focus.id) : null;
    card.progress.textContent = progress ? t("submitted_of", progress) : "";
    card.progress.hidden = !progress;
    this.#renderChair(focus);
    this.#announce(focus);
    this.#tick(focus);
  }

  // the item's materials, each opening in the viewer (the server checks who may read it)
  #renderMaterials(focus) {
    const list = this.el.card.materials;
    list.replaceChildren(...focus.materials.map(({ fileId, name }) => {
      const link = document.createElement("a");
      link.href = `/sessions/${encodeURIComponent(this.sessionId)}/materials/${encodeURIComponent(fileId)}`;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = name;
      const entry = document.createElement("li");
      entry.append(link);
      return entry;
    }));
    list.hidden = focus.materials.length === 0;
  }

  #renderChair(focus) {
    const { card } = this.el;
    const next = NEXT[focus.phase];
    card.next.hidden = !next;
    if (next) card.next.textContent = t(`next_${next}`);
    card.extend.hidden = !TIMED.has(focus.phase);
    card.release.hidden = !(focus.phase === "closed" && !focus.released);
  }

  // said once per phase (the countdown itself is not announced every second)
  #announce(focus) {
    const key = `${focus.id}:${focus.phase}`;
    if (key === this.#announced) return;
    this.#announced = key;
    this.el.card.announce.textContent = t("item_phase", { item: itemName(focus, this.lang), phase: t(`phase_${focus.phase}`) });
  }

  #tick(focus) {
    const countdown = this.el.card.countdown;
    if (!TIMED.has(focus.phase) || !focus.endsAt) {
      countdown.hidden = true;
      return this.#stopTicking();
    }
    const show = () => {
      const left = focus.endsAt.getTime() - this.#clock.now();
      countdown.classList.toggle("overtime", left < 0);
      countdown.textContent = left >= 0 ? t("time_left", { time: clockText(left) }) : t("overtime", { time: clockText(-left) });
    };
    show();
    this.#stopTicking();
    this.#timer = setInterval(show, TICK_MS);
  }

  #stopTicking() {
    clearInterval(this.#timer);
    this.#timer = null;
  }

  // --- results and conflicts ---------------------------------------------------------------

  async #openResults(item) {
    const answer = await this.#room.getResults(item.id);
    if (answer.error) {
      toast(this.toasts, answer.error.message || t(answer.error.code), { error: true });
      return;
    }
    const el = this.el.results;
    renderResults(el, { results: answer.results, rubric: this.#review?.rubric, item, lang: this.lang });
    el.title.scrollIntoView?.({ block: "nearest" });
  }

  #renderConflictForm() {
    const { person, item } = this.el.conflict;
    const keep = [person.value, item.value];
    const reviewers = [...this.#reviewers.values()].sort((a, b) => a.name.localeCompare(b.name));
    person.replaceChildren(
      ...reviewers.map((r) => element("option", { text: r.here ? r.name : t("reviewer_away", { name: r.name }), attrs: { value: r.id } })),
    );
    item.replaceChildren(
      ...(this.#review?.items ?? []).map((i) => element("option", { text: itemName(i, this.lang), attrs: { value: i.id } })),
    );
    [person.value, item.value] = keep;
    if (!person.value && person.options.length) person.selectedIndex = 0;
    if (!item.value && item.options.length) item.selectedIndex = 0;
  }

  async #recordConflict() {
    const { person, item, waive, reason, status } = this.el.conflict;
    const answer = await this.#room.setConflict({
      itemId: item.value, participantId: person.value, waive: waive.value === "waive", reason: reason.value.trim(),
    });
    status.classList.toggle("error", Boolean(answer.error));
    status.textContent = answer.error ? answer.error.message || t(answer.error.code) : t("conflict_recorded");
    if (!answer.error) reason.value = "";
  }
}

// the panel of this page, or null outside a review room
export function setupReview({ lang, serverTime, toasts, sessionId }) {
  const root = byId("review-panel");
  if (root === null) return null;
  const el = {
    root,
    items: byId("review-items"),
    card: {
      label: byId("review-item-label"), phase: byId("review-item-phase"), title: byId("review-item-title"),
      applicant: byId("review-item-applicant"), countdown: byId("review-countdown"), progress: byId("review-progress"),
      idle: byId("review-idle"), announce: byId("review-announce"), chair: byId("review-chair"),
      next: byId("review-next"), extend: byId("review-extend"), release: byId("review-release"),
      showResults: byId("review-show-results"), materials: byId("review-materials"),
    },
    score: {
      form: byId("score-form"), fields: byId("score-fields"), legend: byId("score-legend"),
      criteria: byId("score-criteria"), recommendation: byId("score-recommendation"),
      recommendationLabel: byId("score-recommendation-label"), comment: byId("score-comment"),
      commentRequired: byId("score-comment-required"), submit: byId("score-submit"), status: byId("score-status"),
    },
    results: {
      section: byId("review-results"), title: byId("results-title"), table: byId("results-table"),
      summary: byId("results-summary"), recommendations: byId("results-recommendations"), close: byId("results-close"),
    },
    conflict: {
      box: byId("conflict-box"), form: byId("conflict-form"), person: byId("conflict-person"), item: byId("conflict-item"),
      waive: byId("conflict-waive"), reason: byId("conflict-reason"), status: byId("conflict-status"),
    },
  };
  return new ReviewPanel(el, { lang, serverTime, toasts, sessionId });
}
