// The Q&A's payloads (PROTOCOL.md, "Questions") as plain page objects: camelCase names,
// Dates for times. Used by connection.js, the one script that knows the wire.

export function toQuestion(wire) {
  return {
    id: wire.question_id,
    text: wire.text,
    name: wire.name ?? null,
    anonymous: Boolean(wire.anonymous),
    state: wire.state,
    votes: wire.votes ?? 0,
    voted: Boolean(wire.voted),
    mine: Boolean(wire.mine),
    askedAt: new Date(wire.asked_at),
    slotId: wire.slot_id ?? null, // a roadshow's pitch on stage when it was asked
  };
}

export function toQaSettings(wire) {
  return { anonymous: Boolean(wire?.anonymous), premoderated: Boolean(wire?.premoderated), pinned: wire?.pinned ?? null };
}

// `questions` of the joined snapshot (null where the room has no Q&A)
export function toQuestions(wire) {
  if (!wire || !Array.isArray(wire.list)) return null;
  return { settings: toQaSettings(wire.settings), list: wire.list.map(toQuestion) };
}
