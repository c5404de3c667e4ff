// bench/sfu.py's peer SFU: a mediasoup Router in its own worker process, driven the way
// bench/sfu.py drives Yunhui's Router (JSON lines on a loopback TCP socket: `op` and its
// arguments; the port is printed first). One WebRtcTransport takes the aiortc publisher's
// offer (a Producer per track), one per viewer sends it a Consumer per track in an offer of
// ours. The SDP on both sides is translated here to and from mediasoup's RTP parameters.
//
//   MEDIASOUP_DIR=.mediasoup node bench/mediasoup/driver.mjs
//
// Ops: publish(sdp) -> answer; subscribe(viewer) -> offer; answer(viewer, sdp); forwarded()
// (RTP packets the consumers sent); dropped(); in_sfu(); cpu_pid() (the worker's process id,
// whose threads' CPU bench/sfu.py reads); stop.
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";

const dir = path.resolve(process.env.MEDIASOUP_DIR || ".mediasoup");
process.env.MEDIASOUP_WORKER_BIN ||= path.join(dir, "build", "mediasoup-worker");
const mediasoup = createRequire(path.join(dir, "package.json"))("mediasoup");

const MID = "urn:ietf:params:rtp-hdrext:sdes:mid";
const ABS_SEND_TIME = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
const AUDIO_LEVEL = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
const EXTENSIONS = { audio: [MID, AUDIO_LEVEL], video: [MID, ABS_SEND_TIME] }; // aiortc's
const FEEDBACK = ["nack", "nack pli"]; // what our own outlets answer too (no REMB, no TWCC)

// --- SDP, as much of it as aiortc writes and reads ---------------------------------------

function parseSdp(sdp) {
  const session = { attrs: [], media: [] };
  let current = session;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith("m=")) {
      const [kind, , , ...pts] = line.slice(2).split(" ");
      current = { kind, pts: pts.map(Number), attrs: [] };
      session.media.push(current);
    } else if (line.startsWith("a=")) {
      const at = line.indexOf(":");
      current.attrs.push(at < 0 ? [line.slice(2), ""] : [line.slice(2, at), line.slice(at + 1)]);
    }
  }
  return session;
}

const attr = (section, name) => section.attrs.find(([n]) => n === name)?.[1];
const attrs = (section, name) => section.attrs.filter(([n]) => n === name).map(([, v]) => v);

function dtls(session, media, fallbackRole) {
  const [algorithm, value] = (attr(media, "fingerprint") ?? attr(session, "fingerprint")).split(" ");
  const setup = attr(media, "setup") ?? attr(session, "setup") ?? fallbackRole;
  // the remote's role: "active" opens the DTLS handshake (client)
  const role = setup === "active" ? "client" : setup === "passive" ? "server" : "auto";
  return { role, fingerprints: [{ algorithm, value }] };
}

