// The replay page's player. Its media URLs are signed for a few minutes: when one has
// expired (the server answers 410 and the video reports an error), ask the page's
// player.json for fresh ones and go on where it was. The download link is renewed the same
// way when clicked. A chapters track, when there is one, is listed as buttons that seek.

const box = document.querySelector(".player[data-player]");
const video = document.getElementById("replay");
const RETRY_MS = 30_000; // at most one renewal per this long: a refusal is not retried in a loop

async function fresh() {
  const answer = await fetch(box.dataset.player, { credentials: "same-origin", cache: "no-store" });
  return answer.ok ? answer.json() : null;
}

function clock(seconds) {
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function listChapters(track) {
  const nav = document.querySelector("nav.chapters");
  const cues = track.track.cues;
  if (!nav || !cues || cues.length === 0) return;
  const list = nav.querySelector("ol");
  list.replaceChildren();
  for (const cue of cues) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.textContent = `${clock(cue.startTime)} ${cue.text}`;
    button.addEventListener("click", () => {
      video.currentTime = cue.startTime;
      video.play().catch(() => {});
    });
    const item = document.createElement("li");
    item.append(button);
    list.append(item);
  }
  nav.hidden = false;
}

function watchChapters() {
  const track = video.querySelector("track[kind=chapters]");
  if (!track) return;
  track.track.mode = "hidden"; // loaded, not drawn
  track.addEventListener("load", () => listChapters(track));
  if (track.readyState === 2) listChapters(track);
}

function renewOnError() {
  let renewed = 0;
  const renew = async () => {
    if (Date.now() - renewed < RETRY_MS) return;
    renewed = Date.now();
    const at = video.currentTime;
    const playing = !video.paused;
    const urls = await fresh();
    if (!urls) return;
    const track = video.querySelector("track[kind=chapters]");
    if (track && urls.chapters) track.src = urls.chapters;
    video.addEventListener(
      "loadedmetadata",
      () => {
        video.currentTime = at;
        if (playing) video.play().catch(() => {});
      },
      { once: true },
    );
    video.src = urls.video;
  };
  video.addEventListener("error", renew);
  if (video.error) renew(); // it failed before this module ran
}

function renewDownload() {
  const link = document.querySelector("a.download");
  if (!link) return;
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    const urls = await fresh();
    window.location.assign(urls ? urls.download : link.href);
  });
}

if (box && video) {
  watchChapters();
  renewOnError();
  renewDownload();
}
