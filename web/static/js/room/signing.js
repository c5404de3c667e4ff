// A signing ceremony (PROTOCOL.md, "Signing ceremony"): the agreement on the stage, drawn
// with pdf.js at the page the server says (the host turns it); the parties in signing order
// and their state; the host's buttons (fix the document, call the next signer, close); the
// called signer's steps (confirm who they are, consent with the document's SHA-256 shown,
// their name typed and a drawn signature); a witness's attestation; and the moment of each
// signature for everyone: a short countdown, then "signed". The server keeps the ceremony
// (its log): a reconnect shows the step where it stands. Shown only where the page has
// #signing.
//
//   const signing = setupSigning({ sessionId });  // null without #signing
//   signing?.attach(connection);

import { openPdf } from "../pdf-viewer.js";
import { loadStrings, t } from "./strings.js";

const byId = (id) => document.getElementById(id);
const STAMP_MS = 2500; // how long "signed" stays after the countdown

export class SigningView {
  #room = null;
  #signing = null;
  #me = null;
  #viewer = null;
  #fileId = "";
  #opening = Promise.resolve();
  #drawn = false;
  #moments = 0;

  constructor(el, { sessionId }) {
    this.el = el;
    this.sessionId = sessionId;
    this.#bind();
  }

  attach(room) {
    this.#room = room;
    room.on("joined", (snapshot) => {
      this.#me = snapshot.signingMe;
      this.#set(snapshot.signing);
    });
    room.on("signing", ({ signing, moment }) => {
      this.#set(signing);
      if (moment) this.#moment(moment);
    });
    room.on("agreement_page", ({ page }) => {
      if (!this.#signing) return;
      this.#signing.page = page;
      this.#showPage();
    });
  }

  #bind() {
    const el = this.el;
    el.prev.addEventListener("click", () => this.#turn(-1));
    el.next.addEventListener("click", () => this.#turn(1));
    el.fix.addEventListener("click", () => this.#step("fix_agreement"));
    el.call.addEventListener("click", () => this.#step("call_signer", { party_id: this.#signing?.next }));
    el.close.addEventListener("click", () => this.#step("close_ceremony"));
    el.identity.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#step("confirm_identity", { typed_name: el.identityName.value });
    });
    el.consent.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#sign();
    });
    el.witness.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#step("attest", { typed_name: el.witnessName.value });
    });
    el.padClear.addEventListener("click", () => this.#clearPad());
    this.#bindPad(el.pad);
  }

  // the signature pad: a pen on a canvas (mouse, touch, stylus)

