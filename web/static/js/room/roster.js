// The people in the room: name, role, hand, microphone and camera (as each one reports
// them), who has the floor, and, for moderators, what they can do to each person (invite a
// listener to speak, take the floor back).

import { button, element } from "./elements.js";
import { roleLabel, t } from "./strings.js";

function byRoleThenName(roles) {
  const rank = (role) => (roles.includes(role) ? roles.indexOf(role) : roles.length);
  return (a, b) => rank(a.role) - rank(b.role) || a.name.localeCompare(b.name);
}

function mediaState(person) {
  const mic = element("span", {
    className: person.mic ? "mic" : "mic off",
    text: "🎤",
    attrs: { title: t(person.mic ? "mic_on" : "mic_off"), "aria-label": t(person.mic ? "mic_on" : "mic_off") },
  });
  const camera = element("span", {
    className: person.camera ? "camera" : "camera off",
    text: "📷",
    attrs: { title: t(person.camera ? "cam_on" : "cam_off"), "aria-label": t(person.camera ? "cam_on" : "cam_off") },
  });
  return element("span", { className: "person-state" }, mic, camera);
}

function roleSelect(person, roles, actions) {
  const select = element("select", { attrs: { "aria-label": t("make_role", { role: "…" }) } });
  select.append(element("option", { text: roleLabel(person.role), attrs: { value: "" } }));
  for (const role of roles.filter((r) => r !== person.role)) {
    select.append(element("option", { text: t("make_role", { role: roleLabel(role) }), attrs: { value: role } }));
  }
  select.addEventListener("change", () => {
    if (select.value) actions.setRole(person, select.value);
    select.value = "";
  });
  return select;
}

// a listener's stage: invite them (with or without their camera), withdraw the invitation,
// or take the floor back
function stageActions(person, invited, actions) {
  if (person.speaking) {
    return [button(t("take_back"), () => actions.takeBack(person), { data: { action: "take-back" } })];
  }
  if (invited.has(person.id)) {
    return [button(t("withdraw_invite"), () => actions.takeBack(person), { data: { action: "withdraw-invite" } })];
  }
  return [
    button(t("invite_to_speak"), () => actions.inviteToSpeak(person, false), { data: { action: "invite-speak" } }),
    button(t("invite_with_video"), () => actions.inviteToSpeak(person, true), { data: { action: "invite-video" } }),
  ];
}

function moderation(person, { roles, canManageRoles, sharing, invited, actions }) {
  const box = element("span", { className: "person-actions" });
  if (person.listener) box.append(...stageActions(person, invited, actions));
  if (person.mic) box.append(button(t("mute"), () => actions.mute(person), { data: { action: "mute" } }));
  if (person.camera) {
    box.append(button(t("stop_video"), () => actions.stopVideo(person), { data: { action: "stop-video" } }));
  }
  if (sharing(person.id)) {
    box.append(button(t("stop_screen"), () => actions.stopScreen(person), { data: { action: "stop-screen" } }));
  }
  box.append(
    button(t("to_lobby"), () => actions.sendToLobby(person), { data: { action: "to-lobby" } }),
    button(t("remove"), () => actions.remove(person, false), { data: { action: "remove" } }),
    button(t("remove_ban"), () => actions.remove(person, true), { data: { action: "ban" } }),
  );
  if (canManageRoles) box.append(roleSelect(person, roles, actions));
  return box;
}

function personItem(person, view) {
  const mine = person.id === view.meId;
  const item = element("li", { className: "person", data: { participantId: person.id } });
  item.append(element("span", { className: "person-name", text: person.name }));
  if (mine) item.append(element("span", { className: "person-me", text: `(${t("you")})` }));
  item.append(element("span", { className: `badge role role-${person.role}`, text: roleLabel(person.role) }));
  if (person.handRaisedAt) {
    item.append(element("span", { className: "hand", text: "✋", attrs: { title: t("hand_raised"), "aria-label": t("hand_raised") } }));
  }
  if (person.speaking) item.append(element("span", { className: "badge speaking", text: t("speaking_badge") }));
  else if (view.invited.has(person.id)) item.append(element("span", { className: "badge invited", text: t("invited_badge") }));
  item.append(mediaState(person));
  if (view.canModerate && !mine && !person.owner) item.append(moderation(person, view));
  return item;
}

// view: {meId, roles, canModerate, canManageRoles, sharing(id) -> whether they share a screen,
//        invited: Set of the ids invited to speak (moderators), actions}
export function renderRoster(list, count, participants, view) {
  const people = [...participants].sort(byRoleThenName(view.roles));
  list.replaceChildren(...people.map((person) => personItem(person, view)));
  count.textContent = String(people.length);
}
