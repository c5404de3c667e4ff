// Test instrumentation, added to every page of the media scenario before the page's own
// scripts (Playwright's add_init_script): it keeps the page's RTCPeerConnections and, for
// every remote video track, measures how long after the offer that brought it (and after
// its `track` event) the first frame was decoded. The page's code is not changed: this
// wraps the browser's constructor. window.__media.summary() gives getStats() figures.
(() => {
  const Native = window.RTCPeerConnection;
  const connections = [];
  const firstFrames = [];
  let offerAt = null;
  const POLL_MS = 10;
  const GIVE_UP_MS = 30000;

  async function decoded(receiver) {
    for (const report of (await receiver.getStats()).values()) {
      if (report.type === "inbound-rtp" && report.kind === "video") return report.framesDecoded ?? 0;
    }
    return 0;
  }

  function watchFirstFrame(event) {
    if (event.track.kind !== "video") return;
    const trackAt = performance.now();
    const sinceOffer = offerAt;
    const poll = async () => {
      const now = performance.now();
      if ((await decoded(event.receiver)) > 0) {
        firstFrames.push({
          mid: event.transceiver.mid,
          since_track_ms: Math.round(now - trackAt),
          since_offer_ms: Math.round(now - sinceOffer),
          at_ms: Math.round(now),
        });
      } else if (now - trackAt < GIVE_UP_MS) {
        setTimeout(poll, POLL_MS);
      }
    };
    poll();
  }

  class WatchedConnection extends Native {
    constructor(...args) {
      super(...args);
      connections.push(this);
      this.addEventListener("track", watchFirstFrame);
    }

    setRemoteDescription(description) {
      if (description && description.type === "offer") offerAt = performance.now();
      return super.setRemoteDescription(description);
    }
  }
  window.RTCPeerConnection = WatchedConnection;

  // the size of the screen this page shares, as captured
  const screens = [];
  const devices = navigator.mediaDevices;
  if (devices && devices.getDisplayMedia) {
    const getDisplayMedia = devices.getDisplayMedia.bind(devices);
    devices.getDisplayMedia = async (...args) => {
      const stream = await getDisplayMedia(...args);
      const { width, height } = stream.getVideoTracks()[0].getSettings();
      screens.push({ width, height });
      return stream;
    };
  }

  function pick(report) {
    return {
      mid: report.mid ?? null,
      track: report.trackIdentifier ?? null,
      frames_decoded: report.framesDecoded ?? 0,
      key_frames_decoded: report.keyFramesDecoded ?? 0,
      freeze_count: report.freezeCount ?? 0,
      freezes_ms: Math.round((report.totalFreezesDuration ?? 0) * 1000),
      frame_width: report.frameWidth ?? 0,
      frame_height: report.frameHeight ?? 0,
      packets_lost: report.packetsLost ?? 0,
      pli_count: report.pliCount ?? 0,
      nack_count: report.nackCount ?? 0,
    };
  }

  async function summary() {
    const videos = [];
    const audios = [];
    const heard = [];
    const pairs = [];
    let outboundVideo = 0;
    for (const pc of connections) {
      if (pc.connectionState === "closed") continue;
      const stats = await pc.getStats();
      for (const report of stats.values()) {
        if (report.type === "inbound-rtp" && report.kind === "video") videos.push(pick(report));
        if (report.type === "inbound-rtp" && report.kind === "audio") {
          audios.push(report.totalSamplesReceived ?? 0);
          heard.push({
            track: report.trackIdentifier ?? null,
            samples: report.totalSamplesReceived ?? 0,
            concealed: report.concealedSamples ?? 0,
            energy: report.totalAudioEnergy ?? 0,
          });
        }
        if (report.type === "outbound-rtp" && report.kind === "video") outboundVideo += report.framesEncoded ?? 0;
        if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded") {
          const local = stats.get(report.localCandidateId);
          const remote = stats.get(report.remoteCandidateId);
          pairs.push([local?.address ?? local?.ip ?? "", remote?.address ?? remote?.ip ?? ""]);
        }
      }
    }
    return {
      now_ms: Math.round(performance.now()),
      videos,
      audio_samples: audios,
      audios: heard, // per remote audio track: samples received, concealed, energy
      outbound_video_frames: outboundVideo,
      pairs,
      first_frames: firstFrames.slice(),
      screens: screens.slice(),
      connections: connections.filter((pc) => pc.connectionState !== "closed").length,
    };
  }

  // the ids of the live microphone tracks this page sends
  function sendingAudio() {
    const ids = [];
    for (const pc of connections) {
      if (pc.connectionState === "closed") continue;
      for (const sender of pc.getSenders()) {
        if (sender.track?.kind === "audio" && sender.track.readyState === "live") ids.push(sender.track.id);
      }
    }
    return ids;
  }

  window.__media = { summary, sendingAudio };
})();
