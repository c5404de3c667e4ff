// The chat: messages (public and private) rendered as text with http(s) links, the
// recipient picker (everyone, the hosts, one person), the composer, moderators' delete. In a
// breakout group, "everyone" is the group (the server sends room chat there) and the title
// says so.

import { isGroupAudience } from "./breakouts-wire.js";
import { button, element } from "./elements.js";
import { linkify } from "./linkify.js";
import { t } from "./strings.js";

const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

function privacyLabel(message, meId) {
  if (message.to === "room") return "";
  if (message.to === "hosts") return t("to_hosts");
  if (message.to === "panel") return t("to_panel");
  if (isGroupAudience(message.to)) return t("to_group");
  if (message.from.id === meId) return t("private_to", { name: message.toName });
  return t("private");
}

export class ChatView {
  constructor({ log, form, to, text, send, limit }, { onSend, onDelete }) {
    Object.assign(this, { log, form, to, text, send, limit, onDelete });
    text.addEventListener("input", () => this.#showSize());
    this.placeholder = text.placeholder;
    this.meId = null;
    this.canModerate = false;
    this.group = 0; // the breakout group this person is in now; 0: the main room
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#submit(onSend);
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#submit(onSend);
      }
    });
  }

  #submit(onSend) {
    const body = this.text.value;
    if (!body.trim()) return;
    if (!this.#showSize()) {
      this.text.focus();
      return;
    }
    onSend(body, this.to.value || "room");
    this.text.value = "";
    this.#showSize();
    this.text.focus();
  }

  // the message's size against the server's limit in UTF-8 bytes (rooms/limits.py; a
  // Chinese character takes 3): shown from half the limit on, a refusal when over it.
  // Returns whether the message may be sent.
  #showSize() {
    const most = Number(this.text.dataset.maxBytes);
    const used = new TextEncoder().encode(this.text.value).length;
    const over = used > most;
    this.limit.classList.toggle("over", over);
    if (over) this.text.setAttribute("aria-invalid", "true");
    else this.text.removeAttribute("aria-invalid");
    const key = over ? "chat_too_long" : "chat_size";
    this.limit.textContent = used * 2 >= most || over ? t(key, { used, most }) : "";
    return !over;
  }

  configure({ meId, canModerate }) {
    this.meId = meId;
    this.canModerate = canModerate;
  }

  // who may be written to: everyone; with private chat also the hosts, a review's panel (its
  // chair and reviewers), and each other person
  setRecipients(participants, { canChat, canPrivate, onPanel = false }) {
    const chosen = this.to.value;
    const everyone = this.group ? t("breakout_chat_everyone", { group: this.group }) : t("everyone");
    const options = [element("option", { text: everyone, attrs: { value: "room" } })];
    if (canPrivate) {
      options.push(element("option", { text: t("hosts"), attrs: { value: "hosts" } }));
      if (onPanel) options.push(element("option", { text: t("panel"), attrs: { value: "panel" } }));
      const others = participants.filter((p) => p.id !== this.meId).sort((a, b) => a.name.localeCompare(b.name));
      for (const person of others) options.push(element("option", { text: person.name, attrs: { value: person.id } }));
    }
    this.to.replaceChildren(...options);
    this.to.value = options.some((o) => o.value === chosen) ? chosen : "room";
    this.form.hidden = !canChat;
  }

  // in a breakout group (its number) or the main room (0): relabels the title and "everyone"
  setGroup(group, title) {
    this.group = group;
    title.textContent = group ? t("breakout_chat_title", { group }) : title.dataset.title;
    const everyone = this.to.querySelector('option[value="room"]');
    if (everyone) everyone.textContent = group ? t("breakout_chat_everyone", { group }) : t("everyone");
  }

  setEnabled(enabled) {
    for (const control of [this.to, this.text, this.send]) control.disabled = !enabled;
    this.text.placeholder = enabled ? this.placeholder : t("chat_disabled");
  }

  add(message) {
    if (this.log.querySelector(`[data-message-id="${CSS.escape(message.id)}"]`)) return;
    const label = privacyLabel(message, this.meId);
    const meta = element(
      "div",
      { className: "meta-line" },
      element("span", { className: "author", text: message.from.name }),
    );
    if (label) meta.append(element("span", { className: "private", text: label }));
    if (message.at) {
      meta.append(element("time", { text: timeFormat.format(message.at), attrs: { datetime: message.at.toISOString() } }));
    }
    if (this.canModerate) meta.append(button(t("delete"), () => this.onDelete(message), { className: "delete" }));
    const text = element("p", { className: "text" }, ...linkify(message.text));
    const item = element("li", { className: label ? "chat-message is-private" : "chat-message", data: { messageId: message.id } }, meta, text);
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    this.log.append(item);
    if (atBottom) this.log.scrollTop = this.log.scrollHeight;
  }

  markDeleted(messageId) {
    const item = this.log.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`);
    if (item === null) return;
    item.classList.add("deleted");
    item.querySelector(".text").textContent = t("deleted");
    item.querySelector(".delete")?.remove();
  }

  restoreDraft(text) {
    if (!this.text.value) this.text.value = text;
    this.#showSize();
  }
}
