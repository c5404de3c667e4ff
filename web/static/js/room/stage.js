// The stage: everyone's camera and every shared screen as tiles, in a grid or in the stage
// layout (one big, the others small in a row under it), and the room's sound. It is told
// about people (names, camera and mic as they report them, roles, whether they may speak),
// tracks (by participant and kind: audio, video, screen) and the active speaker; it knows
// nothing of the wire.
//
// Who has a tile: everyone in the room who may speak or show their camera (`publishes`),
// from the moment they enter until they leave or are moved out (the lobby, stepped out), as
// their initials until their camera's video arrives; a pure listener (a class's students, an
// observer) has none, so a class of 500 is a handful of tiles. A page that is not shown the
// roster (a review's applicant) knows others only from their media: someone seen or heard.
// At most MAX_TILES tiles are shown at once (as Zoom's and Jitsi's 25 per page): past that
// the last place is a "+N" tile that opens the people panel, and the shown ones are the big
// one, my own, the screens, the one speaking, cameras on, microphones on, then by arrival.
//
// Layout "auto" is the stage layout while someone shares a screen or a presenter's camera
// is on, the grid otherwise; "grid" and "stage" are the person's own choice. A tile the
// person pinned (its menu) is the big one in every layout until unpinned. Each tile shows
// its network quality (network.js) and the person's role.

import { placeOf } from "./breakouts-wire.js";
import { element } from "./elements.js";
import { Tile } from "./tiles.js";
import { roleLabel, t } from "./strings.js";

export const LAYOUTS = ["auto", "grid", "stage"];
export const MAX_TILES = 25;

export class Stage {
  #tiles = new Map(); // "<participant_id>:camera" | "<participant_id>:screen" -> Tile
  #sounds = new Map(); // source id -> <audio>
  #people = new Map(); // participant id -> {name, role, camera, mic}
  #meId = null;
  #speaker = null;
  #layout = "auto";
  #spotlight = new Set(); // participant ids the room puts on stage (a roadshow's founder)
  #pinned = null; // the key of the tile this person pinned
  #quality = { mine: null, tracks: new Map() }; // network.js levels
  #audioTracks = new Map(); // participant id -> the id of the audio track heard from them
  #videoTracks = new Map(); // participant id -> their camera's track (mine included)
  #publishing = false; // whether my role may send anything (then I have a tile of my own)
  #roster = false; // whether #people is everyone in the room (else only me)
  #breakouts = null; // the breakout groups (breakouts-wire.js): tiles of my own group only
  #more; // the "+N" tile past MAX_TILES

  // menuItems(tile, {pinned, pin(), unpin()}) -> the buttons of a tile's menu;
  // onMore(): the "+N" tile was clicked (the people panel opens)
  constructor({ tiles, sounds, placeholder, onScreens = () => {}, menuItems = () => [], onMore = () => {} }) {
    this.tilesBox = tiles;
    this.soundsBox = sounds;
    this.placeholder = placeholder;
    this.onScreens = onScreens; // a screen share began or ended
    this.menuItems = menuItems;
    this.#more = element("button", { className: "tile-more", attrs: { type: "button", hidden: "" } });
    this.#more.addEventListener("click", () => onMore());
  }

  get pinned() {
    return this.#pinned;
  }

  // pin a tile (its key) big on the stage, or null to unpin
  pin(key) {
    this.#pinned = key !== null && this.#tiles.has(key) ? key : null;
    this.#render();
  }

  // network quality levels from network.js: {mine, tracks: Map track id -> level}
  setQuality(levels) {
    this.#quality = levels;
    this.#render();
  }

  sharesScreen(participantId) {
    return this.#tiles.has(`${participantId}:screen`);
  }

  get layout() {
    return this.#layout;
  }

  setLayout(layout) {
    this.#layout = LAYOUTS.includes(layout) ? layout : "auto";
    this.#render();
  }

  // publishing: whether my role may send anything (then I have a tile of my own);
  // roster: whether people is everyone in the room (else only me)
  setPeople(people, { meId, publishing, roster = false }) {
    this.#people = new Map(people.map((person) => [person.id, person]));
    this.#meId = meId;
    this.#publishing = publishing;
    this.#roster = roster;
    this.#syncCameras();
    this.#render();
  }

  // the breakout groups now (null where the room has none): the stage shows those in my group
  setBreakouts(breakouts) {
    this.#breakouts = breakouts;
    this.#syncCameras();
    this.#render();
  }

  // whom the room puts on the stage now (a roadshow's founder on stage), shown big
  setSpotlight(participantIds) {
    this.#spotlight = new Set(participantIds);
    this.#render();
  }

