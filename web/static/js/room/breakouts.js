// The breakout groups panel of a class or meeting room (PROTOCOL.md, "Breakout groups"): a
// host opens groups (how many, how people are placed, for how long), moves people with one
// select per person, visits a group, broadcasts to all and returns everyone to the main
// room; everyone sees where they are and the groups' countdown (server time), and picks a
// group where people choose their own. It renders what the `breakouts` events say and acts
// through the RoomConnection; the server checks everything. `onPlace(group | 0)` tells the
// page where this person is (the chat says it is the group's).

import { placeOf } from "./breakouts-wire.js";
import { button, element } from "./elements.js";
import { toast } from "./notices.js";
import { ServerClock, clockText } from "./server-clock.js";
import { t } from "./strings.js";

const TICK_MS = 500;
const byId = (id) => document.getElementById(id);

export class BreakoutsPanel {
  #room = null;
  #state = null;
  #meId = null;
  #moderator = false;
  #people = new Map(); // participant id -> name
  #place = 0;
  #clock = new ServerClock();
  #timer = null;

  constructor(el, { serverTime, toasts, onPlace }) {
    Object.assign(this, { el, toasts, onPlace });
    this.#clock.observe(serverTime);
    el.openForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#open();
    });
    el.broadcastForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#broadcast();
    });
    el.close.addEventListener("click", () => this.#room?.closeBreakouts());
  }

  attach(room) {
    this.#room = room;
    room.on("joined", (snapshot) => {
      this.#meId = snapshot.me.id;
      this.#moderator = snapshot.capabilities.has("moderate");
      this.#people = new Map(snapshot.participants.map((p) => [p.id, p.name]));
      this.#people.set(snapshot.me.id, snapshot.me.name);
      this.#update(snapshot.breakouts, { quiet: true });
    });
    room.on("you", ({ me, capabilities }) => {
      this.#moderator = capabilities.has("moderate");
      this.#people.set(me.id, me.name);
      this.#render();
    });
    for (const event of ["participant_joined", "participant_updated"]) {
      room.on(event, (person) => {
        this.#people.set(person.id, person.name);
        this.#render();
      });
    }
    room.on("participant_left", ({ id }) => {
      this.#people.delete(id);
      this.#render();
    });
    room.on("breakouts", (state) => this.#update(state));
    room.on("breakout_broadcast", (shown) => toast(this.toasts, t("breakout_broadcast_from", shown)));
  }

  #update(state, { quiet = false } = {}) {
    if (!state) return;
    const before = this.#place;
    if (this.#state && this.#state.open !== state.open) this.el.status.textContent = "";
    this.#state = state;
    this.#place = placeOf(state, this.#meId);
    this.el.root.hidden = false;
    if (!quiet && before !== this.#place) {
      toast(this.toasts, this.#place ? t("breakout_opened", { group: this.#place }) : t("breakout_returned"));
    }
    if (quiet || before !== this.#place) this.onPlace(this.#place);
    this.#render();
    clearInterval(this.#timer);
    if (state.open && state.endsAt) this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  #render() {
    const state = this.#state;
    if (!state) return;
    const visiting = state.visits.has(this.#meId);
    const where = !this.#place
      ? t("breakout_in_main")
      : t(visiting ? "breakout_you_visit" : "breakout_you_are_in", { group: this.#place });
    this.el.place.textContent = where;
    this.el.place.hidden = !state.open;
    const broadcast = state.open ? state.broadcast : null;
    this.el.broadcast.hidden = !broadcast;
    this.el.broadcast.textContent = broadcast ? t("breakout_broadcast_from", broadcast) : "";
    this.#renderChooser(state);
    this.#renderHost(state);
    this.#tick();
  }

  #groups(state) {
    return Array.from({ length: state.count }, (_, n) => n + 1);
  }

  #renderChooser(state) {
    const choosing = state.open && state.mode === "choose" && !this.#moderator;
    this.el.chooser.hidden = !choosing;
    if (!choosing) return;
    this.el.choices.replaceChildren(
      ...this.#groups(state).map((group) => {
        const node = button(t("breakout_join", { group }), () => this.#room.chooseBreakout(group), { data: { group: String(group) } });
        node.setAttribute("aria-pressed", String(state.groups.get(this.#meId) === group));
        return node;
      }),
    );
  }

  #renderHost(state) {
    this.el.host.hidden = !this.#moderator;
    if (!this.#moderator) return;
    this.el.openForm.hidden = state.open;
    this.el.running.hidden = !state.open;
    if (!state.open) return;
    const people = [...this.#people].filter(([id]) => id !== this.#meId).sort((a, b) => a[1].localeCompare(b[1]));
    this.el.people.replaceChildren(...people.map(([id, name]) => this.#personRow(state, id, name)));
    const visits = this.#groups(state).map((group) => {
      const members = [...state.groups.values()].filter((g) => g === group).length;
      const label = `${t("breakout_visit", { group })} (${t("breakout_members", { count: members })})`;
      const node = button(label, () => this.#room.visitBreakout(group), { data: { group: String(group) } });
      node.setAttribute("aria-pressed", String(state.visits.get(this.#meId) === group));
      return node;
    });
    if (state.visits.has(this.#meId)) visits.push(button(t("breakout_leave_visit"), () => this.#room.visitBreakout(null)));
    this.el.visits.replaceChildren(...visits);
  }

  #personRow(state, id, name) {
    const select = element("select", { attrs: { "aria-label": name }, data: { participantId: id } },
      element("option", { text: t("breakout_main_room"), attrs: { value: "" } }),
      ...this.#groups(state).map((group) => element("option", { text: t("breakout_group", { group }), attrs: { value: String(group) } })));
    select.value = String(state.groups.get(id) ?? "");
    select.addEventListener("change", () => this.#room.assignBreakout(id, select.value ? Number(select.value) : null));
    return element("li", { className: "breakout-person" }, element("span", { text: name }), " ", select);
  }

  #tick() {
    const state = this.#state;
    const running = state?.open && state.endsAt;
    this.el.countdown.textContent = running ? t("breakout_ends_in", { time: clockText(state.endsAt - this.#clock.now()) }) : "";
  }

  #status(answer, done) {
    this.el.status.classList.toggle("error", Boolean(answer.error));
    this.el.status.textContent = answer.error ? answer.error.message || t(answer.error.code) : done;
  }

  async #open() {
    const minutes = this.el.minutes.value.trim();
    const answer = await this.#room.openBreakouts({
      count: Number(this.el.count.value),
      mode: this.el.mode.value,
      minutes: minutes ? Number(minutes) : null,
    });
    this.#status(answer, "");
  }

  async #broadcast() {
    const text = this.el.broadcastText.value.trim();
    if (!text) return;
    const answer = await this.#room.broadcastBreakouts(text);
    this.#status(answer, t("breakout_sent"));
    if (!answer.error) this.el.broadcastText.value = "";
  }
}

// the panel of this page, or null where the session's kind has no breakout groups
export function setupBreakouts({ serverTime, toasts, onPlace }) {
  const root = byId("breakouts-panel");
  if (root === null) return null;
  const el = {
    root, place: byId("breakout-place"), countdown: byId("breakout-countdown"), broadcast: byId("breakout-broadcast"),
    chooser: byId("breakout-chooser"), choices: byId("breakout-choices"), host: byId("breakout-host"),
    openForm: byId("breakout-open-form"), count: byId("breakout-count"), mode: byId("breakout-mode"),
    minutes: byId("breakout-minutes"), running: byId("breakout-running"), people: byId("breakout-people"),
    visits: byId("breakout-visits"), broadcastForm: byId("breakout-broadcast-form"),
    broadcastText: byId("breakout-broadcast-text"), close: byId("breakout-close"), status: byId("breakout-status"),
  };
  return new BreakoutsPanel(el, { serverTime, toasts, onPlace });
}
