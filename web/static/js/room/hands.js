// Raised hands (first raised, first listed), the hand button, and reactions floating up.

import { button, element } from "./elements.js";
import { t } from "./strings.js";

const REACTION_MS = 3000;
const LANES = 6;

// invitable(hand): whether a moderator may invite this hand's person to speak (a listener
// without the floor or an invitation)
export function renderHands(list, empty, hands, { canModerate, meId, onLower, invitable = () => false, onInvite }) {
  list.replaceChildren(
    ...hands.map((hand) => {
      const item = element("li", { data: { participantId: hand.id } });
      item.append(element("span", { className: "person-name", text: hand.name }));
      if (hand.id === meId) item.append(element("span", { className: "person-me", text: `(${t("you")})` }));
      if (canModerate && invitable(hand)) {
        item.append(button(t("invite_to_speak"), () => onInvite(hand), { data: { action: "invite-speak" } }));
      }
      if (canModerate || hand.id === meId) {
        item.append(button(t("lower_hand"), () => onLower(hand), { data: { action: "lower" } }));
      }
      return item;
    }),
  );
  empty.hidden = hands.length > 0;
}

export function setHandButton(handButton, raised) {
  handButton.setAttribute("aria-pressed", String(raised));
  handButton.dataset.tip = t(raised ? "lower_hand" : "raise_hand"); // the name stays "Raise hand"
}

export function floatReaction(layer, { emoji, name }) {
  const lane = Math.floor(Math.random() * LANES);
  const bubble = element(
    "span",
    { className: `floating-reaction lane-${lane}`, text: emoji },
    element("span", { className: "who", text: name }),
  );
  layer.append(bubble);
  setTimeout(() => bubble.remove(), REACTION_MS);
}
