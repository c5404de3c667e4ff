// A reviewer's score form for the running item: per criterion a number on its scale (its
// anchors beside it), the recommendation, the comment. It opens with the reviewer's own
// scores (get_my_score), says "Saved (revision n)" only when the server acknowledged them
// (kept on disk), the server's translated error otherwise, and is disabled once scoring of
// the item is closed. The server checks everything; the form only helps.

import { element } from "./elements.js";
import { itemName, localText } from "./review-items.js";
import { t } from "./strings.js";

const SCORABLE = new Set(["deliberation", "scoring"]);
const STEP = 0.5;


function anchorsText(criterion) {
  const scale = t("scale", { low: criterion.scaleMin, high: criterion.scaleMax });
  const anchors = criterion.anchors.map((anchor) => `${anchor.value} = ${anchor.label}`);
  return [scale, ...anchors].join(" · ");
}

function criterionField(criterion, lang) {
  const id = `score-${criterion.id}`;
  const label = element("label", { text: localText(lang, criterion.nameZh, criterion.nameEn), attrs: { for: id } });
  const input = element("input", {
    attrs: {
      type: "number", id, name: criterion.id, min: criterion.scaleMin, max: criterion.scaleMax,
      step: STEP, inputmode: "decimal", required: "", "aria-describedby": `${id}-scale`,
    },
  });
  const hint = element("p", { className: "hint", text: anchorsText(criterion), attrs: { id: `${id}-scale` } });
  return element("div", { className: "criterion", data: { criterionId: criterion.id } }, label, input, hint);
}

export class ScoreForm {
  #itemId = null; // the item the form is for
  #rubric = ""; // the rubric its fields were built for (as JSON): every `review` carries it

  // el: {form, fields, legend, criteria, recommendation, recommendationLabel, comment,
  //      commentRequired, submit, status}; room(): the current RoomConnection. A roadshow's
  //  judging (judging.js) gives its own `scorable(item)`, `submit(room, itemId, scores)` and
  //  `mine(room, itemId)`; a review's are the defaults.
  constructor(el, {
    lang, room,
    scorable = (item) => SCORABLE.has(item.phase),
    submit = (connection, itemId, scores) => connection.submitScore(itemId, scores),
    mine = (connection, itemId) => connection.getMyScore(itemId),
  }) {
    Object.assign(this, { el, lang, room, scorable, send: submit, mine });
    el.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#submit();
    });
  }

  // the item to score (null: no form); once its scoring is closed the form stays, disabled
  render(review, item) {
    const { form, fields, status } = this.el;
    if (item === null || review.rubric === null) {
      form.hidden = true;
      this.#itemId = null;
      return;
    }
    const rubric = JSON.stringify(review.rubric);
    if (item.id !== this.#itemId || rubric !== this.#rubric) this.#build(review.rubric, item, rubric);
    const open = this.scorable(item);
    fields.disabled = !open;
    if (!open) {
      status.classList.remove("error");
      status.textContent = t("scoring_closed");
    }
    this.el.legend.textContent = t("your_scores_for", { item: itemName(item, this.lang) });
    form.hidden = false;
  }

  // the fields (again, when the staff changed the rubric: what was typed stays)
  #build(rubric, item, key) {
    const { criteria, recommendation, comment, commentRequired, status } = this.el;
    const fresh = item.id !== this.#itemId;
    const typed = fresh ? {} : this.#values();
    const chosen = recommendation.value;
    this.#itemId = item.id;
    this.#rubric = key;
    criteria.replaceChildren(...rubric.criteria.map((criterion) => criterionField(criterion, this.lang)));
    recommendation.replaceChildren(element("option", { text: t("choose"), attrs: { value: "" } }));
    for (const r of rubric.recommendations) {
      recommendation.append(element("option", { text: localText(this.lang, r.labelZh, r.labelEn), attrs: { value: r.code } }));
    }
    recommendation.hidden = this.el.recommendationLabel.hidden = rubric.recommendations.length === 0;
    comment.required = rubric.commentRequired;
    commentRequired.hidden = !rubric.commentRequired;
    this.#fill(typed, fresh ? "" : chosen);
    if (fresh) {
      comment.value = "";
      status.textContent = "";
      this.#prefill(item.id);
    }
  }

  async #prefill(itemId) {
    const answer = await this.mine(this.room(), itemId);
    if (answer.error || !answer.card || this.#itemId !== itemId) return;
    this.#fill(answer.card.values, answer.card.recommendation);
    this.el.comment.value = answer.card.comment;
  }

  #fill(values, recommendation) {
    for (const [criterionId, value] of Object.entries(values)) {
      const input = this.el.criteria.querySelector(`input[name="${CSS.escape(criterionId)}"]`);
      if (input) input.value = String(value);
    }
    this.el.recommendation.value = recommendation;
    if (this.el.recommendation.selectedIndex < 0) this.el.recommendation.selectedIndex = 0;
  }

  #values() {
    const values = {};
    for (const input of this.el.criteria.querySelectorAll("input")) {
      const value = Number.parseFloat(input.value);
      if (input.value.trim() !== "" && Number.isFinite(value)) values[input.name] = value;
    }
    return values;
  }

  async #submit() {
    const { fields, submit, status, recommendation, comment } = this.el;
    const itemId = this.#itemId;
    if (itemId === null || fields.disabled) return;
    submit.disabled = true;
    status.classList.remove("error");
    status.textContent = t("saving");
    const scores = { values: this.#values(), recommendation: recommendation.value, comment: comment.value };
    const answer = await this.send(this.room(), itemId, scores);
    submit.disabled = false;
    if (this.#itemId !== itemId) return;
    status.classList.toggle("error", Boolean(answer.error));
    status.textContent = answer.error
      ? answer.error.message || t(answer.error.code)
      : t("saved", { revision: answer.revision });
  }
}
