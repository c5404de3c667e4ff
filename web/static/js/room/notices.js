// The "reconnecting…" banner and short-lived toasts (errors, joins and leaves).

const TOAST_MS = 6000;

export function showBanner(banner, text, { ok = false } = {}) {
  banner.textContent = text;
  banner.classList.toggle("ok", ok);
  banner.hidden = false;
}

export function hideBanner(banner) {
  banner.hidden = true;
  banner.textContent = "";
}

export function toast(container, text, { error = false } = {}) {
  const item = document.createElement("p");
  item.className = error ? "toast error" : "toast";
  item.textContent = text;
  container.append(item);
  setTimeout(() => item.remove(), TOAST_MS);
  return item;
}
