// The file viewer page (web/templates/viewer.html): a PDF through pdf-viewer.js with
// previous/next buttons, a page field and the arrow keys; an image is shown as it is.

import { openPdf } from "/static/js/pdf-viewer.js";

const root = document.getElementById("viewer");
const status = document.getElementById("viewer-status");

function showPages(viewer) {
  const field = document.getElementById("viewer-page");
  const prev = document.getElementById("viewer-prev");
  const next = document.getElementById("viewer-next");
  document.getElementById("viewer-count").textContent = String(viewer.pages);
  field.max = String(viewer.pages);
  const update = (page) => {
    field.value = String(page);
    prev.disabled = page <= 1;
    next.disabled = page >= viewer.pages;
  };
  viewer.onpage = update;
  update(viewer.page);
  prev.addEventListener("click", () => viewer.prev());
  next.addEventListener("click", () => viewer.next());
  field.addEventListener("change", () => viewer.goTo(field.value));
  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLInputElement || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowRight" || event.key === "PageDown") viewer.next();
    if (event.key === "ArrowLeft" || event.key === "PageUp") viewer.prev();
  });
  document.querySelector(".viewer-pages").hidden = false;
}

async function start() {
  const view = document.getElementById("viewer-view");
  if (root.dataset.mediaType !== "application/pdf") {
    status.hidden = true;
    return;
  }
  try {
    const viewer = await openPdf(view, root.dataset.fileUrl, { page: Number(root.dataset.page) });
    showPages(viewer);
    status.hidden = true;
  } catch (error) {
    console.warn("the PDF could not be shown", error);
    status.hidden = true;
    document.getElementById("viewer-failed").hidden = false;
  }
}

start();
