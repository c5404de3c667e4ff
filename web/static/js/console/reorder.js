// Drag a review's items into a new order: <ol data-reorder="<PUT url>" data-csrf="..."
// data-saved="..." data-failed="..."> of <li data-item-id draggable="true">. On drop the
// new order is sent to the REST API; if it is refused (someone changed the items meanwhile)
// the message is shown and the page reloads. The arrow buttons do the same without a script.

const list = document.querySelector("ol[data-reorder]");
const status = document.querySelector(".reorder-status");
let dragged = null;
let before = [];

function order() {
  return [...list.querySelectorAll("li[data-item-id]")].map((li) => li.dataset.itemId);
}

function say(text) {
  if (status === null) return;
  status.textContent = text;
  status.hidden = false;
}

function renumber() {
  list.querySelectorAll("li[data-item-id] .position").forEach((badge, n) => {
    badge.textContent = String(n + 1);
  });
}

async function refusal(response) {
  try {
    return (await response.json()).error.message;
  } catch {
    return list.dataset.failed;
  }
}

async function save(itemIds) {
  let response;
  try {
    response = await fetch(list.dataset.reorder, {
      method: "PUT",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": list.dataset.csrf },
      body: JSON.stringify({ item_ids: itemIds }),
      credentials: "same-origin",
    });
  } catch (error) {
    console.warn("the order could not be sent", error);
    say(list.dataset.failed);
    setTimeout(() => window.location.reload(), 2500);
    return;
  }
  if (response.ok) {
    renumber();
    say(list.dataset.saved);
    return;
  }
  say(await refusal(response));
  setTimeout(() => window.location.reload(), 2500);
}

function onDragOver(event) {
  const target = event.target.closest("li[data-item-id]");
  if (dragged === null || target === null || target === dragged) return;
  event.preventDefault();
  const box = target.getBoundingClientRect();
  const after = event.clientY > box.top + box.height / 2;
  target.parentNode.insertBefore(dragged, after ? target.nextSibling : target);
}

if (list !== null) {
  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("li[data-item-id]");
    before = order();
    event.dataTransfer.effectAllowed = "move";
    dragged?.classList.add("dragging");
  });
  list.addEventListener("dragover", onDragOver);
  list.addEventListener("drop", (event) => event.preventDefault());
  list.addEventListener("dragend", () => {
    dragged?.classList.remove("dragging");
    dragged = null;
    const after = order();
    if (after.join() !== before.join()) save(after);
  });
}
