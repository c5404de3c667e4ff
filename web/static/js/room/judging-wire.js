// A roadshow's judging payloads (PROTOCOL.md, "Judging") as plain page objects. Used by
// connection.js, the one script that knows the wire; knows nothing of the page.

import { toProgressMap, toRubric } from "./review-wire.js";

function toPitch(wire) {
  return {
    id: wire.item_id,
    position: wire.position,
    label: `#${wire.position}`,
    titleZh: wire.title_zh ?? "",
    titleEn: wire.title_en ?? "",
    founder: wire.founder ?? "",
    state: wire.state, // "waiting" | "open" | "closed"
    released: Boolean(wire.released),
    conflict: Boolean(wire.conflict),
  };
}

// the `judging` event, and `judging` of the joined snapshot (null for the audience)
export function toJudging(wire) {
  if (!wire || !Array.isArray(wire.pitches)) return null;
  return {
    pitches: wire.pitches.map(toPitch),
    chair: Boolean(wire.chair),
    judge: Boolean(wire.judge),
    rubric: toRubric(wire.rubric),
    myScores: new Map(Object.entries(wire.my_scores ?? {})), // pitch id -> your revision
    progress: toProgressMap(wire.progress), // pitch id -> {submitted, expected} (the chair's)
  };
}

// get_ranking's rows: best first, equal means share a rank
export function toRanking(wire) {
  return (wire ?? []).map((row) => ({
    itemId: row.item_id,
    titleZh: row.title_zh ?? "",
    titleEn: row.title_en ?? "",
    rank: row.rank ?? null,
    tied: Boolean(row.tied),
    mean: row.mean ?? null,
    median: row.median ?? null,
    submitted: row.submitted,
    expected: row.expected,
  }));
}
