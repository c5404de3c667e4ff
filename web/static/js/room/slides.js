// Slides on the stage (PROTOCOL.md, "Slides"): the deck the room shows, drawn with pdf.js
// as large as the stage allows (contained, drawn again sharp after each change of size), at
// the page the server says. The cameras go small in a strip beside the deck or under it,
// whichever leaves the deck bigger (the stage's data-cameras, --cameras; room.css); the
// deck's controls are one row at its foot. A presenter or a host (`publish_screen`) uploads
// a deck, turns its pages (the bar's buttons; Left/Right or PageUp/PageDown outside a text
// field) and points at it; everyone else follows and sees the page it is at. The server
// keeps the deck and its page: a late joiner or a reconnect opens where the room is. Shown
// only where the page has #slides.
//
//   const slides = setupSlides({ csrfToken, sessionId });  // null without #slides
//   slides?.attach(connection);

import { openPdf } from "../pdf-viewer.js";

const POINTER_MS = 50; // at most this often a pointer goes out
const CONTROLS_MARGIN = 8; // px between the page and its controls, or the stage's edge
const TURN_KEYS = { ArrowLeft: -1, PageUp: -1, ArrowRight: 1, PageDown: 1 };
const byId = (id) => document.getElementById(id);

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

const clamp = (low, value, high) => Math.min(Math.max(value, low), high);

// The cameras' strip for a stage of this size showing a page of this shape (width / height):
// a column beside the deck or a row under it, whichever lets the deck be larger; its size
// in CSS pixels (rem: the root's font size; pad: the deck's own padding, both sides).
function camerasStrip({ width, height, aspect, rem, pad }) {
  const column = clamp(8 * rem, 0.24 * width, 14 * rem);
  const row = clamp(4.5 * rem, 0.2 * height, 8 * rem);
  const deckWidth = (w, h) => Math.max(0, Math.min(w, h * aspect));
  const beside = deckWidth(width - column - pad, height - pad);
  const below = deckWidth(width - pad, height - row - pad);
  return below > beside ? { cameras: "below", size: row } : { cameras: "beside", size: column };
}

export class SlidesView {
  #room = null;
  #deck = null; // what the server says is shown
  #viewer = null; // pdf.js on #slides-page, for #openFile
  #openFile = null;
  #opening = Promise.resolve();
  #presenter = false;
  #pointedAt = 0;
  #focused = null; // the page-turning button the keyboard's focus was last on

