// The pre-join screen: the guest's name (signed-in people and invitees already have one),
// the language links, the Join button. Calls onJoin(name) when the form is sent; the page
// calls fail(message) when joining did not work, to try again.

import { t } from "./strings.js";

export function setupPrejoin({ form, nameInput, error, button }, { knownName, onJoin }) {
  const label = button.textContent;

  function fail(message) {
    error.textContent = message;
    error.hidden = false;
    button.disabled = false;
    button.textContent = label;
    if (nameInput) nameInput.setAttribute("aria-invalid", "true");
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = knownName || (nameInput ? nameInput.value.trim() : "");
    if (!name || (nameInput && name.length > nameInput.maxLength)) {
      fail(t("name_required"));
      nameInput?.focus();
      return;
    }
    error.hidden = true;
    nameInput?.removeAttribute("aria-invalid");
    button.disabled = true;
    button.textContent = t("connecting");
    onJoin(name);
  });

  return { fail };
}
