// A PDF on a page: pdf.js (npm pdfjs-dist, served at /static/vendor/pdfjs/) renders one
// page at a time onto a canvas fitted to its container: to its width (a document read by
// scrolling), or contained in it (`fit: "contain"`: as large as fits in both directions,
// keeping the page's shape, centred by the container's own CSS; slides on a stage). After a
// change of the container's size or of the screen's density the page is stretched to the
// new size at once and drawn again sharp (devicePixelRatio pixels per CSS pixel). Nothing
// here knows which page of the site it is on; the page's own script adds the buttons and
// the words.
//
//   const viewer = await openPdf(container, "/files/…", { page: 1, fit: "width" });
//   viewer.page, viewer.pages        // the current page (from 1) and how many there are
//   viewer.aspect                    // the current page's width / height
//   await viewer.next(); await viewer.prev(); await viewer.goTo(7);
//   viewer.onpage = (page) => …      // after each change of page is shown, whatever caused it
//   viewer.onsize = (canvas) => …    // after the page's size on screen changed (drawn or stretched)
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

export async function openPdf(container, url, { page = 1, fit = "width" } = {}) {
  const loading = pdfjs.getDocument({
    url,
    isEvalSupported: false,
    useWasm: false,  // nor WebAssembly: pdf.js's JavaScript decoders take over
    cMapUrl: `${VENDOR}cmaps/`,  // text in CJK fonts the file does not embed
    cMapPacked: true,
    standardFontDataUrl: `${VENDOR}standard_fonts/`,
  });
  const pdf = await loading.promise;
  const viewer = new PdfViewer(container, loading, pdf, fit);
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
  #fit;
  #box = "";  // the container's size ("width" or "width×height") the page was fitted to
  #density = null;  // a media query that stops matching when devicePixelRatio changes
  #natural = null;  // the size of the page drawn at scale 1

  constructor(container, loading, pdf, fit) {
    this.#container = container;
    this.#loading = loading;
    this.#pdf = pdf;
    this.#fit = fit;
    this.page = 0;
    this.pages = pdf.numPages;
    this.onpage = null;
    this.onsize = null;
    this.canvas = null;  // the canvas showing the current page
    this.#resizes = new ResizeObserver(() => this.#resized());
    this.#resizes.observe(container);
    this.#watchDensity();
  }

  get aspect() {
    return this.#natural ? this.#natural.width / this.#natural.height : null;
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
    this.#density?.removeEventListener("change", this.#densityChanged);
    this.#task?.cancel();
    this.#loading.destroy();
  }

  // the container's size as the fit sees it (a fit to width ignores the height)
  #boxKey() {
    const { clientWidth, clientHeight } = this.#container;
    return this.#fit === "contain" ? `${clientWidth}×${clientHeight}` : String(clientWidth);
  }

  // the scale that fits a page of this natural size to the container (1 while it has none)
  #scaleFor(natural) {
    const { clientWidth: width, clientHeight: height } = this.#container;
    if (width <= 0) return 1;
    if (this.#fit !== "contain") return width / natural.width;
    if (height <= 0) return 1;
    return Math.min(width / natural.width, height / natural.height);
  }

  #resized() {
    if (this.#boxKey() === this.#box || this.page === 0) return;
    this.#stretch();
    this.fitWidth().catch((error) => console.error("could not draw the page again", error));
  }

  // the page shown stretched to the new size until it is drawn again at it
  #stretch() {
    if (!this.canvas || !this.#natural) return;
    this.#place(this.canvas, this.#scaleFor(this.#natural));
  }

  #place(canvas, scale) {
    canvas.style.width = `${Math.floor(this.#natural.width * scale)}px`;
    canvas.style.height = `${Math.floor(this.#natural.height * scale)}px`;
    if (canvas === this.canvas) this.onsize?.(canvas);
  }

  // drawn again when the screen's density changes (a zoom, a window moved to another screen)
  #densityChanged = () => {
    this.#watchDensity();
    if (this.page === 0 || this.#closed) return;
    this.fitWidth().catch((error) => console.error("could not draw the page again", error));
  };

  #watchDensity() {
    this.#density?.removeEventListener("change", this.#densityChanged);
    this.#density = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    this.#density.addEventListener("change", this.#densityChanged);
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
    this.onsize?.(canvas);
    return true;
  }

  // A new canvas for the page fitted to the container (the page's own size when the
  // container has none, e.g. while hidden), sharp on high-density screens.
  #canvasFor(pdfPage) {
    const natural = pdfPage.getViewport({ scale: 1 });
    this.#natural = { width: natural.width, height: natural.height };
    this.#box = this.#boxKey();
    const scale = this.#scaleFor(natural);
    const density = window.devicePixelRatio || 1;
    const viewport = pdfPage.getViewport({ scale: scale * density });
    const canvas = document.createElement("canvas");
    canvas.className = "pdf-page";
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    this.#place(canvas, scale);
    return { canvas, viewport };
  }
}
