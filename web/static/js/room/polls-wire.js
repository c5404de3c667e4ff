// The polls' payloads (PROTOCOL.md, "Polls and quizzes") as plain page objects: camelCase
// names, Dates for times. Used by connection.js; knows nothing of the page.

function date(value) {
  return value ? new Date(value) : null;
}

function toResults(wire) {
  if (!wire) return null;
  return {
    counts: wire.counts ?? [],
    voters: wire.voters ?? 0,
    names: wire.names ?? null,
    average: wire.average ?? null,
  };
}

function toSpec(wire) {
  return {
    question: wire.question,
    kind: wire.kind,
    options: wire.options ?? [],
    correct: wire.correct ?? [],
    anonymous: Boolean(wire.anonymous),
    seconds: wire.seconds ?? null,
  };
}

function toPoll(wire) {
  return {
    id: wire.poll_id,
    ...toSpec(wire),
    quiz: Boolean(wire.quiz),
    openedAt: date(wire.opened_at),
    closesAt: date(wire.closes_at),
    closed: Boolean(wire.closed),
    shared: Boolean(wire.shared),
    mine: wire.mine ?? null,
    results: toResults(wire.results),
  };
}

// the `polls` event, and `polls` of the joined snapshot (null where no polls run)
export function toPolls(wire) {
  if (!wire || !Array.isArray(wire.polls)) return null;
  return {
    polls: wire.polls.map(toPoll),
    runner: Boolean(wire.runner),
    voter: Boolean(wire.voter),
    boardShown: Boolean(wire.board_shown),
    leaderboard: wire.leaderboard ?? null,
    bank: (wire.bank ?? []).map((draft) => ({ id: draft.draft_id, ...toSpec(draft) })),
  };
}

// a spec as launch_poll takes it
export function specWire(spec) {
  const wire = { question: spec.question, kind: spec.kind, anonymous: Boolean(spec.anonymous) };
  if (spec.kind !== "rating") wire.options = spec.options;
  if (spec.correct?.length) wire.correct = spec.correct;
  if (spec.seconds) wire.seconds = spec.seconds;
  return wire;
}
