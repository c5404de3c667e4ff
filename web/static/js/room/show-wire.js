// A roadshow's `show` payload (PROTOCOL.md, "Run of show") as a plain page object. Used by
// connection.js, the one script that knows the wire.

const date = (text) => (text ? new Date(text) : null);

function toStage(wire) {
  if (!wire) return null;
  return { key: wire.key, slotId: wire.slot_id, phase: wire.phase, begins: date(wire.begins), ends: date(wire.ends) };
}

export function toShow(wire) {
  if (!wire) return null;
  return {
    started: Boolean(wire.started),
    over: Boolean(wire.over),
    start: date(wire.start),
    stage: toStage(wire.stage),
    warnAt: date(wire.warn_at),
    onStage: wire.on_stage ?? [],
    next: toStage(wire.next),
    slots: (wire.slots ?? []).map((s) => ({
      id: s.slot_id,
      titleZh: s.title_zh,
      titleEn: s.title_en,
      founder: s.founder,
      pitchSeconds: s.pitch_seconds,
      qaSeconds: s.qa_seconds,
      achievementId: s.achievement_id ?? "",
    })),
  };
}

// a roadshow's interest in pitches (PROTOCOL.md, "Interest in pitches"): this person's own
// marks and notes by pitch, and the counts (moderators only)
export function toInterest(wire) {
  if (!wire) return null;
  const mine = {};
  for (const [itemId, mark] of Object.entries(wire.mine ?? {})) {
    mine[itemId] = { interested: Boolean(mark.interested), note: String(mark.note ?? "") };
  }
  return { mine, counts: wire.counts ? { ...wire.counts } : null };
}
