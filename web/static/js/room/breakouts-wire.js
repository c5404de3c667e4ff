// The breakout groups' payloads (PROTOCOL.md, "Breakout groups") as plain page objects:
// camelCase names, Dates for times, Maps of participant id -> group. Used by connection.js,
// the one script that knows the wire.

function date(value) {
  return value ? new Date(value) : null;
}

function places(wire) {
  return new Map(Object.entries(wire ?? {}).filter(([, group]) => Number.isInteger(group)));
}

// the `breakouts` payload (and the snapshot's), or null where the room has no groups
export function toBreakouts(wire) {
  if (!wire || typeof wire.open !== "boolean") return null;
  const broadcast = wire.broadcast ? { text: wire.broadcast.text, name: wire.broadcast.name, at: date(wire.broadcast.at) } : null;
  return {
    open: wire.open,
    round: wire.round ?? 0,
    count: wire.count ?? 0,
    mode: wire.mode ?? "manual",
    endsAt: date(wire.ends_at),
    groups: places(wire.groups),
    visits: places(wire.visits),
    broadcast,
  };
}

export function toBroadcast(wire) {
  return { text: wire.text, name: wire.name, at: date(wire.at) };
}

// where a participant is: a group's number, or 0 for the main room
export function placeOf(breakouts, participantId) {
  if (!breakouts?.open) return 0;
  return breakouts.visits.get(participantId) ?? breakouts.groups.get(participantId) ?? 0;
}

// a chat message's `to` names a breakout group's chat ("group:<round>:<group>")
export function isGroupAudience(to) {
  return typeof to === "string" && to.startsWith("group:");
}