  setSpeaker(participantId) {
    this.#speaker = participantId;
    this.#render();
  }

  // a track of a participant (me included): kind "audio", "video" or "screen"; null = gone
  setTrack({ participantId, kind, track, sourceId = `${participantId}:${kind}` }) {
    if (kind === "audio") return this.#setAudio(participantId, sourceId, track);
    if (kind === "screen") {
      if (track === null) this.#dropTile(`${participantId}:screen`);
      else this.#tile(participantId, true).setTrack(track);
    } else if (track === null) this.#videoTracks.delete(participantId);
    else this.#videoTracks.set(participantId, track);
    this.#syncCameras();
    this.#render();
    if (kind === "screen") this.onScreens();
  }

  #setAudio(participantId, sourceId, track) {
    if (participantId === this.#meId) return; // never play my own microphone back
    this.#setSound(sourceId, track);
    if (track === null) this.#audioTracks.delete(participantId);
    else this.#audioTracks.set(participantId, track.id);
    this.#syncCameras();
    this.#render();
  }

  clear() {
    for (const key of [...this.#tiles.keys()]) this.#dropTile(key);
    for (const sourceId of [...this.#sounds.keys()]) this.#setSound(sourceId, null);
    this.#people = new Map();
    this.#videoTracks.clear();
    this.#audioTracks.clear();
    this.#publishing = false;
    this.#render();
  }

  // whether this person has a camera tile (their video, or their initials while it is off)
  #hasTile(participantId) {
    const seen = this.#videoTracks.has(participantId);
    if (participantId === this.#meId) return this.#publishing || seen;
    const seenOrHeard = seen || this.#audioTracks.has(participantId);
    if (!this.#roster) return seenOrHeard;
    // someone who left (or whose media outlived them) has no tile, named or nameless
    const person = this.#people.get(participantId);
    const here = placeOf(this.#breakouts, participantId) === placeOf(this.#breakouts, this.#meId);
    return Boolean(person && here && (person.publishes || seenOrHeard));
  }

  // the camera tiles follow presence and tracks: made, given their video, or dropped
  #syncCameras() {
    for (const tile of [...this.#tiles.values()]) {
      if (!tile.screen && !this.#hasTile(tile.participantId)) this.#dropTile(tile.key);
    }
    const ids = new Set([this.#meId, ...this.#people.keys(), ...this.#videoTracks.keys(), ...this.#audioTracks.keys()]);
    for (const participantId of ids) {
      if (participantId === null || !this.#hasTile(participantId)) continue;
      this.#tile(participantId, false).setTrack(this.#videoTracks.get(participantId) ?? null);
    }
  }

  #tile(participantId, screen) {
    const key = `${participantId}:${screen ? "screen" : "camera"}`;
    if (!this.#tiles.has(key)) {
      const tile = new Tile({
        key,
        participantId,
        screen,
        menuItems: (shown) =>
          this.menuItems(shown, {
            pinned: this.#pinned === shown.key,
            pin: () => this.pin(shown.key),
            unpin: () => this.pin(null),
          }),
      });
      this.#tiles.set(key, tile);
      this.tilesBox.append(tile.root);
    }
    return this.#tiles.get(key);
  }

  #dropTile(key) {
    const tile = this.#tiles.get(key);
    if (!tile) return;
    tile.remove();
    this.#tiles.delete(key);
    if (this.#pinned === key) this.#pinned = null;
  }

  #setSound(sourceId, track) {
    const old = this.#sounds.get(sourceId);
    if (old) {
      old.srcObject = null;
      old.remove();
      this.#sounds.delete(sourceId);
    }
    if (track === null) return;
    const audio = element("audio", { attrs: { autoplay: "" }, data: { sourceId } });
    audio.srcObject = new MediaStream([track]);
    this.soundsBox.append(audio);
    this.#sounds.set(sourceId, audio);
    audio.play().catch(() => {}); // before any click autoplay may refuse; the Join click allows it
  }

  // the tile to show big, or null for the grid. Others' screens and cameras come before my
  // own (nobody needs their own screen big in front of them)
  #featured() {
    const pinned = this.#pinned === null ? null : this.#tiles.get(this.#pinned);
    if (pinned) return pinned;
    if (this.#layout === "grid") return null;
    const theirs = [...this.#tiles.values()].filter((tile) => tile.participantId !== this.#meId);
    const shows = (tile) => tile.track !== null && this.#showsVideo(tile);
    const screen = theirs.findLast((tile) => tile.screen && tile.track !== null);
    const spotlit = theirs.find((tile) => !tile.screen && shows(tile) && this.#spotlight.has(tile.participantId));
    const presenter = theirs.find((tile) => !tile.screen && shows(tile) && this.#person(tile).role === "presenter");
    if (this.#layout === "auto") return screen ?? spotlit ?? presenter ?? null;
    const speaker = theirs.find((tile) => !tile.screen && tile.participantId === this.#speaker);
    return screen ?? spotlit ?? presenter ?? speaker ?? theirs[0] ?? this.#tiles.values().next().value ?? null;
  }

  #person(tile) {
    return this.#people.get(tile.participantId) ?? { name: t("participant"), role: "", camera: false, mic: false };
  }

  #showsVideo(tile) {
    if (tile.screen) return true;
    return tile.participantId === this.#meId ? tile.track !== null : Boolean(this.#person(tile).camera);
  }

  #render() {
    const featured = this.#featured();
    const shown = this.#shown(featured);
    for (const tile of this.#tiles.values()) {
      tile.root.hidden = !shown.has(tile);
      if (shown.has(tile)) tile.render(this.#view(tile, featured));
    }
    if (featured) this.tilesBox.prepend(featured.root);
    const hidden = this.#tiles.size - shown.size;
    this.#more.hidden = hidden === 0;
    if (hidden > 0) {
      this.#more.textContent = `+${hidden}`;
      this.#more.setAttribute("aria-label", t("more_people", { count: hidden }));
      this.#more.title = t("more_people", { count: hidden });
      this.tilesBox.append(this.#more); // last
    }
    this.tilesBox.classList.toggle("layout-stage", featured !== null);
    this.tilesBox.classList.toggle("layout-grid", featured === null);
    this.tilesBox.dataset.count = String(Math.min(this.#tiles.size, 9));
    const others = [...this.#tiles.values()].some((tile) => tile.participantId !== this.#meId || tile.screen);
    this.tilesBox.classList.toggle("has-others", others);
    // the grid's shape: as many equal 16:9 tiles as fit (room.css sizes them from these)
    const cornered = (tile) => others && tile.participantId === this.#meId && !tile.screen && tile !== featured;
    const inGrid = [...shown].filter((tile) => !cornered(tile)).length + (hidden > 0 ? 1 : 0);
    const wide = inGrid <= 1 ? 1 : inGrid <= 4 ? 2 : inGrid <= 9 ? 3 : inGrid <= 16 ? 4 : 5;
    const tall = inGrid <= 2 ? 1 : inGrid <= 8 ? 2 : 3;
    for (const [shape, cols] of [["wide", wide], ["tall", tall]]) {
      this.tilesBox.style.setProperty(`--cols-${shape}`, String(cols));
      this.tilesBox.style.setProperty(`--rows-${shape}`, String(Math.max(1, Math.ceil(inGrid / cols))));
    }
    this.placeholder.hidden = this.#tiles.size > 0;
  }

  // the tiles shown: all up to MAX_TILES; past that the first MAX_TILES - 1 by rank (the
  // last place is the "+N" tile), in their order on the stage
  #shown(featured) {
    const tiles = [...this.#tiles.values()];
    if (tiles.length <= MAX_TILES) return new Set(tiles);
    const rank = (tile) => {
      if (tile === featured || tile.key === this.#pinned) return 0;
      if (tile.participantId === this.#meId && !tile.screen) return 1;
      if (tile.screen) return 2;
      if (tile.participantId === this.#speaker) return 3;
      if (tile.track !== null && this.#showsVideo(tile)) return 4;
      return this.#person(tile).mic ? 5 : 6;
    };
    const ranked = tiles.map((tile, order) => [rank(tile), order, tile]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return new Set(ranked.slice(0, MAX_TILES - 1).map(([, , tile]) => tile));
  }

  #view(tile, featured) {
    const person = this.#person(tile);
    const mine = tile.participantId === this.#meId;
    const screenCaption = mine ? t("your_screen") : t("screen_of", { name: person.name });
    return {
      name: person.name,
      caption: tile.screen ? screenCaption : mine ? `${person.name} (${t("you")})` : person.name,
      showVideo: tile.track !== null && this.#showsVideo(tile),
      micOff: !tile.screen && !person.mic,
      micOffLabel: t("mic_off"),
      mine,
      role: tile.screen ? "" : roleLabel(person.role),
      speaking: !tile.screen && tile.participantId === this.#speaker,
      featured: tile === featured,
      pinned: tile.key === this.#pinned,
      quality: this.#qualityOf(tile, mine),
    };
  }

  #qualityOf(tile, mine) {
    if (mine) return tile.screen || tile.track === null ? null : this.#quality.mine;
    const trackId = tile.track?.id ?? (tile.screen ? null : this.#audioTracks.get(tile.participantId));
    return (trackId && this.#quality.tracks.get(trackId)) ?? null;
  }
}
