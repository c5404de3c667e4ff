// The host's controls: the lobby queue (admit or deny one or all), room-wide buttons (lower
// all hands, mute everyone, lock, chat for attendees, end the session), and the toggles'
// state. Only shown to roles that may moderate; the server checks every action anyway.

import { button, element } from "./elements.js";
import { t } from "./strings.js";

// person.receivedAt: when this page got the queue (Date.now()), so no clocks are compared
function waitedText(person, now) {
  const seconds = person.waitedSeconds + Math.max(0, (now - person.receivedAt) / 1000);
  return seconds < 60 ? t("just_arrived") : t("waited", { minutes: Math.floor(seconds / 60) });
}

export function renderQueue({ list, count }, queue, { onAdmit, onDeny }, now = Date.now()) {
  list.replaceChildren(
    ...queue.map((person) =>
      element(
        "li",
        { data: { participantId: person.id } },
        element("span", { className: "person-name", text: person.name }),
        element("span", { className: "wait-time", text: waitedText(person, now) }),
        element(
          "span",
          { className: "person-actions" },
          button(t("admit"), () => onAdmit(person), { className: "primary", data: { action: "admit" } }),
          button(t("deny"), () => onDeny(person), { data: { action: "deny" } }),
        ),
      ),
    ),
  );
  count.textContent = String(queue.length);
}

export function setFlags({ lockToggle, chatToggle, lockedFlag, chatOffFlag }, flags) {
  lockToggle.setAttribute("aria-pressed", String(flags.locked));
  lockToggle.textContent = t(flags.locked ? "unlock_room" : "lock_room");
  chatToggle.setAttribute("aria-pressed", String(!flags.chatEnabled));
  chatToggle.textContent = t(flags.chatEnabled ? "chat_off" : "chat_on");
  lockedFlag.hidden = !flags.locked;
  chatOffFlag.hidden = flags.chatEnabled;
}

// wire the room-wide buttons to the connection's actions (room(): the current RoomConnection)
export function setupHostButtons(elements, room, getFlags) {
  const { admitAll, denyAll, lowerAll, muteAll, lockToggle, chatToggle, endSession } = elements;
  admitAll.addEventListener("click", () => room().admitAll());
  denyAll.addEventListener("click", () => room().denyAll());
  lowerAll.addEventListener("click", () => room().lowerAllHands());
  muteAll.addEventListener("click", () => room().muteAll());
  lockToggle.addEventListener("click", () => room().setLocked(!getFlags().locked));
  chatToggle.addEventListener("click", () => room().setChatEnabled(!getFlags().chatEnabled));
  endSession.addEventListener("click", () => {
    if (window.confirm(t("confirm_end"))) room().endSession();
  });
}