// The publisher's offer, one m-section, as a Producer's RTP parameters.
function producerParameters(media) {
  const rtpmaps = new Map(attrs(media, "rtpmap").map((v) => v.split(" ")));
  const fmtps = new Map(attrs(media, "fmtp").map((v) => [v.split(" ")[0], v.slice(v.indexOf(" ") + 1)]));
  const wanted = media.kind === "audio" ? "opus/48000/2" : "vp8/90000";
  const pt = media.pts.find((p) => rtpmaps.get(String(p))?.toLowerCase() === wanted);
  const rtxPt = media.pts.find(
    (p) => rtpmaps.get(String(p))?.toLowerCase().startsWith("rtx/") && fmtps.get(String(p)) === `apt=${pt}`,
  );
  const codecs = [
    {
      mimeType: media.kind === "audio" ? "audio/opus" : "video/VP8",
      payloadType: pt,
      clockRate: media.kind === "audio" ? 48000 : 90000,
      ...(media.kind === "audio" ? { channels: 2 } : {}),
      parameters: {},
      rtcpFeedback: media.kind === "video" ? FEEDBACK.map(feedback) : [],
    },
  ];
  if (rtxPt !== undefined) {
    codecs.push({ mimeType: "video/rtx", payloadType: rtxPt, clockRate: 90000, parameters: { apt: pt } });
  }
  const ssrcs = attrs(media, "ssrc").map((v) => Number(v.split(" ")[0]));
  const fid = attrs(media, "ssrc-group").find((v) => v.startsWith("FID "));
  const [ssrc, rtxSsrc] = fid ? fid.split(" ").slice(1).map(Number) : [ssrcs[0]];
  const cname = attrs(media, "ssrc").find((v) => v.includes(" cname:"))?.split("cname:")[1];
  return {
    mid: attr(media, "mid"),
    codecs,
    headerExtensions: attrs(media, "extmap")
      .map((v) => v.split(" "))
      .filter(([, uri]) => EXTENSIONS[media.kind].includes(uri))
      .map(([id, uri]) => ({ uri, id: Number(id) })),
    encodings: [{ ssrc, ...(rtxSsrc ? { rtx: { ssrc: rtxSsrc } } : {}) }],
    rtcp: { cname, reducedSize: true },
  };
}

function feedback(text) {
  const [type, parameter = ""] = text.split(" ");
  return { type, parameter };
}

// One m-section of ours: the transport's ICE, DTLS and candidates, and an RTP stream.
function section(transport, kind, rtp, { direction, setup, ssrc, streamId }) {
  const pts = rtp.codecs.map((c) => c.payloadType);
  const lines = [
    `m=${kind} 9 UDP/TLS/RTP/SAVPF ${pts.join(" ")}`,
    "c=IN IP4 127.0.0.1",
    `a=mid:${rtp.mid}`,
    `a=${direction}`,
    "a=rtcp-mux",
    "a=rtcp-rsize",
    `a=ice-ufrag:${transport.iceParameters.usernameFragment}`,
    `a=ice-pwd:${transport.iceParameters.password}`,
    ...transport.dtlsParameters.fingerprints
      .filter((f) => f.algorithm === "sha-256")
      .map((f) => `a=fingerprint:${f.algorithm} ${f.value.toUpperCase()}`),
    `a=setup:${setup}`,
    ...transport.iceCandidates.map(
      (c) => `a=candidate:${c.foundation} 1 ${c.protocol} ${c.priority} ${c.ip} ${c.port} typ ${c.type}`,
    ),
    "a=end-of-candidates",
  ];
  for (const codec of rtp.codecs) {
    const [, name] = codec.mimeType.split("/");
    lines.push(`a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${codec.channels > 1 ? `/${codec.channels}` : ""}`);
    const params = Object.entries(codec.parameters ?? {}).map(([k, v]) => `${k}=${v}`);
    if (params.length) lines.push(`a=fmtp:${codec.payloadType} ${params.join(";")}`);
    for (const fb of codec.rtcpFeedback ?? []) {
      lines.push(`a=rtcp-fb:${codec.payloadType} ${fb.type}${fb.parameter ? ` ${fb.parameter}` : ""}`);
    }
  }
  for (const ext of rtp.headerExtensions) lines.push(`a=extmap:${ext.id} ${ext.uri}`);
  if (ssrc) {
    const { encodings, rtcp } = rtp;
    const rtx = encodings[0].rtx?.ssrc;
    if (rtx) lines.push(`a=ssrc-group:FID ${encodings[0].ssrc} ${rtx}`);
    for (const s of [encodings[0].ssrc, rtx].filter(Boolean)) {
      lines.push(`a=ssrc:${s} cname:${rtcp.cname}`, `a=ssrc:${s} msid:${streamId} ${kind}-${streamId}`);
    }
    lines.push(`a=msid:${streamId} ${kind}-${streamId}`);
  }
  return lines;
}

