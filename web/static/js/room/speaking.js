// Invitations to speak on the room page (PROTOCOL.md, "Invitations to speak"), the listener's
// side: the prompt (accept or decline) and the "Stop speaking" button. The moderators'
// actions are on the roster and the raised hands (roster.js, hands.js); a new speaker's
// microphone (and camera) are turned on by room-media.js, in the tab that accepted.

import { t } from "./strings.js";

export class SpeakPrompt {
  #el;
  #room;
  #accepted = false; // this tab accepted: it turns the devices on when the floor comes

  // el: {prompt, text, accept, decline, stop}; room(): the current RoomConnection
  constructor(el, room) {
    this.#el = el;
    this.#room = room;
    el.accept.addEventListener("click", () => this.#answer(true));
    el.decline.addEventListener("click", () => this.#answer(false));
    el.stop.addEventListener("click", () => this.#room().stopSpeaking());
  }

  // my invitation ({by, video}), or null when there is none (answered, withdrawn)
  show(invite) {
    this.#el.prompt.hidden = invite === null;
    if (invite === null) return;
    this.#el.text.textContent = t(invite.video ? "speak_invite_video" : "speak_invite", { name: invite.by });
    this.#el.accept.focus();
  }

  // whether I have the floor now
  setSpeaking(speaking) {
    this.#el.stop.hidden = !speaking;
  }

  // whether this tab accepted the invitation that just gave me the floor (asked once)
  takeAccepted() {
    const accepted = this.#accepted;
    this.#accepted = false;
    return accepted;
  }

  #answer(accept) {
    this.#accepted = accept;
    this.#el.prompt.hidden = true;
    this.#room().answerInvite(accept);
  }
}
