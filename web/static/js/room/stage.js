// The stage: everyone's camera and every shared screen as tiles, in a grid or in the stage
// layout (one big, the others small in a row under it), and the room's sound. It is told
// about people (names, camera and mic as they report them, roles), tracks (by participant
// and kind: audio, video, screen) and the active speaker; it knows nothing of the wire.
//
// Layout "auto" is the stage layout while someone shares a screen or a presenter's camera
// is on, the grid otherwise; "grid" and "stage" are the person's own choice. A tile the
// person pinned (its menu) is the big one in every layout until unpinned. Each tile shows
// its network quality (network.js) and the person's role.

import { element } from "./elements.js";
import { Tile } from "./tiles.js";
import { roleLabel, t } from "./strings.js";

export const LAYOUTS = ["auto", "grid", "stage"];

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

  // menuItems(tile, {pinned, pin(), unpin()}) -> the buttons of a tile's menu
  constructor({ tiles, sounds, placeholder, onScreens = () => {}, menuItems = () => [] }) {
    this.tilesBox = tiles;
    this.soundsBox = sounds;
    this.placeholder = placeholder;
    this.onScreens = onScreens; // a screen share began or ended
    this.menuItems = menuItems;
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

  // publishing: whether my role may send anything (then I have a tile of my own)
  setPeople(people, { meId, publishing }) {
    this.#people = new Map(people.map((person) => [person.id, person]));
    this.#meId = meId;
    if (publishing) this.#tile(meId, false);
    else if (!this.#tiles.get(`${meId}:camera`)?.track) this.#dropTile(`${meId}:camera`);
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
    const screen = kind === "screen";
    if (track === null) {
      const tile = this.#tiles.get(`${participantId}:${screen ? "screen" : "camera"}`);
      if (screen) this.#dropTile(tile?.key);
      else if (tile) {
        tile.setTrack(null);
        // someone else neither seen nor heard any more (their media closed) has no tile left
        if (participantId !== this.#meId && !this.#audioTracks.has(participantId)) this.#dropTile(tile.key);
      }
    } else {
      this.#tile(participantId, screen).setTrack(track);
    }
    this.#render();
    if (screen) this.onScreens();
  }

  // someone heard but not seen still has a tile (their initials), to show who speaks
  #setAudio(participantId, sourceId, track) {
    if (participantId === this.#meId) return; // never play my own microphone back
    this.#setSound(sourceId, track);
    if (track === null) this.#audioTracks.delete(participantId);
    else this.#audioTracks.set(participantId, track.id);
    const tile = this.#tiles.get(`${participantId}:camera`);
    if (track !== null) this.#tile(participantId, false);
    else if (tile && tile.track === null) this.#dropTile(tile.key);
    this.#render();
  }

  clear() {
    for (const key of [...this.#tiles.keys()]) this.#dropTile(key);
    for (const sourceId of [...this.#sounds.keys()]) this.#setSound(sourceId, null);
    this.#render();
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
    for (const tile of this.#tiles.values()) tile.render(this.#view(tile, featured));
    if (featured) this.tilesBox.prepend(featured.root);
    this.tilesBox.classList.toggle("layout-stage", featured !== null);
    this.tilesBox.classList.toggle("layout-grid", featured === null);
    this.tilesBox.dataset.count = String(Math.min(this.#tiles.size, 9));
    const others = [...this.#tiles.values()].some((tile) => tile.participantId !== this.#meId || tile.screen);
    this.tilesBox.classList.toggle("has-others", others);
    // the grid's shape: as many equal 16:9 tiles as fit (room.css sizes them from these)
    const inGrid = [...this.#tiles.values()].filter((tile) => !(others && tile.participantId === this.#meId && !tile.screen && tile !== featured)).length;
    const wide = inGrid <= 1 ? 1 : inGrid <= 4 ? 2 : inGrid <= 9 ? 3 : 4;
    const tall = inGrid <= 2 ? 1 : inGrid <= 8 ? 2 : 3;
    for (const [shape, cols] of [["wide", wide], ["tall", tall]]) {
      this.tilesBox.style.setProperty(`--cols-${shape}`, String(cols));
      this.tilesBox.style.setProperty(`--rows-${shape}`, String(Math.max(1, Math.ceil(inGrid / cols))));
    }
    this.placeholder.hidden = this.#tiles.size > 0;
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