function description(mids, sections) {
  return [
    "v=0",
    `o=- ${Date.now()} 1 IN IP4 127.0.0.1`,
    "s=-",
    "t=0 0",
    "a=ice-lite",
    `a=group:BUNDLE ${mids.join(" ")}`,
    "a=msid-semantic:WMS *",
    ...sections.flat(),
    "",
  ].join("\r\n");
}

// --- the media server ---------------------------------------------------------------------

const worker = await mediasoup.createWorker({ logLevel: "warn", rtcMinPort: 20000, rtcMaxPort: 29999 });
const router = await worker.createRouter({
  mediaCodecs: [
    { kind: "audio", mimeType: "audio/opus", clockRate: 48000, channels: 2 },
    { kind: "video", mimeType: "video/VP8", clockRate: 90000 },
  ],
});
const producers = [];
const viewers = new Map(); // name -> { transport, consumers }
const consumers = new Set();

function newTransport() {
  return router.createWebRtcTransport({
    listenIps: [{ ip: "127.0.0.1" }],
    enableUdp: true,
    enableTcp: false,
    preferUdp: true,
  });
}

function viewerCapabilities() {
  const caps = router.rtpCapabilities;
  return {
    codecs: caps.codecs.map((c) => ({
      ...c,
      rtcpFeedback: (c.rtcpFeedback ?? []).filter((f) => FEEDBACK.includes(`${f.type} ${f.parameter}`.trim())),
    })),
    headerExtensions: caps.headerExtensions.filter((e) => EXTENSIONS[e.kind]?.includes(e.uri)),
  };
}

const ops = {
  async publish({ sdp }) {
    const offer = parseSdp(sdp);
    const transport = await newTransport();
    await transport.connect({ dtlsParameters: dtls(offer, offer.media[0], "actpass") });
    const sections = [];
    for (const media of offer.media) {
      const rtpParameters = producerParameters(media);
      producers.push(await transport.produce({ kind: media.kind, rtpParameters }));
      const answered = { ...rtpParameters, headerExtensions: rtpParameters.headerExtensions };
      sections.push(section(transport, media.kind, answered, { direction: "recvonly", setup: "active" }));
    }
    return description(offer.media.map((m) => attr(m, "mid")), sections);
  },

  async subscribe({ viewer }) {
    const transport = await newTransport();
    const rtpCapabilities = viewerCapabilities();
    const mine = [];
    for (const producer of producers) {
      const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities });
      mine.push(consumer);
      consumers.add(consumer);
    }
    viewers.set(viewer, { transport, consumers: mine });
    const sections = mine.map((c) =>
      section(transport, c.kind, c.rtpParameters, {
        direction: "sendonly",
        setup: "actpass",
        ssrc: true,
        streamId: "publisher",
      }),
    );
    return description(mine.map((c) => c.rtpParameters.mid), sections);
  },

  async answer({ viewer, sdp }) {
    const answer = parseSdp(sdp);
    await viewers.get(viewer).transport.connect({ dtlsParameters: dtls(answer, answer.media[0], "active") });
    return null;
  },

  async forwarded() {
    let sent = 0;
    for (const consumer of consumers) {
      for (const stat of await consumer.getStats()) {
        if (stat.type === "outbound-rtp") sent += stat.packetCount;
      }
    }
    return sent;
  },

  dropped: () => 0,
  in_sfu: () => [],
  cpu_pid: () => worker.pid,

  async stop() {
    worker.close();
    return null;
  },
};

const server = net.createServer((socket) => {
  let buffered = "";
  let queue = Promise.resolve();
  socket.on("data", (chunk) => {
    buffered += chunk;
    let end;
    while ((end = buffered.indexOf("\n")) >= 0) {
      const { op, ...args } = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      queue = queue.then(async () => {
        let result = null;
        try {
          result = await ops[op](args);
        } catch (error) {
          console.error(`mediasoup driver: ${op} failed:`, error);
        }
        socket.write(`${JSON.stringify({ result: result ?? null })}\n`);
        if (op === "stop") {
          socket.end(() => process.exit(0)); // mediasoup's own handles would keep it alive
        }
      });
    }
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
