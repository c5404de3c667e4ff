// The pre-join preview: the camera as others will see it, the microphone's level, the choice
// of devices, and whether the camera and microphone start on when joining. The tracks opened
// here are the ones the room sends: stop() ends only the preview's own display.

import { bindDeviceMenu } from "./device-menu.js";
import { LevelMeter } from "./level.js";
import { t } from "./strings.js";

export function setupPreview(el, local) {
  const level = new LevelMeter((value) => (el.meter.value = value));
  const toggles = { video: el.cameraToggle, audio: el.micToggle };

  function showError(error) {
    el.error.textContent = error.key ? t(error.key) : String(error);
    el.error.hidden = false;
  }

  function render({ kind, track }) {
    if (kind === "video") {
      el.video.srcObject = track === null ? null : new MediaStream([track]);
      el.videoBox.classList.toggle("off", track === null);
    } else if (kind === "audio") {
      level.watch(track);
    }
    if (kind in toggles) toggles[kind].checked = track !== null;
  }

  async function turn(kind, on) {
    el.error.hidden = true;
    try {
      await local.setOn(kind, on);
    } catch (error) {
      await local.setOn(kind, false);
      toggles[kind].checked = false;
      showError(error);
    }
  }

  const stopListening = local.on("track", render);
  for (const [kind, toggle] of Object.entries(toggles)) {
    toggle.checked = Boolean(local.choice[kind]);
    toggle.addEventListener("change", () => turn(kind, toggle.checked));
  }
  bindDeviceMenu({ cameraSelect: el.cameraSelect, micSelect: el.micSelect }, local, { onError: showError });
  for (const kind of Object.keys(toggles)) if (local.choice[kind]) turn(kind, true);
  el.root.hidden = false;

  return {
    stop() {
      stopListening();
      level.close();
      el.video.srcObject = null;
    },
  };
}
