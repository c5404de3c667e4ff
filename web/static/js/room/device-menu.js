// The camera and microphone pickers (<select>s), in the pre-join preview and in the room:
// they list this browser's devices, show the chosen one, and switch LocalMedia to another.
// Labels appear once a device was allowed, so the lists are refreshed when a track starts.

import { fillDeviceSelect } from "./devices.js";
import { t } from "./strings.js";

export function bindDeviceMenu({ cameraSelect, micSelect }, local, { onError }) {
  async function refresh() {
    const { cameras, microphones } = await local.devices();
    fillDeviceSelect(cameraSelect, cameras, local.choice.camera, t("camera_default"), t("camera_number"));
    fillDeviceSelect(micSelect, microphones, local.choice.microphone, t("mic_default"), t("mic_number"));
  }
  const pick = (kind, select) => () => local.useDevice(kind, select.value).catch(onError);
  cameraSelect.addEventListener("change", pick("video", cameraSelect));
  micSelect.addEventListener("change", pick("audio", micSelect));
  local.on("devices", refresh);
  local.on("track", ({ kind, track }) => kind !== "screen" && track !== null && refresh());
  return refresh();
}
