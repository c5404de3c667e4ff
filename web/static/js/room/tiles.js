// One tile of the stage: a person's camera (or their initials when it is off) or a shared
// screen, with a caption. Video elements are muted (sound plays from the stage's audio
// elements), autoplay and playsinline, so phones and autoplay rules let them play.

import { element } from "./elements.js";

function initials(name) {
  const letters = [...name.trim()];
  if (letters.length === 0) return "?";
  const words = name.trim().split(/\s+/);
  return words.length > 1 ? (words[0][0] + words.at(-1)[0]).toUpperCase() : letters[0].toUpperCase();
}

export class Tile {
  constructor({ key, participantId, screen }) {
    this.key = key;
    this.participantId = participantId;
    this.screen = screen;
    this.track = null;
    this.video = element("video", { attrs: { autoplay: "", playsinline: "", muted: "" } });
    this.video.muted = true;
    this.avatar = element("span", { className: "avatar", attrs: { "aria-hidden": "true" } });
    this.name = element("span", { className: "tile-name" });
    this.micOff = element("span", { className: "tile-mic-off", text: "🔇", attrs: { hidden: "" } });
    this.root = element(
      "figure",
      { className: screen ? "tile screen" : "tile", data: { participantId, tile: key } },
      this.video,
      this.avatar,
      element("figcaption", {}, this.name, this.micOff),
    );
  }

  setTrack(track) {
    if (track === this.track) return;
    this.track = track;
    this.video.srcObject = track === null ? null : new MediaStream([track]);
    if (track !== null) this.video.play().catch(() => {}); // autoplay takes over when allowed
  }

  // {name, caption, showVideo, micOff, mine, speaking, featured}
  render(view) {
    this.name.textContent = view.caption;
    this.avatar.textContent = initials(view.name);
    this.micOff.hidden = !view.micOff;
    this.micOff.title = view.micOffLabel ?? "";
    this.root.classList.toggle("no-video", !view.showVideo);
    this.root.classList.toggle("mine", view.mine);
    this.root.classList.toggle("speaking", view.speaking);
    this.root.classList.toggle("featured", view.featured);
  }

  remove() {
    this.video.srcObject = null;
    this.root.remove();
  }
}
