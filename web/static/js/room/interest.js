// A roadshow's interest in pitches (PROTOCOL.md, "Interest in pitches"): for each pitch of the
// show, an investor's "Interested" box, their private note (sent to no one else) and a link to
// request a follow-up meeting with the founder; the chair sees how many are interested. Shown
// only where the page has #interest-panel.
//
//   const interest = setupInterest({ lang, sessionId });  // null without #interest-panel
//   interest?.attach(connection);

import { t } from "./strings.js";
import { button, element } from "./elements.js";

const byId = (id) => document.getElementById(id);

export class InterestView {
  #room = null;
  #slots = [];
  #mine = {};
  #counts = null;
  #marks = false;

  constructor(el, { lang, sessionId }) {
    this.el = el;
    this.lang = lang;
    this.sessionId = sessionId;
  }

  attach(room) {
    this.#room = room;
    room.on("joined", (snapshot) => {
      this.#marks = snapshot.capabilities.has("mark_interest");
      this.#take(snapshot.interest);
      if (snapshot.show) this.#slots = snapshot.show.slots;
      this.#render();
    });
    room.on("show", (show) => {
      this.#slots = show.slots;
      this.#render();
    });
    room.on("interest", (interest) => {
      this.#take(interest);
      this.#render();
    });
    room.on("interest_counts", ({ counts }) => {
      this.#counts = counts;
      this.#render();
    });
  }

  #take(interest) {
    if (!interest) return;
    this.#mine = interest.mine;
    if (interest.counts) this.#counts = interest.counts;
  }

  #title(slot) {
    const zh = this.lang.startsWith("zh");
    return (zh ? slot.titleZh : slot.titleEn) || slot.titleZh || slot.titleEn;
  }

  #render() {
    const { root, list } = this.el;
    root.hidden = !(this.#marks || this.#counts) || this.#slots.length === 0;
    if (root.hidden || list.contains(document.activeElement)) return; // keep what is typed
    list.replaceChildren(...this.#slots.map((slot) => this.#item(slot)));
  }

  #item(slot) {
    const mark = this.#mine[slot.id] ?? { interested: false, note: "" };
    const item = element("li", { className: "interest-pitch" });
    item.dataset.itemId = slot.id;
    item.append(element("strong", { text: `${this.#title(slot)} — ${slot.founder}` }));
    if (this.#counts) {
      item.append(" ", element("span", { className: "badge interest-count", text: t("interest_count", { n: this.#counts[slot.id] ?? 0 }) }));
    }
    if (!this.#marks) return item;
    const box = element("input", { className: "interest-mark", attrs: { type: "checkbox" } });
    box.checked = mark.interested;
    const note = element("textarea", { className: "interest-note", attrs: { rows: "2", maxlength: "5000" } });
    note.value = mark.note;
    note.setAttribute("aria-label", t("interest_note"));
    note.placeholder = t("interest_note");
    const saved = element("span", { className: "muted interest-saved", text: "" });
    const send = async () => {
      const ack = await this.#room?.markInterest(slot.id, box.checked, note.value);
      saved.textContent = ack?.error ? ack.error.message : t("interest_saved");
    };
    box.addEventListener("change", send);
    const save = button(t("interest_save"), send, { className: "interest-save" });
    const label = element("label", { className: "interest-label" });
    label.append(box, " ", t("interest_mark"));
    const link = element("a", { className: "interest-follow-up", text: t("interest_follow_up") });
    link.href = `/sessions/${encodeURIComponent(this.sessionId)}/follow-ups?item=${encodeURIComponent(slot.id)}`;
    link.target = "_blank";
    link.rel = "noopener";
    item.append(element("br"), label, note, save, " ", saved, " ", link);
    return item;
  }
}

export function setupInterest(options) {
  const root = byId("interest-panel");
  if (root === null) return null;
  return new InterestView({ root, list: byId("interest-pitches") }, options);
}
