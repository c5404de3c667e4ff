// The room's live stream out (PROTOCOL.md, "Live stream out"): the indicator in the top bar
// (connecting, live since, reconnecting) for everyone, and, where the session allows it, a
// host's form: the ingest's RTMP(S) URL and stream key, start and stop. The key field is
// cleared once sent; the server never sends it back.
//
//   const streaming = setupStreaming();
//   streaming.attach(connection);

import { t } from "./strings.js";

const byId = (id) => document.getElementById(id);

function clock(iso) {
  const at = new Date(iso);
  const lang = document.documentElement.lang || [];
  return Number.isNaN(at.getTime()) ? "" : at.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
}

export function setupStreaming() {
  const flag = byId("flag-streaming");
  const text = byId("flag-streaming-text");
  const form = byId("stream-form");
  let room = null;
  let moderates = false;
  let current = { state: "stopped", liveSince: null };

  function render() {
    const on = current.state !== "stopped";
    flag.hidden = !on;
    flag.dataset.state = current.state;
    if (current.state === "live") text.textContent = t("stream_live", { time: clock(current.liveSince) });
    else if (on) text.textContent = t(`stream_${current.state}`);
    if (!form) return;
    form.hidden = !moderates;
    byId("stream-start").hidden = on;
    byId("stream-stop").hidden = !on;
    for (const input of form.querySelectorAll("input")) input.disabled = on;
  }

  function refused(answer) {
    byId("stream-error").textContent = answer?.error ? answer.error.message || answer.error.code : "";
  }

  form?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = byId("stream-key");
    const answer = await room?.startStream(byId("stream-url").value.trim(), key.value.trim());
    refused(answer);
    if (!answer?.error) key.value = "";
  });
  byId("stream-stop")?.addEventListener("click", async () => refused(await room?.stopStream()));

  return {
    attach(connection) {
      room = connection;
      connection.on("joined", (snapshot) => {
        moderates = snapshot.capabilities.has("moderate");
        current = snapshot.streaming;
        render();
      });
      connection.on("you", ({ capabilities }) => {
        moderates = capabilities.has("moderate");
        render();
      });
      connection.on("streaming", (news) => {
        current = news;
        render();
      });
    },
  };
}
