// Copy buttons: <button type="button" data-copy="input-id" data-copied="Copied" hidden>.
// The button stays hidden where the clipboard cannot be used; the input can still be selected.

async function copyFrom(button) {
  const input = document.getElementById(button.dataset.copy);
  if (input === null) return;
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
  } catch (error) {
    console.warn("copy failed; the link is selected for copying by hand", error);
    return;
  }
  button.dataset.label ??= button.textContent;
  const label = button.dataset.label;
  button.textContent = button.dataset.copied;
  setTimeout(() => { button.textContent = label; }, 2000);
}

if (navigator.clipboard) {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", () => copyFrom(button));
  }
}

for (const input of document.querySelectorAll("input[data-select-on-focus]")) {
  input.addEventListener("focus", () => input.select());
}
