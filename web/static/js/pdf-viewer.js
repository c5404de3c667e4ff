// A PDF on a page: pdf.js (npm pdfjs-dist, served at /static/vendor/pdfjs/) renders one
// page at a time onto a canvas fitted to the width of its container. Nothing here knows
// which page of the site it is on; the page's own script adds the buttons and the words.
//
//   const viewer = await openPdf(container, "/files/…", { page: 1 });
//   viewer.page, viewer.pages        // the current page (from 1) and how many there are
//   await viewer.next(); await viewer.prev(); await viewer.goTo(7);
//   viewer.onpage = (page) => …      // after each change of page is shown, whatever caused it
//   viewer.fitWidth();               // again, after a change the container did not report
//   viewer.close();
//
// The document is read with range requests where the server allows them (large files open
// at their first page without waiting for the rest). The site's Content-Security-Policy
// allows no eval and no WebAssembly, so pdf.js is told not to try them. openPdf rejects
// when the file cannot be had or is no PDF.

import * as pdfjs from "/static/vendor/pdfjs/build/pdf.min.mjs";

const VENDOR = "/static/vendor/pdfjs/";
pdfjs.GlobalWorkerOptions.workerSrc = `${VENDOR}build/pdf.worker.min.mjs`;

export async function openPdf(container, url, { page = 1 } = {}) {
  const loading = pdfjs.getDocument({
    url,
    isEvalSupported: false,
    useWasm: false,  // nor WebAssembly: pdf.js's JavaScript decoders take over
    cMapUrl: `${VENDOR}cmaps/`,  // text in CJK fonts the file does not embed
    cMapPacked: true,
    standardFontDataUrl: `${VENDOR}standard_fonts/`,
  });
  const pdf = await loading.promise;
  const viewer = new PdfViewer(container, loading, pdf);
  await viewer.goTo(page);
  return viewer;
}

class PdfViewer {
  #container;
  #loading;
  #pdf;
  #turn = 0;  // each render's number: a newer one makes an older one give up...
  #latest = null;  // ...and wait for the newest instead
  #task = null;  // pdf.js's render under way
  #closed = false;
  #shown = 0;  // the page last shown, announced to onpage
  #resizes;
  #width = 0;

  constructor(container, loading, pdf) {
    this.#container = container;
    this.#loading = loading;
    this.#pdf = pdf;
    this.page = 0;
    this.pages = pdf.numPages;
    this.onpage = null;
    this.canvas = null;  // the canvas showing the current page
    this.#resizes = new ResizeObserver(() => this.#resized());
    this.#resizes.observe(container);
  }

  // Show page n (clamped to the document); resolves once the viewer's page is drawn (n,
  // or a page asked for since).
  async goTo(n) {
    const wanted = Math.trunc(Number(n)) || 1;
    this.page = Math.min(Math.max(wanted, 1), this.pages);
    await this.#render();
    if (!this.#closed && this.page !== this.#shown) {
      this.#shown = this.page;
      this.onpage?.(this.page);
    }
  }

  next() {
    return this.goTo(this.page + 1);
  }

  prev() {
    return this.goTo(this.page - 1);
  }

  fitWidth() {
    return this.#render();
  }

  close() {
    this.#closed = true;
    this.#resizes.disconnect();
    this.#task?.cancel();
    this.#loading.destroy();
  }

  #resized() {
    const width = this.#container.clientWidth;
    if (width === this.#width || this.page === 0) return;
    this.fitWidth().catch((error) => console.error("could not draw the page again", error));
  }

  // Draw the current page at the container's width; resolves when the newest drawing asked
  // for is on screen (a page change or a resize during a render replaces it).
  #render() {
    this.#latest = this.#renderTurn(++this.#turn);
    return this.#latest;
  }

  async #renderTurn(turn) {
    this.#task?.cancel();
    const pdfPage = await this.#pdf.getPage(this.page);
    if (turn !== this.#turn || this.#closed) return this.#closed || this.#latest;
    const { canvas, viewport } = this.#canvasFor(pdfPage);
    this.#task = pdfPage.render({ canvasContext: canvas.getContext("2d"), viewport });
    try {
      await this.#task.promise;
    } catch (error) {
      if (!(error instanceof pdfjs.RenderingCancelledException)) throw error;
    }
    if (turn !== this.#turn || this.#closed) return this.#closed || this.#latest;
    this.#container.replaceChildren(canvas);
    this.canvas = canvas;
    return true;
  }

  // A new canvas for the page at the container's width (the page's own width when the
  // container has none, e.g. while hidden), sharp on high-density screens.
  #canvasFor(pdfPage) {
    const natural = pdfPage.getViewport({ scale: 1 });
    this.#width = this.#container.clientWidth;
    const scale = this.#width > 0 ? this.#width / natural.width : 1;
    const density = window.devicePixelRatio || 1;
    const viewport = pdfPage.getViewport({ scale: scale * density });
    const canvas = document.createElement("canvas");
    canvas.className = "pdf-page";
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.style.width = `${Math.floor(natural.width * scale)}px`;
    canvas.style.height = `${Math.floor(natural.height * scale)}px`;
    return { canvas, viewport };
  }
}
