// Active time: tell the server whether this tab is seen — on entering the room, whenever
// the tab is shown or hidden, and every BEAT_MS while it is shown (PROTOCOL.md,
// `attention`). The server keeps the time by its own clock; a tab that stops beating stops
// counting.

const BEAT_MS = 30_000;

export function watchAttention(connection, doc = document) {
  const beat = () => connection.sendAttention(doc.visibilityState === "visible");
  connection.on("joined", beat);
  doc.addEventListener("visibilitychange", beat);
  const timer = setInterval(() => doc.visibilityState === "visible" && beat(), BEAT_MS);
  return () => {
    clearInterval(timer);
    doc.removeEventListener("visibilitychange", beat);
  };
}
