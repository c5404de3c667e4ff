// The people in the room: name, role, hand, microphone and camera (as each one reports
// them), who has the floor, and, for moderators, what they can do to each person (invite a
// listener to speak, take the floor back, mute, remove...), in a menu per person (the same
// buttons as the tile's menu on the stage: moderationButtons).

import { button, element } from "./elements.js";
import { roleLabel, t } from "./strings.js";

function byRoleThenName(roles) {
  const rank = (role) => (roles.includes(role) ? roles.indexOf(role) : roles.length);
  return (a, b) => rank(a.role) - rank(b.role) || a.name.localeCompare(b.name);
}

const icon = (name) => element("span", { className: `icon icon-${name}`, attrs: { "aria-hidden": "true" } });

function mediaState(person) {
  const micLabel = t(person.mic ? "mic_on" : "mic_off");
  const camLabel = t(person.camera ? "cam_on" : "cam_off");
  const mic = element(
    "span",
    { className: person.mic ? "mic" : "mic off", attrs: { title: micLabel, "aria-label": micLabel, role: "img" } },
    icon(person.mic ? "mic" : "mic-off"),
  );
  const camera = element(
    "span",
    { className: person.camera ? "camera" : "camera off", attrs: { title: camLabel, "aria-label": camLabel, role: "img" } },
    icon(person.camera ? "video" : "video-off"),
  );
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

// what a moderator may do to this person now, as buttons (and the role picker)
export function moderationButtons(person, { roles, canManageRoles, sharing, invited, actions }) {
  const items = [];
  if (person.listener) items.push(...stageActions(person, invited, actions));
  if (person.mic) items.push(button(t("mute"), () => actions.mute(person), { data: { action: "mute" } }));
  if (person.camera) {
    items.push(button(t("stop_video"), () => actions.stopVideo(person), { data: { action: "stop-video" } }));
  }
  if (sharing(person.id)) {
    items.push(button(t("stop_screen"), () => actions.stopScreen(person), { data: { action: "stop-screen" } }));
  }
  items.push(
    button(t("to_lobby"), () => actions.sendToLobby(person), { data: { action: "to-lobby" } }),
    button(t("remove"), () => actions.remove(person, false), { className: "danger-text", data: { action: "remove" } }),
    button(t("remove_ban"), () => actions.remove(person, true), { className: "danger-text", data: { action: "ban" } }),
  );
  if (canManageRoles) items.push(roleSelect(person, roles, actions));
  return items;
}

// whose menu is open in the list: it stays open when the list is drawn again
let openMenu = null;

function moderation(person, view) {
  const box = element("span", { className: "person-actions", attrs: { id: `person-actions-${person.id}` } });
  box.append(...moderationButtons(person, view));
  const open = openMenu === person.id;
  box.hidden = !open;
  const toggle = element(
    "button",
    {
      className: "person-menu-button",
      attrs: { type: "button", "aria-expanded": String(open), "aria-controls": box.id, "aria-label": t("person_menu", { name: person.name }), title: t("person_menu", { name: person.name }) },
    },
    icon("ellipsis"),
  );
  toggle.addEventListener("click", () => {
    const opening = box.hidden;
    openMenu = opening ? person.id : null;
    for (const other of toggle.closest("ul")?.querySelectorAll(".person-actions") ?? []) other.hidden = true;
    for (const other of toggle.closest("ul")?.querySelectorAll(".person-menu-button") ?? []) other.setAttribute("aria-expanded", "false");
    box.hidden = !opening;
    toggle.setAttribute("aria-expanded", String(opening));
  });
  return [toggle, box];
}

function personItem(person, view) {
  const mine = person.id === view.meId;
  const item = element("li", { className: "person", data: { participantId: person.id } });
  item.append(element("span", { className: "person-name", text: person.name }));
  if (mine) item.append(element("span", { className: "person-me", text: `(${t("you")})` }));
  item.append(element("span", { className: `badge role role-${person.role}`, text: roleLabel(person.role) }));
  if (person.handRaisedAt) {
    item.append(element("span", { className: "hand", attrs: { title: t("hand_raised"), "aria-label": t("hand_raised"), role: "img" } }, icon("hand")));
  }
  if (person.speaking) item.append(element("span", { className: "badge speaking", text: t("speaking_badge") }));
  else if (view.invited.has(person.id)) item.append(element("span", { className: "badge invited", text: t("invited_badge") }));
  item.append(mediaState(person));
  if (view.canModerate && !mine && !person.owner) item.append(...moderation(person, view));
  return item;
}

// view: {meId, roles, canModerate, canManageRoles, sharing(id) -> whether they share a screen,
//        invited: Set of the ids invited to speak (moderators), actions}
export function renderRoster(list, count, participants, view) {
  const people = [...participants].sort(byRoleThenName(view.roles));
  list.replaceChildren(...people.map((person) => personItem(person, view)));
  count.textContent = String(people.length);
}
