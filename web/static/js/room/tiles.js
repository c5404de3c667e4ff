// One tile of the stage: a person's camera (or their initials when it is off) or a shared
// screen, with its caption (microphone, name, role), its network quality, whether it is
// pinned, and a menu (pin; a host's controls for that person). Video elements are muted
// (sound plays from the stage's audio elements), autoplay and playsinline, so phones and
// autoplay rules let them play.

import { element } from "./elements.js";
import { t } from "./strings.js";

function initials(name) {
  const letters = [...name.trim()];
  if (letters.length === 0) return "?";
  const words = name.trim().split(/\s+/);
  return words.length > 1 ? (words[0][0] + words.at(-1)[0]).toUpperCase() : letters[0].toUpperCase();
}

const icon = (name) => element("span", { className: `icon icon-${name}`, attrs: { "aria-hidden": "true" } });

// the tile whose menu is open (one at a time)
let openTile = null;
document.addEventListener("click", (event) => {
  if (openTile && !openTile.root.contains(event.target)) openTile.closeMenu();
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && openTile) {
    const tile = openTile;
    tile.closeMenu();
    tile.menuButton.focus();
    event.stopPropagation();
  }
}, true);

export class Tile {
  // menuItems(tile) -> [<button>...]: what the menu offers now (built when it opens)
  constructor({ key, participantId, screen, menuItems = () => [] }) {
    this.key = key;
    this.participantId = participantId;
    this.screen = screen;
    this.track = null;
    this.menuItems = menuItems;
    this.video = element("video", { attrs: { autoplay: "", playsinline: "", muted: "" } });
    this.video.muted = true;
    this.avatar = element("span", { className: "avatar", attrs: { "aria-hidden": "true" } });
    this.name = element("span", { className: "tile-name" });
    this.role = element("span", { className: "badge tile-role", attrs: { hidden: "" } });
    this.micOff = element("span", { className: "tile-mic-off", attrs: { hidden: "", role: "img" } }, icon("mic-off"));
    this.pin = element("span", { className: "tile-pin", attrs: { hidden: "", role: "img" } }, icon("pin"));
    this.quality = element("span", { className: "tile-quality", attrs: { hidden: "", role: "img" } }, icon("signal"));
    this.menuBox = element("div", { className: "tile-menu", attrs: { role: "group", hidden: "" } });
    this.menuButton = element(
      "button",
      { className: "tile-menu-button", attrs: { type: "button", "aria-expanded": "false" } },
      icon("ellipsis"),
    );
    this.menuBox.id = `tile-menu-${key.replace(/[^\w-]/g, "_")}`;
    this.menuButton.setAttribute("aria-controls", this.menuBox.id);
    this.menuButton.addEventListener("click", () => (this.menuBox.hidden ? this.openMenu() : this.closeMenu()));
    this.root = element(
      "figure",
      { className: screen ? "tile screen" : "tile", data: { participantId, tile: key } },
      this.video,
      this.avatar,
      element("span", { className: "tile-status" }, this.pin, this.quality),
      this.menuButton,
      this.menuBox,
      element("figcaption", {}, this.micOff, this.name, this.role),
    );
  }

  setTrack(track) {
    if (track === this.track) return;
    this.track = track;
    this.video.srcObject = track === null ? null : new MediaStream([track]);
    if (track !== null) this.video.play().catch(() => {}); // autoplay takes over when allowed
  }

  openMenu() {
    openTile?.closeMenu();
    const items = this.menuItems(this);
    if (items.length === 0) return;
    this.menuBox.replaceChildren(...items);
    for (const item of items) item.addEventListener(item.tagName === "SELECT" ? "change" : "click", () => this.closeMenu());
    this.menuBox.hidden = false;
    this.#placeMenu();
    this.menuButton.setAttribute("aria-expanded", "true");
    this.root.classList.add("menu-open");
    openTile = this;
    items[0].focus();
  }

  // the menu floats over the stage under its button (position: fixed, whose containing block
  // is the stage: its CSS container), flipped up when there is no room below
  #placeMenu() {
    const frame = (this.root.closest(".stage") ?? document.documentElement).getBoundingClientRect();
    const at = this.menuButton.getBoundingClientRect();
    const box = this.menuBox.getBoundingClientRect();
    const margin = 8;
    const below = at.bottom + 4 - frame.top;
    const fitsBelow = below + box.height <= frame.height - margin;
    const top = fitsBelow ? below : Math.max(margin, at.top - 4 - box.height - frame.top);
    const left = Math.min(Math.max(margin, at.right - box.width - frame.left), frame.width - box.width - margin);
    this.menuBox.style.top = `${top}px`;
    this.menuBox.style.left = `${Math.max(margin, left)}px`;
  }

  closeMenu() {
    this.menuBox.hidden = true;
    this.menuBox.replaceChildren();
    this.menuButton.setAttribute("aria-expanded", "false");
    this.root.classList.remove("menu-open");
    if (openTile === this) openTile = null;
  }

  // {name, caption, role, showVideo, micOff, mine, speaking, featured, pinned, quality}
  render(view) {
    this.name.textContent = view.caption;
    this.avatar.textContent = initials(view.name);
    this.micOff.hidden = !view.micOff;
    this.micOff.setAttribute("aria-label", view.micOffLabel ?? t("mic_off"));
    this.micOff.title = view.micOffLabel ?? "";
    this.role.hidden = !view.role;
    this.role.textContent = view.role ?? "";
    this.pin.hidden = !view.pinned;
    this.pin.setAttribute("aria-label", t("pinned"));
    this.pin.title = t("pinned");
    const quality = view.quality ?? null;
    this.quality.hidden = quality === null;
    if (quality !== null) {
      this.quality.className = `tile-quality quality-${quality}`;
      const label = t(`network_${quality}`);
      this.quality.setAttribute("aria-label", label);
      this.quality.title = label;
      this.quality.firstChild.className = `icon icon-${{ good: "signal-high", fair: "signal-medium", poor: "signal-low" }[quality]}`;
    }
    this.menuButton.setAttribute("aria-label", t("tile_menu", { name: view.name }));
    this.menuButton.title = t("tile_menu", { name: view.name });
    this.root.classList.toggle("no-video", !view.showVideo);
    this.root.classList.toggle("mine", view.mine);
    this.root.classList.toggle("speaking", view.speaking);
    this.root.classList.toggle("featured", view.featured);
    this.root.classList.toggle("pinned", Boolean(view.pinned));
    this.root.classList.toggle("mic-off", Boolean(view.micOff));
  }

  remove() {
    if (openTile === this) this.closeMenu();
    this.video.srcObject = null;
    this.root.remove();
  }
}
