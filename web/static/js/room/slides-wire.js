// The slides' payloads (PROTOCOL.md, "Slides") as plain page objects. Used by connection.js,
// the one script that knows the wire.

// the `slides` payload (and the snapshot's) as a page object, or null when none is shown
export function toSlides(wire) {
  if (!wire || !wire.file_id) return null;
  return { fileId: wire.file_id, name: wire.name, pages: wire.pages, page: wire.page, downloadable: Boolean(wire.downloadable) };
}

export function toPointer(wire) {
  return { id: wire.participant_id, x: wire.x, y: wire.y, page: wire.page };
}
