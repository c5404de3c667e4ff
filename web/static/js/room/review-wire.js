// The review panel's payloads (PROTOCOL.md, "Review panel") as plain page objects: camelCase
// names, Dates for times. Used by connection.js, the one script that knows the wire; knows
// nothing of the page.

function date(value) {
  return value ? new Date(value) : null;
}

function toItem(wire) {
  return {
    id: wire.item_id,
    position: wire.position,
    label: wire.label ?? `#${wire.position}`,
    titleZh: wire.title_zh ?? "",
    titleEn: wire.title_en ?? "",
    applicantName: wire.applicant_name ?? "",
    applicantOrg: wire.applicant_org ?? "",
    phase: wire.phase,
    since: date(wire.since),
    endsAt: date(wire.ends_at),
    released: Boolean(wire.released),
    conflict: Boolean(wire.conflict),
    materials: (wire.materials ?? []).map((m) => ({ fileId: m.file_id, name: m.name })),
  };
}

function toCriterion(wire) {
  return {
    id: wire.criterion_id,
    nameZh: wire.name_zh ?? "",
    nameEn: wire.name_en ?? "",
    weight: wire.weight,
    scaleMin: wire.scale_min,
    scaleMax: wire.scale_max,
    anchors: (wire.anchors ?? []).map((a) => ({ value: a.value, label: a.label })),
  };
}

export function toRubric(wire) {
  if (!wire) return null;
  return {
    criteria: wire.criteria.map(toCriterion),
    recommendations: (wire.recommendations ?? []).map((r) => ({ code: r.code, labelZh: r.label_zh, labelEn: r.label_en })),
    commentRequired: Boolean(wire.comment_required),
  };
}

export function toProgress(wire) {
  return { itemId: wire.item_id, submitted: wire.submitted, expected: wire.expected };
}

// the chair's counts of every item (a review's, a roadshow's judging): item id -> progress
export function toProgressMap(wire) {
  return new Map(Object.entries(wire ?? {}).map(([itemId, p]) => [itemId, toProgress({ item_id: itemId, ...p })]));
}

// the `review` event, and `review` of the joined snapshot (null outside a review)
export function toReview(wire) {
  if (!wire || !Array.isArray(wire.items)) return null;
  return {
    items: wire.items.map(toItem),
    current: wire.current ?? null,
    settings: {
      blind: Boolean(wire.settings?.blind),
      doubleBlind: Boolean(wire.settings?.double_blind),
      downloadsAllowed: Boolean(wire.settings?.downloads_allowed),
    },
    chair: Boolean(wire.chair),
    reviewer: Boolean(wire.reviewer),
    rubric: toRubric(wire.rubric),
    myScores: new Map(Object.entries(wire.my_scores ?? {})), // item id -> your revision
    progress: toProgressMap(wire.progress), // item id -> {submitted, expected} (the chair's)
  };
}

// get_my_score's card: your own scores of an item, or null
export function toCard(wire) {
  if (!wire) return null;
  return {
    itemId: wire.item_id,
    values: wire.values ?? {},
    recommendation: wire.recommendation ?? "",
    comment: wire.comment ?? "",
    revision: wire.revision,
    at: date(wire.at),
  };
}

// get_results' table
export function toResults(wire) {
  return {
    itemId: wire.item_id,
    rows: wire.rows.map((row) => ({
      reviewer: row.reviewer,
      submitted: Boolean(row.submitted),
      values: row.values ?? null,
      recommendation: row.recommendation ?? null,
      comment: row.comment ?? null,
      total: row.total ?? null,
      outlier: Boolean(row.outlier),
    })),
    criterionMeans: wire.criterion_means ?? {},
    mean: wire.mean ?? null,
    median: wire.median ?? null,
    spread: wire.spread ?? null,
    stdev: wire.stdev ?? null,
    submitted: wire.submitted,
    missing: wire.missing,
    recommendations: wire.recommendations ?? {},
  };
}

export function toSteppedOut(wire) {
  return {
    reason: wire.reason,
    message: wire.message ?? "",
    position: wire.position ?? null,
    startsAt: wire.starts_at ? new Date(wire.starts_at) : null, // a founder's pitch (roadshow)
  };
}
