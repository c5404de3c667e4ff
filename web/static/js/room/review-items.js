// The review's items as a list: position, label and title, phase; for the chair what can be
// done to each (start, skip, move up or down, release its results); results for those who
// may read them. An item a reviewer is conflicted on shows only that.

import { button, element } from "./elements.js";
import { t } from "./strings.js";

// a text given in both languages, in the page's (the other one when it has none)
export function localText(lang, zh, en) {
  return (lang === "zh_CN" ? zh || en : en || zh) || "";
}

export function itemTitle(item, lang) {
  return localText(lang, item.titleZh, item.titleEn);
}

// "#1 Title", or "#1" in a blind review's conflict row or an item without a title
export function itemName(item, lang) {
  const title = itemTitle(item, lang);
  return title ? `${item.label} ${title}` : item.label;
}

export function phaseBadge(phase) {
  return element("span", { className: `badge phase phase-${phase}`, text: t(`phase_${phase}`) });
}

// whether this person may ask for an item's table now (the server decides anyway)
export function resultsReadable(review, item) {
  if (item.phase !== "closed" || item.conflict) return false;
  return review.chair || (review.reviewer && item.released);
}

function chairButtons(item, { running, waiting, lang, actions }) {
  const name = itemName(item, lang);
  const box = element("span", { className: "item-actions" });
  if (item.phase === "waiting") {
    const at = waiting.indexOf(item.id);
    const start = button(t("start_item"), () => actions.start(item), { className: "primary", data: { action: "start" } });
    start.setAttribute("aria-label", t("start_item_of", { item: name }));
    start.hidden = running;
    const skip = button(t("skip_item"), () => actions.skip(item), { data: { action: "skip" } });
    skip.setAttribute("aria-label", t("skip_item_of", { item: name }));
    box.append(start, skip, moveButton("↑", "move_up_of", name, at > 0, () => actions.move(item, -1)));
    box.append(moveButton("↓", "move_down_of", name, at < waiting.length - 1, () => actions.move(item, 1)));
  } else if (item.phase === "closed" && !item.released) {
    const release = button(t("release"), () => actions.release(item), { data: { action: "release" } });
    release.setAttribute("aria-label", t("release_of", { item: name }));
    box.append(release);
  }
  return box;
}

function moveButton(arrow, key, name, enabled, onClick) {
  const node = button(arrow, onClick, { data: { action: key === "move_up_of" ? "up" : "down" } });
  node.setAttribute("aria-label", t(key, { item: name }));
  node.disabled = !enabled;
  return node;
}

function itemRow(item, review, view) {
  const row = element("li", { className: `review-item phase-${item.phase}`, data: { itemId: item.id } });
  if (item.id === review.current) row.setAttribute("aria-current", "true");
  if (item.conflict) {
    row.append(element("span", { className: "item-name conflict", text: t("conflict_item", { label: item.label }) }));
    return row;
  }
  row.append(element("span", { className: "item-name", text: itemName(item, view.lang) }), phaseBadge(item.phase));
  if (item.released) row.append(element("span", { className: "badge released", text: t("released") }));
  const box = review.chair ? chairButtons(item, view) : element("span", { className: "item-actions" });
  if (resultsReadable(review, item)) {
    const show = button(t("show_results"), () => view.actions.results(item), { data: { action: "results" } });
    show.setAttribute("aria-label", t("results_of", { item: itemName(item, view.lang) }));
    box.append(show);
  }
  if (box.childElementCount) row.append(box);
  return row;
}

// actions: {start(item), skip(item), move(item, -1 | 1), release(item), results(item)}
export function renderItems(list, review, { lang, actions }) {
  const waiting = review.items.filter((item) => item.phase === "waiting").map((item) => item.id);
  const view = { running: review.current !== null, waiting, lang, actions };
  list.replaceChildren(...review.items.map((item) => itemRow(item, review, view)));
}

// the waiting items' order after moving one of them by delta places
export function movedOrder(review, itemId, delta) {
  const waiting = review.items.filter((item) => item.phase === "waiting").map((item) => item.id);
  const from = waiting.indexOf(itemId);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= waiting.length) return null;
  [waiting[from], waiting[to]] = [waiting[to], waiting[from]];
  return waiting;
}
