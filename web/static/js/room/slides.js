// Slides on the stage (PROTOCOL.md, "Slides"): the deck the room shows, drawn with pdf.js
// big on the stage (the cameras beside it, small), at the page the server says. A presenter
// or a host (`publish_screen`) uploads a deck, turns its pages (buttons, the arrow keys) and
// points at it; everyone else follows. The server keeps the deck and its page: a late joiner
// or a reconnect opens where the room is. Shown only where the page has #slides.
//
//   const slides = setupSlides({ csrfToken, sessionId });  // null without #slides
//   slides?.attach(connection);

import { openPdf } from "../pdf-viewer.js";

const POINTER_MS = 50; // at most this often a pointer goes out
const byId = (id) => document.getElementById(id);

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

export class SlidesView {
  #room = null;
  #deck = null; // what the server says is shown
  #viewer = null; // pdf.js on #slides-page, for #openFile
  #openFile = null;
  #opening = Promise.resolve();
  #presenter = false;
  #pointedAt = 0;

  constructor(el, { csrfToken, sessionId }) {
    this.el = el;
    this.csrfToken = csrfToken;
    this.sessionId = sessionId;
    this.#bind();
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
    stop.addEventListener("click", () => this.#room?.slidesStop());
    upload.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#upload();
    });
    document.addEventListener("keydown", (event) => {
      if (!this.#presenter || !this.#deck || typing(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;
      const step = { ArrowLeft: -1, ArrowUp: -1, PageUp: -1, ArrowRight: 1, ArrowDown: 1, PageDown: 1 }[event.key];
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
      this.#viewer = await openPdf(this.el.page, this.#fileUrl(deck.fileId), { page: deck.page });
      this.#viewer.onpage = (page) => (this.el.page.dataset.page = String(page));
      this.el.page.dataset.page = String(this.#viewer.page);
    } else if (this.#viewer.page !== deck.page) {
      await this.#viewer.goTo(deck.page);
    }
  }

  #render() {
    const { root, stage, controls, position, download, prev, next, stop, upload, name } = this.el;
    const deck = this.#deck;
    root.hidden = !deck && !this.#presenter;
    stage.classList.toggle("with-slides", Boolean(deck));
    this.el.view.hidden = !deck;
    upload.hidden = !this.#presenter;
    controls.hidden = !deck;
    for (const button of [prev, next, stop]) button.hidden = !this.#presenter;
    if (!deck) return;
    name.textContent = deck.name;
    position.textContent = position.dataset.template.replace("{page}", deck.page).replace("{pages}", deck.pages);
    prev.disabled = deck.page <= 1;
    next.disabled = deck.page >= deck.pages;
    download.hidden = !(deck.downloadable || this.#presenter);
    download.href = `${this.#fileUrl(deck.fileId)}?download=1`;
  }

  async #upload() {
    const { upload, file, downloadable, uploadError, uploadButton } = this.el;
    uploadError.hidden = true;
    uploadButton.disabled = true;
    try {
      const body = new FormData();
      body.append("file", file.files[0]);
      const query = downloadable.checked ? "?downloadable=1" : "";
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
