// A closed item's results table (get_results): per reviewer the criteria's values, the
// weighted total (0–100), the recommendation and the comment; outliers flagged in words, not
// only in colour; a reviewer who did not score is "missing", never a zero. Below: the
// criteria's means, then mean, median, spread, standard deviation, how many submitted and
// the recommendations counted.

import { element } from "./elements.js";
import { itemName, localText } from "./review-items.js";
import { t } from "./strings.js";

const numberFormat = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 2 });

function number(value) {
  return value === null || value === undefined ? "–" : numberFormat.format(value);
}


function cell(tag, text, className = "") {
  return element(tag, { text, className });
}

function head(criteria, lang) {
  const names = criteria.map((c) => cell("th", localText(lang, c.nameZh, c.nameEn), "number"));
  return element(
    "thead",
    {},
    element("tr", {}, cell("th", t("col_reviewer")), ...names, cell("th", t("col_total"), "number"),
      cell("th", t("col_recommendation")), cell("th", t("col_comment"))),
  );
}

function reviewerRow(row, criteria, labels) {
  const tr = element("tr", { className: row.submitted ? "" : "missing" }, cell("th", row.reviewer));
  tr.firstChild.setAttribute("scope", "row");
  if (!row.submitted) {
    const missing = cell("td", t("missing"), "missing");
    missing.colSpan = criteria.length + 3;
    tr.append(missing);
    return tr;
  }
  tr.append(...criteria.map((c) => cell("td", number(row.values?.[c.id]), "number")));
  const total = cell("td", number(row.total), "number total");
  if (row.outlier) {
    tr.classList.add("outlier");
    total.append(" ", element("span", { className: "badge outlier", text: t("outlier") }));
  }
  tr.append(total, cell("td", labels.get(row.recommendation) ?? row.recommendation ?? ""), cell("td", row.comment ?? "", "comment"));
  return tr;
}

function foot(results, criteria) {
  const means = criteria.map((c) => cell("td", number(results.criterionMeans[c.id]), "number"));
  const row = element("tr", {}, cell("th", t("row_mean")), ...means, cell("td", number(results.mean), "number total"),
    cell("td", ""), cell("td", ""));
  row.firstChild.setAttribute("scope", "row");
  return element("tfoot", {}, row);
}

function summary(list, results) {
  const stats = [
    ["stat_mean", number(results.mean)], ["stat_median", number(results.median)],
    ["stat_spread", number(results.spread)], ["stat_stdev", number(results.stdev)],
    ["stat_submitted", String(results.submitted)], ["stat_missing", String(results.missing)],
  ];
  list.replaceChildren(...stats.flatMap(([key, value]) => [cell("dt", t(key)), cell("dd", value, key)]));
}

function recommendationCounts(results, labels) {
  const counts = Object.entries(results.recommendations).filter(([, count]) => count > 0);
  if (!counts.length) return t("no_recommendations");
  return counts.map(([code, count]) => t("recommendation_count", { label: labels.get(code) ?? code, count })).join(" · ");
}

// el: {section, title, table, summary, recommendations}
export function renderResults(el, { results, rubric, item, lang }) {
  const criteria = rubric?.criteria ?? [];
  const labels = new Map((rubric?.recommendations ?? []).map((r) => [r.code, localText(lang, r.labelZh, r.labelEn)]));
  el.title.textContent = t("results_for", { item: itemName(item, lang) });
  el.table.replaceChildren(
    head(criteria, lang),
    element("tbody", {}, ...results.rows.map((row) => reviewerRow(row, criteria, labels))),
    foot(results, criteria),
  );
  summary(el.summary, results);
  el.recommendations.textContent = recommendationCounts(results, labels);
  el.section.dataset.itemId = item.id;
  el.section.hidden = false;
}
