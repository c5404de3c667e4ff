// A roadshow's judging (PROTOCOL.md, "Judging"): for a judge, the score form of the pitch on
// stage (or of an earlier pitch still open, chosen from the list) — the review's ScoreForm,
// saying "Saved" only once the server kept the scores on disk; for the chair, each pitch's
// count of scores, "Close scoring", then its table (the review's results table) and "Release
// results"; for both, the ranking of the pitches they may read. Nobody's values reach this
// page but their own until the chair closes a pitch. Shown only where the page has
// #judging-panel, and only to the chair and the judges (the server sends nobody else
// `judging`).
//
//   const judging = setupJudging({ lang, toasts });  // null without #judging-panel
//   judging?.attach(connection);

import { button, element } from "./elements.js";
import { toast } from "./notices.js";
import { itemName, localText } from "./review-items.js";
import { renderResults } from "./review-results.js";
import { ScoreForm } from "./review-score.js";
import { t } from "./strings.js";

const byId = (id) => document.getElementById(id);
const numberFormat = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 2 });

export class JudgingView {
  #room = null;
  #judging = null;
  #chosen = null; // the pitch the judge chose to score (null: the latest open one)
  #shown = null; // the pitch the form is for now

  constructor(el, { lang, toasts }) {
    Object.assign(this, { el, lang, toasts });
    this.form = new ScoreForm(el.score, {
      lang,
      room: () => this.#room,
      scorable: (pitch) => pitch.state === "open",
      submit: (room, itemId, scores) => room.scorePitch(itemId, scores),
      mine: (room, itemId) => room.getMyPitchScore(itemId),
    });
    el.rankingButton.addEventListener("click", () => this.#ranking());
    el.resultsClose.addEventListener("click", () => { el.results.section.hidden = true; });
  }

  attach(room) {
    this.#room = room;
    room.on("joined", (snapshot) => this.#set(snapshot.judging));
    room.on("judging", (judging) => this.#set(judging));
    room.on("pitch_score_progress", (progress) => {
      this.#judging?.progress.set(progress.itemId, progress);
      this.#render();
    });
  }

  #set(judging) {
    this.#judging = judging;
    this.#render();
  }

  #render() {
    const judging = this.#judging;
    const { panel, list, idle } = this.el;
    panel.hidden = judging === null;
    if (judging === null) return;
    list.replaceChildren(...judging.pitches.map((pitch) => this.#row(pitch)));
    const open = judging.pitches.filter((p) => p.state === "open" && !p.conflict);
    idle.hidden = open.length > 0 || !judging.judge;
    let pitch = null;
    if (judging.judge) {
      const chosen = judging.pitches.find((p) => p.id === this.#chosen && p.state === "open" && !p.conflict);
      const shown = judging.pitches.find((p) => p.id === this.#shown && p.state === "closed");
      pitch = chosen ?? open.at(-1) ?? shown ?? null; // a pitch just closed stays, disabled
    }
    this.#shown = pitch?.id ?? null;
    this.form.render({ rubric: judging.rubric }, pitch);
  }

  #row(pitch) {
    const judging = this.#judging;
    const state = element("span", { className: `badge phase phase-${pitch.state}`, text: t(`pitch_${pitch.state}`) });
    const li = element("li", { data: { itemId: pitch.id } }, element("span", { text: itemName(pitch, this.lang) }), " ", state);
    const name = itemName(pitch, this.lang);
    if (judging.judge && pitch.conflict) li.append(" ", t("conflict_item", { label: pitch.label }));
    const revision = judging.myScores.get(pitch.id);
    if (judging.judge && revision) li.append(" ", element("span", { className: "meta", text: t("saved", { revision }) }));
    if (judging.judge && pitch.state === "open" && !pitch.conflict) {
      li.append(" ", button(t("score_pitch"), () => { this.#chosen = pitch.id; this.#render(); },
        { data: { action: "score" } }));
    }
    if (judging.chair) {
      const progress = judging.progress.get(pitch.id);
      if (progress && pitch.state !== "waiting") li.append(" ", element("span", { className: "meta", text: t("submitted_of", progress) }));
      if (pitch.state === "open") {
        li.append(" ", button(t("close_scoring"), () => this.#ask(this.#room.closePitchScoring(pitch.id)),
          { data: { action: "close" } }));
      }
      if (pitch.state === "closed" && !pitch.released) {
        li.append(" ", button(t("release"), () => this.#ask(this.#room.releasePitchResults(pitch.id)),
          { data: { action: "release" } }));
      }
    }
    if (pitch.state === "closed" && (judging.chair || pitch.released)) {
      if (pitch.released) li.append(" ", element("span", { className: "meta", text: t("released") }));
      const show = button(t("show_results"), () => this.#results(pitch), { data: { action: "results" } });
      show.setAttribute("aria-label", t("results_of", { item: name }));
      li.append(" ", show);
    }
    return li;
  }

  async #ask(request) {
    const answer = await request;
    if (answer?.error) toast(this.toasts, answer.error.message || t(answer.error.code), { error: true });
  }

  async #results(pitch) {
    const answer = await this.#room.getPitchResults(pitch.id);
    if (answer.error) {
      toast(this.toasts, answer.error.message || t(answer.error.code), { error: true });
      return;
    }
    renderResults(this.el.results, { results: answer.results, rubric: this.#judging.rubric, item: pitch, lang: this.lang });
  }

  async #ranking() {
    const answer = await this.#room.getRanking();
    if (answer.error) {
      toast(this.toasts, answer.error.message || t(answer.error.code), { error: true });
      return;
    }
    const { rankingTable, rankingEmpty } = this.el;
    rankingEmpty.hidden = answer.ranking.length > 0;
    rankingTable.hidden = answer.ranking.length === 0;
    const head = element("thead", {}, element("tr", {}, ...["col_rank", "col_pitch", "col_mean", "col_scored"].map(
      (key) => element("th", { text: t(key), attrs: { scope: "col" } }))));
    const rows = answer.ranking.map((row) => element(
      "tr", {},
      element("td", { text: row.rank === null ? "–" : (row.tied ? t("rank_tied", { rank: row.rank }) : String(row.rank)) }),
      element("th", { text: localText(this.lang, row.titleZh, row.titleEn), attrs: { scope: "row" } }),
      element("td", { className: "number", text: row.mean === null ? "–" : numberFormat.format(row.mean) }),
      element("td", { className: "number", text: t("submitted_of", row) }),
    ));
    rankingTable.replaceChildren(head, element("tbody", {}, ...rows));
  }
}

export function setupJudging({ lang, toasts }) {
  const panel = byId("judging-panel");
  if (panel === null) return null;
  return new JudgingView(
    {
      panel,
      list: byId("judging-pitches"),
      idle: byId("judging-idle"),
      score: {
        form: byId("judge-score-form"),
        fields: byId("judge-score-fields"),
        legend: byId("judge-score-legend"),
        criteria: byId("judge-score-criteria"),
        recommendation: byId("judge-score-recommendation"),
        recommendationLabel: byId("judge-score-recommendation-label"),
        comment: byId("judge-score-comment"),
        commentRequired: byId("judge-score-comment-required"),
        submit: byId("judge-score-submit"),
        status: byId("judge-score-status"),
      },
      results: {
        section: byId("judging-results"),
        title: byId("judging-results-title"),
        table: byId("judging-results-table"),
        summary: byId("judging-results-summary"),
        recommendations: byId("judging-results-recommendations"),
      },
      resultsClose: byId("judging-results-close"),
      rankingButton: byId("judging-ranking-button"),
      rankingTable: byId("judging-ranking-table"),
      rankingEmpty: byId("judging-ranking-empty"),
    },
    { lang, toasts },
  );
}
