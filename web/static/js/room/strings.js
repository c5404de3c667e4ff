// The page's strings in the viewer's language, rendered by the server into
// <ul id="room-strings" hidden><li data-key="...">text</li></ul>; {name} placeholders are
// filled in here. A missing key shows the key, so a gap is visible rather than silent.

const strings = new Map();

export function loadStrings(root) {
  for (const item of root.querySelectorAll("[data-key]")) {
    strings.set(item.dataset.key, item.textContent);
  }
}

export function t(key, params = {}) {
  const text = strings.get(key) ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export function roleLabel(role) {
  return strings.has(`role_${role}`) ? t(`role_${role}`) : role;
}
