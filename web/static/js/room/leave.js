// Leaving the room: the toolbar's Leave asks once (a dialog: Leave, Stay); ending the session
// for everyone is a separate button there, for those who may, and asks again before it acts.

import { t } from "./strings.js";

// el: {button, dialog, confirm, cancel, endBox, endAll}; leave(): out of the room now;
// canEnd(): whether this person may end the session; endSession(): end it for everyone
export function setupLeave(el, { leave, canEnd, endSession }) {
  el.button.addEventListener("click", () => {
    el.endBox.hidden = !canEnd();
    el.dialog.showModal();
    el.confirm.focus();
  });
  el.cancel.addEventListener("click", () => el.dialog.close());
  el.confirm.addEventListener("click", () => {
    el.dialog.close();
    leave();
  });
  el.endAll.addEventListener("click", () => {
    if (!window.confirm(t("confirm_end"))) return;
    el.dialog.close();
    endSession();
  });
}