  constructor(el, { csrfToken, sessionId }) {
    this.el = el;
    this.csrfToken = csrfToken;
    this.sessionId = sessionId;
    this.#bind();
    new ResizeObserver(() => this.#arrange()).observe(el.stage);
  }

  attach(room) {
    this.#room = room;
    room.on("joined", (snapshot) => {
      this.#presenter = snapshot.capabilities.has("publish_screen");
      this.#show(snapshot.slides);
    });
    room.on("you", ({ capabilities }) => {
      this.#presenter = capabilities.has("publish_screen");
      this.#render();
    });
    room.on("slides", (deck) => this.#show(deck));
    room.on("slide_pointer", (pointer) => this.#point(pointer));
  }

  #fileUrl(fileId) {
    return `/sessions/${this.sessionId}/slides/${fileId}/file`;
  }

  #bind() {
    const { prev, next, upload, page, stop } = this.el;
    prev.addEventListener("click", () => this.#turn(-1));
    next.addEventListener("click", () => this.#turn(1));
    for (const button of [prev, next]) button.addEventListener("focus", () => (this.#focused = button));
    stop.addEventListener("click", () => this.#room?.slidesStop());
    upload.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#upload();
    });
    document.addEventListener("keydown", (event) => {
      if (!this.#presenter || !this.#deck || this.el.view.hidden || event.defaultPrevented || event.isComposing) return;
      if (typing(event.target) || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      if (document.querySelector("dialog[open]")) return;
      const step = TURN_KEYS[event.key];
      if (!step) return;
      event.preventDefault();
      this.#turn(step);
    });
    page.addEventListener("pointermove", (event) => this.#pointerMoved(event));
  }

  #turn(step) {
    if (!this.#deck) return;
    const wanted = this.#deck.page + step;
    if (wanted >= 1 && wanted <= this.#deck.pages) this.#room?.slidePage(wanted);
  }

  #pointerMoved(event) {
    const canvas = this.#viewer?.canvas;
    if (!this.#presenter || !canvas || Date.now() - this.#pointedAt < POINTER_MS) return;
    const box = canvas.getBoundingClientRect();
    const x = (event.clientX - box.left) / box.width;
    const y = (event.clientY - box.top) / box.height;
    if (x < 0 || x > 1 || y < 0 || y > 1) return;
    this.#pointedAt = Date.now();
    this.#room?.slidePointer(x, y);
  }

  #point({ x, y, page }) {
    const { pointer, page: box } = this.el;
    const canvas = this.#viewer?.canvas;
    if (!canvas || !this.#deck || page !== this.#deck.page) return;
    pointer.style.left = `${canvas.offsetLeft + x * canvas.offsetWidth}px`;
    pointer.style.top = `${canvas.offsetTop + y * canvas.offsetHeight}px`;
    pointer.hidden = false;
    clearTimeout(this.pointerTimer);
    this.pointerTimer = setTimeout(() => (pointer.hidden = true), 3000);
    box.append(pointer);
  }

  #show(deck) {
    this.#deck = deck;
    this.el.pointer.hidden = true;
    this.#render();
    this.#opening = this.#opening.then(() => this.#draw()).catch((error) => console.error("could not show the slides", error));
  }

  // the pdf.js viewer on the deck shown, at its page (one drawing after another)
  async #draw() {
    const deck = this.#deck;
    if (!deck) {
      this.#viewer?.close();
      this.#viewer = this.#openFile = null;
      this.el.page.replaceChildren();
      this.el.page.dataset.page = "0";
      return;
    }
    if (this.#openFile !== deck.fileId) {
      this.#viewer?.close();
      this.#openFile = deck.fileId;
      this.#viewer = await openPdf(this.el.page, this.#fileUrl(deck.fileId), { page: deck.page, fit: "contain" });
      this.#viewer.onpage = (page) => (this.el.page.dataset.page = String(page));
      this.#viewer.onsize = (canvas) => this.#placeControls(canvas);
      this.el.page.dataset.page = String(this.#viewer.page);
      this.#placeControls(this.#viewer.canvas);
      this.#arrange();
    } else if (this.#viewer.page !== deck.page) {
      await this.#viewer.goTo(deck.page);
    }
  }

  // the cameras beside the deck or under it, as leaves the deck larger (room.css)
  #arrange() {
    const { stage, root } = this.el;
    if (!this.#deck) {
      delete stage.dataset.cameras;
      stage.style.removeProperty("--cameras");
      return;
    }
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    const pad = 2 * (parseFloat(getComputedStyle(root).paddingTop) || 0);
    const { cameras, size } = camerasStrip({
      width: stage.clientWidth, height: stage.clientHeight, aspect: this.#viewer?.aspect ?? 4 / 3, rem, pad,
    });
    stage.dataset.cameras = cameras;
    stage.style.setProperty("--cameras", `${Math.floor(size)}px`);
  }

  // the controls just under the page where there is room for them, else over its foot
  #placeControls(canvas = this.#viewer?.canvas) {
    const { root, controls } = this.el;
    if (!canvas?.isConnected || controls.hidden) return;
    const below = root.getBoundingClientRect().bottom - canvas.getBoundingClientRect().bottom;
    const height = controls.offsetHeight;
    const under = below >= height + 2 * CONTROLS_MARGIN;
    const bottom = under ? below - CONTROLS_MARGIN - height : below + CONTROLS_MARGIN;
    controls.style.bottom = `${Math.round(Math.max(bottom, CONTROLS_MARGIN))}px`;
  }

  #render() {
    const { root, stage, controls, position, download, prev, next, stop, upload, name } = this.el;
    const deck = this.#deck;
    root.hidden = !deck && !this.#presenter;
    stage.classList.toggle("with-slides", Boolean(deck));
    this.#arrange();
    this.el.view.hidden = !deck;
    upload.hidden = !this.#presenter;
    controls.hidden = !deck;
    for (const button of [prev, next, stop]) button.hidden = !this.#presenter;
    if (!deck) return;
    name.textContent = deck.name;
    name.title = deck.name;
    position.textContent = position.dataset.template.replace("{page}", deck.page).replace("{pages}", deck.pages);
    prev.disabled = deck.page <= 1;
    next.disabled = deck.page >= deck.pages;
    // a button disabled under the keyboard's focus hands it to the other one
    const focus = document.activeElement;
    if (this.#focused?.disabled && (focus === this.#focused || focus === document.body)) {
      (this.#focused === prev ? next : prev).focus();
    }
    download.hidden = !(deck.downloadable || this.#presenter);
    download.href = `${this.#fileUrl(deck.fileId)}?download=1`;
    this.#placeControls();
  }

  async #upload() {
    const { upload, file, downloadable, uploadError, uploadButton } = this.el;
    uploadError.hidden = true;
    uploadButton.disabled = true;
    try {
      const body = new FormData();
      body.append("file", file.files[0]);
      // ?session= makes HAProxy send it to the process that holds the room (as the room's connection)
      const query = `?session=${encodeURIComponent(this.sessionId)}${downloadable.checked ? "&downloadable=1" : ""}`;
      const response = await fetch(`/sessions/${this.sessionId}/slides${query}`, {
        method: "POST", headers: { "X-CSRF-Token": this.csrfToken }, body, credentials: "same-origin",
      });
      if (response.ok) {
        upload.reset();
        return;
      }
      uploadError.textContent = (await response.json()).error.message;
    } catch (failure) {
      console.warn("the upload failed", failure);
      uploadError.textContent = upload.dataset.failed;
    } finally {
      uploadButton.disabled = false;
    }
    uploadError.hidden = false;
  }
}

export function setupSlides({ csrfToken, sessionId }) {
  const root = byId("slides");
  if (root === null) return null;
  const el = {
    root, stage: byId("stage"), view: byId("slides-view"), page: byId("slides-page"), pointer: byId("slides-pointer"),
    controls: byId("slides-controls"), name: byId("slides-name"), position: byId("slides-position"),
    prev: byId("slides-prev"), next: byId("slides-next"), stop: byId("slides-stop"), download: byId("slides-download"),
    upload: byId("slides-upload"), file: byId("slides-file"), downloadable: byId("slides-downloadable"),
    uploadButton: byId("slides-upload-button"), uploadError: byId("slides-upload-error"),
  };
  return new SlidesView(el, { csrfToken, sessionId });
}
