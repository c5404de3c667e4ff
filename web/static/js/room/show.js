// A roadshow's run of show (PROTOCOL.md, "Run of show"): the pitch on stage, its phase and a
// countdown on the server's time (a warning a minute before a founder's time is up), what
// comes next, the slots; for the chair, start the show, add time, end the stage. The server
// hands the stage over and takes it back; this page only shows it. A founder whose pitch
// begins has their camera and microphone turned on (`onMyTurn`). Shown only where the page
// has #show-bar.
//
//   const show = setupShow({ lang, onMyTurn, onSpotlight });  // null without #show-bar
//   show?.attach(connection);

import { ServerClock, clockText } from "./server-clock.js";
import { t } from "./strings.js";
import { element } from "./elements.js";

const TICK_MS = 500;
const byId = (id) => document.getElementById(id);

export class ShowView {
  #room = null;
  #show = null;
  #me = null;
  #chair = false;
  #clock = new ServerClock();
  #onStage = false;
  #warned = "";
  #waiting = 0;

  constructor(el, { lang, serverTime, onMyTurn, onSpotlight }) {
    this.el = el;
    this.lang = lang;
    this.onMyTurn = onMyTurn;
    this.onSpotlight = onSpotlight;
    this.#clock.observe(serverTime);
    el.start.addEventListener("click", () => this.#room?.startShow());
    el.extend1.addEventListener("click", () => this.#extend(1));
    el.extend5.addEventListener("click", () => this.#extend(5));
    el.endStage.addEventListener("click", () => {
      const stage = this.#show?.stage;
      if (stage) this.#room?.endStage(stage.slotId, stage.phase);
    });
    setInterval(() => this.#tick(), TICK_MS);
  }

  attach(room) {
    this.#room = room;
    room.on("joined", (snapshot) => {
      this.#me = snapshot.me.id;
      this.#chair = snapshot.capabilities.has("chair");
      this.#set(snapshot.show);
    });
    room.on("you", ({ capabilities }) => {
      this.#chair = capabilities.has("chair");
      this.#render();
    });
    room.on("show", (show) => this.#set(show));
  }

  // a founder waiting in the lobby for their pitch: its countdown in node (until stopped)
  waitFor(node, startsAt) {
    clearInterval(this.#waiting);
    const tick = () => {
      node.textContent = startsAt ? t("pitch_starts_in", { time: clockText(startsAt.getTime() - this.#clock.now()) }) : "";
    };
    tick();
    this.#waiting = setInterval(tick, TICK_MS);
  }

  stopWaiting() {
    clearInterval(this.#waiting);
  }

  #extend(minutes) {
    const stage = this.#show?.stage;
    if (stage) this.#room?.extendStage(stage.slotId, stage.phase, minutes);
  }

  #title(slotId) {
    const slot = this.#show?.slots.find((s) => s.id === slotId);
    if (!slot) return { title: "", founder: "" };
    const zh = this.lang.startsWith("zh");
    return { title: (zh ? slot.titleZh : slot.titleEn) || slot.titleZh || slot.titleEn, founder: slot.founder };
  }

  // what comes next: the next pitch (its founder's name, when the item has one)
  #nextText(next) {
    const { title, founder } = this.#title(next.slotId);
    return t(founder ? "show_next" : "show_next_title", { title, founder });
  }

  #set(show) {
    if (!show) return;
    this.#show = show;
    for (const time of [show.stage?.begins, show.start]) if (time && time <= new Date()) this.#clock.observe(time);
    const mine = show.onStage.includes(this.#me);
    // after the page's own `joined` handling (the media learns my new rights there first)
    if (mine && !this.#onStage) setTimeout(() => this.onMyTurn(), 0);
    this.#onStage = mine;
    this.onSpotlight(show.onStage);
    this.#render();
  }

  #render() {
    const show = this.#show;
    const { phase, pitch, founder, next, chair, start, extend1, extend5, endStage, slots } = this.el;
    if (!show) return;
    const stage = show.stage;
    phase.hidden = !stage;
    if (stage) {
      phase.textContent = t(`show_phase_${stage.phase}`);
      // a break belongs to the pitch before it, but nobody is on stage: no title then
      const { title, founder: who } = stage.phase === "buffer" ? { title: "", founder: "" } : this.#title(stage.slotId);
      pitch.textContent = title;
      founder.textContent = who;
    } else {
      pitch.textContent = show.over ? t("show_over") : show.started ? "" : t("show_not_started");
      founder.textContent = "";
    }
    if (show.next && !show.over) {
      next.textContent = this.#nextText(show.next);
      next.hidden = false;
    } else next.hidden = true;
    chair.hidden = !this.#chair || show.over;
    start.hidden = show.started;
    for (const button of [extend1, extend5, endStage]) button.hidden = !stage;
    slots.replaceChildren(
      ...show.slots.map((slot) => {
        const { title, founder: who } = this.#title(slot.id);
        const item = element("li", { text: t("show_slot_line", { title, founder: who }) });
        if (slot.achievementId) {
          // the achievement it pitches, on the library's page (a new tab: the room stays)
          const href = `/achievements/${encodeURIComponent(slot.achievementId)}`;
          item.append(" ", element("a", { text: t("show_achievement"), attrs: { href, target: "_blank", rel: "noopener" } }));
        }
        if (stage?.slotId === slot.id) item.setAttribute("aria-current", "step");
        return item;
      }),
    );
    this.#tick();
  }

  #tick() {
    const show = this.#show;
    const { countdown, warning } = this.el;
    if (!show) return;
    const now = this.#clock.now();
    const stage = show.stage;
    if (stage) {
      countdown.textContent = t("show_time_left", { time: clockText(stage.ends.getTime() - now) });
    } else if (!show.started && show.start && !show.over) {
      countdown.textContent = t("show_starts_in", { time: clockText(show.start.getTime() - now) });
    } else countdown.textContent = "";
    const warn = show.warnAt && now >= show.warnAt.getTime() && stage && now < stage.ends.getTime();
    warning.hidden = !warn;
    if (warn && this.#warned !== stage.key) {
      this.#warned = stage.key;
      warning.textContent = t("show_one_minute", this.#title(stage.slotId));
    }
    countdown.classList.toggle("overtime", Boolean(warn));
  }
}


export function setupShow(options) {
  const root = byId("show-bar");
  if (root === null) return null;
  const el = {
    root,
    phase: byId("show-phase"),
    pitch: byId("show-pitch"),
    founder: byId("show-founder"),
    countdown: byId("show-countdown"),
    next: byId("show-next"),
    warning: byId("show-warning"),
    chair: byId("show-chair"),
    start: byId("show-start"),
    extend1: byId("show-extend-1"),
    extend5: byId("show-extend-5"),
    endStage: byId("show-end-stage"),
    slots: byId("show-slots"),
  };
  return new ShowView(el, options);
}