  #bindPad(pad) {
    const context = pad.getContext("2d");
    let last = null;
    const at = (event) => {
      const box = pad.getBoundingClientRect();
      return [((event.clientX - box.left) * pad.width) / box.width, ((event.clientY - box.top) * pad.height) / box.height];
    };
    pad.addEventListener("pointerdown", (event) => {
      pad.setPointerCapture(event.pointerId);
      last = at(event);
    });
    pad.addEventListener("pointermove", (event) => {
      if (!last) return;
      const point = at(event);
      context.lineWidth = 3;
      context.lineCap = "round";
      context.strokeStyle = "#0b1f66";
      context.beginPath();
      context.moveTo(...last);
      context.lineTo(...point);
      context.stroke();
      last = point;
      this.#drawn = true;
    });
    const lift = () => { last = null; };
    pad.addEventListener("pointerup", lift);
    pad.addEventListener("pointercancel", lift);
  }

  #clearPad() {
    const pad = this.el.pad;
    pad.getContext("2d").clearRect(0, 0, pad.width, pad.height);
    this.#drawn = false;
  }

  // steps: each is answered once the server has it on disk, or refused with a message

  async #step(event, payload = {}) {
    this.#error("");
    if (!this.#room) return null;
    const ack = await this.#room.signingStep(event, payload);
    if (ack.error) {
      this.#error(ack.error.message || t("signing_offline"));
      return null;
    }
    return ack;
  }

  async #sign() {
    const el = this.el;
    if (!this.#drawn) {
      this.#error(t("signing_draw"));
      return;
    }
    const party = this.#myParty();
    const name = el.consentName.value;
    if (party?.state === "confirmed") {
      const consent = await this.#step("give_consent", { sha256: this.#signing.sha256, typed_name: name });
      if (!consent) return;
    }
    await this.#step("sign_agreement", { signature: el.pad.toDataURL("image/png") });
  }

  #error(message) {
    this.el.error.textContent = message;
    this.el.error.hidden = !message;
  }

  // what the server says

  #myParty() {
    const id = this.#me?.partyId;
    return this.#signing?.parties.find((p) => p.id === id) ?? null;
  }

  #set(signing) {
    this.#signing = signing;
    this.el.root.hidden = !signing;
    if (!signing) return;
    this.#render();
    this.#open();
  }

  #render() {
    const el = this.el;
    const s = this.#signing;
    const me = this.#me ?? {};
    el.title.textContent = s.title;
    el.sha256.textContent = s.sha256;
    el.consentSha256.textContent = s.sha256;
    el.open.href = `/sessions/${this.sessionId}/agreement`;
    el.parties.replaceChildren(...s.parties.map((p) => this.#partyItem(p)));
    el.witnesses.replaceChildren(...s.witnesses.map((w) => {
      const item = document.createElement("li");
      item.textContent = w.attestedAt ? `${w.name} — ${t("signing_attested")}` : w.name;
      item.dataset.attested = w.attestedAt ? "yes" : "no";
      return item;
    }));
    const chair = Boolean(me.chair);
    const next = s.parties.find((p) => p.id === s.next);
    el.host.hidden = !chair || s.closed;
    el.fix.hidden = s.fixed;
    el.call.hidden = !s.fixed || !next || s.called !== null;
    if (next) el.call.textContent = t("signing_call", { name: next.signer, organization: next.organization });
    el.close.hidden = !s.fixed || Boolean(next);
    const mine = this.#myParty();
    const called = mine && s.called === mine.id && !s.closed;
    el.identity.hidden = !(called && mine.state === "called");
    el.byAccount.hidden = !me.byAccount;
    el.identityNameLabel.hidden = Boolean(me.byAccount);
    el.consent.hidden = !(called && (mine.state === "confirmed" || mine.state === "consented"));
    const allSigned = s.parties.length > 0 && !next;
    el.witness.hidden = !(me.witness && allSigned && !s.closed);
    el.witnessNameLabel.hidden = Boolean(me.byAccount);
    el.status.textContent = s.closed ? t("signing_state_signed") : "";
    el.done.hidden = !s.signedUrl;
    if (s.signedUrl) el.signed.href = s.signedUrl;
    el.root.dataset.steps = String(s.steps);
    el.root.dataset.closed = s.closed ? "yes" : "no";
  }

  #partyItem(party) {
    const item = document.createElement("li");
    item.dataset.party = party.id;
    item.dataset.state = party.state;
    const who = document.createElement("span");
    who.textContent = `${party.organization} — ${party.signer}${party.signerTitle ? ` (${party.signerTitle})` : ""}`;
    const state = document.createElement("span");
    state.className = "signing-party-state";
    state.textContent = ` · ${t(`signing_state_${party.state}`)}`;
    item.append(who, state);
    if (party.signature) {
      const image = document.createElement("img");
      image.src = party.signature;
      image.alt = t("signing_signed_by", { signer: party.signer, organization: party.organization });
      item.append(image);
    }
    return item;
  }

  // the document on the stage

  #open() {
    const s = this.#signing;
    if (!s.fileId || s.fileId === this.#fileId) {
      this.#showPage();
      return;
    }
    this.#fileId = s.fileId;
    this.#opening = this.#opening.then(async () => {
      this.#viewer?.close();
      this.#viewer = null;
      try {
        this.#viewer = await openPdf(this.el.page, `/sessions/${this.sessionId}/agreement/file`, { page: s.page || 1 });
      } catch (failure) {
        console.warn("the agreement could not be shown", failure);
      }
      this.#showPage();
    });
  }

  #showPage() {
    const s = this.#signing;
    const chair = Boolean(this.#me?.chair);
    this.el.position.textContent = t("signing_page", { page: s.page, pages: s.pages });
    this.el.prev.hidden = !chair || s.page <= 1;
    this.el.next.hidden = !chair || s.page >= s.pages;
    if (this.#viewer && this.#viewer.page !== s.page) this.#viewer.goTo(s.page);
  }

  #turn(step) {
    const s = this.#signing;
    const wanted = s ? s.page + step : 0;
    if (s && wanted >= 1 && wanted <= s.pages) this.#room?.agreementPage(wanted);
  }

  // the moment: everyone counts down, then sees "signed"

  #moment(moment) {
    const el = this.el;
    const mine = ++this.#moments;
    el.momentText.textContent = t("signing_moment", { signer: moment.signer, organization: moment.organization });
    el.momentSigned.hidden = true;
    el.moment.hidden = false;
    el.moment.dataset.party = moment.partyId;
    let left = moment.countdown;
    const tick = () => {
      if (mine !== this.#moments) return;
      if (left > 0) {
        el.countdown.textContent = String(left);
        left -= 1;
        setTimeout(tick, 1000);
        return;
      }
      el.countdown.textContent = "";
      el.momentSigned.hidden = false;
      setTimeout(() => { if (mine === this.#moments) el.moment.hidden = true; }, STAMP_MS);
    };
    tick();
  }
}

export function setupSigning({ sessionId }) {
  const root = byId("signing");
  if (!root) return null;
  loadStrings(byId("signing-strings"));
  const el = {
    root,
    title: byId("signing-title"),
    sha256: byId("signing-sha256"),
    status: byId("signing-status"),
    page: byId("signing-page"),
    prev: byId("signing-prev"),
    next: byId("signing-next"),
    position: byId("signing-position"),
    open: byId("signing-open"),
    parties: byId("signing-parties"),
    witnesses: byId("signing-witnesses"),
    host: byId("signing-host"),
    fix: byId("signing-fix"),
    call: byId("signing-call"),
    close: byId("signing-close"),
    identity: byId("signing-identity"),
    byAccount: byId("signing-by-account"),
    identityName: byId("signing-identity-name"),
    identityNameLabel: byId("signing-identity-name-label"),
    consent: byId("signing-consent"),
    consentSha256: byId("signing-consent-sha256"),
    consentName: byId("signing-consent-name"),
    pad: byId("signing-pad"),
    padClear: byId("signing-pad-clear"),
    witness: byId("signing-witness"),
    witnessName: byId("signing-witness-name"),
    witnessNameLabel: byId("signing-witness-name-label"),
    error: byId("signing-error"),
    done: byId("signing-done"),
    signed: byId("signing-signed"),
    moment: byId("signing-moment"),
    momentText: byId("signing-moment-text"),
    countdown: byId("signing-countdown"),
    momentSigned: byId("signing-moment-signed"),
  };
  return new SigningView(el, { sessionId });
}
