// The stage: everyone's camera and every shared screen as tiles, in a grid or in the stage
// layout (one big, the others small in a row under it), and the room's sound. It is told
// about people (names, camera and mic as they report them, roles), tracks (by participant
// and kind: audio, video, screen) and the active speaker; it knows nothing of the wire.
//
// Layout "auto" is the stage layout while someone shares a screen or a presenter's camera
// is on, the grid otherwise; "grid" and "stage" are the person's own choice.

import { element } from "./elements.js";
import { Tile } from "./tiles.js";
import { t } from "./strings.js";

export const LAYOUTS = ["auto", "grid", "stage"];

export class Stage {
  #tiles = new Map(); // "<participant_id>:camera" | "<participant_id>:screen" -> Tile
  #sounds = new Map(); // source id -> <audio>
  #people = new Map(); // participant id -> {name, role, camera, mic}
  #meId = null;
  #speaker = null;
  #layout = "auto";
  #spotlight = new Set(); // participant ids the room puts on stage (a roadshow's founder)

  constructor({ tiles, sounds, placeholder, onScreens = () => {} }) {
    this.tilesBox = tiles;
    this.soundsBox = sounds;
    this.placeholder = placeholder;
    this.onScreens = onScreens; // a screen share began or ended
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
      else tile?.setTrack(null);
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
      const tile = new Tile({ key, participantId, screen });
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
      speaking: !tile.screen && tile.participantId === this.#speaker,
      featured: tile === featured,
    };
  }
}
