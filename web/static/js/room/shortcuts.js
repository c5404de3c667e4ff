// The room's keyboard shortcuts (listed in the help panel, room.html): M microphone, V camera,
// H hand, C chat, P people, L leave, ? this list, Esc closes a menu or the panel. Only while
// the room is shown and the person is not typing in a field; never with Ctrl, Alt or Meta
// (the browser's own shortcuts).

const TYPING = "input, textarea, select, [contenteditable=''], [contenteditable='true']";

// keys: {m: () => ..., ...} by lowercase key; escape(): close what is open, true if it did
export function setupShortcuts(room, keys, escape) {
  document.addEventListener("keydown", (event) => {
    if (room.hidden || event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
    if (event.key === "Escape") {
      if (escape()) event.preventDefault();
      return;
    }
    if (event.isComposing || event.target.closest?.(TYPING) || document.querySelector("dialog[open]")) return;
    const action = keys[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
}

// a toolbar button's action, if the button is there for this person now
export function press(button) {
  return () => {
    if (button && !button.hidden && !button.disabled) button.click();
  };
}
