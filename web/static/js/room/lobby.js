// The lobby screen: your place in the queue while a host decides.

import { t } from "./strings.js";

export function showWaiting({ status, place }, { position }) {
  status.textContent = t("waiting");
  place.textContent = t("place", { place: position });
}

export function showLobbyNote({ status, place }, note) {
  status.textContent = note;
  place.textContent = "";
}
