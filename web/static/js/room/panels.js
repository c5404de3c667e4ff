// The room's side panels (chat, people, hands, host controls, help and the kind's own: Q&A,
// polls, review, judging, interest, breakouts, signing): one open at a time, beside the stage
// on a laptop and as a bottom sheet on a phone (room.css); each opened and closed by its
// toolbar button ([data-opens=<name>]), which carries its unread count.
//
// A panel is a .room-panel[data-panel=<name>] of #side. Where its content belongs to a
// feature's own script (data-source: the id of that script's section), that section's
// `hidden` says whether the panel exists for this person now; its toolbar button follows.
// data-watch (a selector in the panel): the list whose new items count as unread.
//
//   const panels = new Panels({ side, bar, onChange });
//   panels.open("chat"); panels.toggle("people"); panels.close();
//   panels.setCount("chat", 3);     // a number on the button (0: none)

import { t } from "./strings.js";

const WIDE = "(min-width: 1024px)"; // beside the stage, wide enough to keep one open from the start

export class Panels {
  #panels = new Map(); // name -> {root, source, button, label}
  #open = null;
  #chosen = false; // the person opened or closed a panel: no more automatic opening

  constructor({ side, bar, room, more, moreButton, onChange = () => {} }) {
    Object.assign(this, { side, bar, room, more, moreButton, onChange });
    for (const root of side.querySelectorAll(".room-panel")) {
      const name = root.dataset.panel;
      const button = bar.querySelector(`[data-opens="${name}"]`);
      const source = root.dataset.source ? document.getElementById(root.dataset.source) : null;
      const entry = { root, source, button, label: button?.getAttribute("aria-label") ?? "", count: 0, unread: false };
      this.#panels.set(name, entry);
      button?.addEventListener("click", () => {
        this.#chosen = true;
        this.toggle(name, { focus: true });
        this.closeMore();
      });
      root.querySelector(".panel-close")?.addEventListener("click", () => {
        this.#chosen = true;
        this.close({ focus: true });
      });
      if (source) new MutationObserver(() => this.#sync(name)).observe(source, { attributes: true, attributeFilter: ["hidden"] });
      if (root.dataset.watch) this.#watch(name, root.querySelector(root.dataset.watch));
      this.#sync(name);
    }
    moreButton?.addEventListener("click", () => this.#setMore(moreButton.getAttribute("aria-expanded") !== "true"));
    document.addEventListener("click", (event) => {
      if (more && !more.contains(event.target) && !moreButton.contains(event.target)) this.closeMore();
    });
  }

  get current() {
    return this.#open;
  }

  available(name) {
    const entry = this.#panels.get(name);
    return Boolean(entry) && !(entry.source?.hidden ?? false);
  }

  // on entering the room: on a laptop, the kind's main panel if there is one, else the chat
  // (a phone keeps the stage whole until the person opens one)
  openDefault(preferred = []) {
    if (this.#chosen || this.#open || !window.matchMedia(WIDE).matches) return;
    const name = [...preferred, "chat"].find((candidate) => this.available(candidate));
    if (name) this.open(name);
  }

  // a panel wants to be seen (a kind's main panel that just became available): opened on a
  // laptop unless the person already chose what to look at, or another main panel is open
  offer(name) {
    if (this.#chosen || !window.matchMedia(WIDE).matches || !this.available(name)) return;
    if (this.#open && this.#panels.get(this.#open).root.dataset.primary !== undefined) return; // one main panel is enough
    this.open(name);
  }

  toggle(name, options = {}) {
    if (this.#open === name) this.close(options);
    else this.open(name, options);
  }

  open(name, { focus = false } = {}) {
    const entry = this.#panels.get(name);
    if (!entry || !this.available(name)) return;
    if (this.#open && this.#open !== name) this.#show(this.#open, false);
    this.#open = name;
    this.#show(name, true);
    if (entry.unread) this.setCount(name, 0);
    if (focus) entry.root.querySelector("textarea:not([disabled]), .panel-close")?.focus();
    this.onChange(name);
  }

  close({ focus = false } = {}) {
    const name = this.#open;
    if (name === null) return;
    this.#open = null;
    this.#show(name, false);
    if (focus) this.#panels.get(name).button?.focus();
    this.onChange(null);
  }

  isOpen(name) {
    return this.#open === name;
  }

  // one more unread item (a message) on a closed panel's button; opening it clears them
  addUnread(name) {
    const entry = this.#panels.get(name);
    if (!entry || this.#open === name) return;
    entry.unread = true;
    this.setCount(name, entry.count + 1);
  }

  // a count on the panel's button: unread messages, raised hands, people
  setCount(name, count) {
    const entry = this.#panels.get(name);
    if (!entry?.button) return;
    entry.count = count;
    const badge = entry.button.querySelector(".count");
    if (!badge) return;
    badge.hidden = count <= 0;
    badge.dataset.count = count > 99 ? "99+" : String(count); // drawn by CSS: the name says it
    const label = count > 0 ? t("count_label", { label: entry.label, count }) : entry.label;
    entry.button.setAttribute("aria-label", label);
    entry.button.dataset.tip = label;
  }

  closeMore() {
    this.#setMore(false);
  }

  #setMore(open) {
    if (!this.moreButton) return;
    this.moreButton.setAttribute("aria-expanded", String(open));
    this.more.classList.toggle("open", open);
  }

  #show(name, open) {
    const entry = this.#panels.get(name);
    entry.root.classList.toggle("open", open);
    entry.button?.setAttribute("aria-expanded", String(open));
    entry.button?.classList.toggle("active", open);
    this.side.classList.toggle("open", this.#open !== null);
    this.room.classList.toggle("side-open", this.#open !== null);
    this.room.dataset.panel = this.#open ?? "";
  }

  // a list of the panel whose new items count as unread while the panel is closed (polls,
  // questions): its scripts draw it afresh each time, so only a longer list counts
  #watch(name, list) {
    if (!list) return;
    let seen = list.children.length;
    new MutationObserver(() => {
      const now = list.children.length;
      for (let added = now - seen; added > 0; added -= 1) this.addUnread(name);
      seen = now;
    }).observe(list, { childList: true });
  }

  // the feature's script showed or hid its section: the button follows; an open panel whose
  // content went away closes
  #sync(name) {
    const entry = this.#panels.get(name);
    const available = this.available(name);
    if (entry.button) entry.button.hidden = !available;
    if (!available && this.#open === name) this.close();
    if (available && entry.root.dataset.primary !== undefined) this.offer(name);
  }
}
