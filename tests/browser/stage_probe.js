// The stage (web/static/js/room/stage.js) fed as the room feeds it, in a page of the app:
// who has a tile, how many are shown, what a camera coming and going and a leaver do.
// tests/browser/test_room_app.py evaluates it and checks what it comes to.
(async () => {
  const { Stage, MAX_TILES } = await import("/static/js/room/stage.js");
  const box = (tag) => document.body.appendChild(document.createElement(tag));
  const tiles = box("div");
  let opened = 0;
  const stage = new Stage({ tiles, sounds: box("div"), placeholder: box("p"), onMore: () => opened++ });
  const person = (id, publishes) => ({ id, name: `P ${id}`, role: "attendee", mic: false, camera: false, publishes });
  const range = (n, prefix, publishes) => [...Array(n).keys()].map((i) => person(`${prefix}${i}`, publishes));
  const seen = () => {
    const all = [...tiles.querySelectorAll(".tile")];
    const more = tiles.querySelector(".tile-more");
    return { tiles: all.length, shown: all.filter((tile) => !tile.hidden).length, more: more.hidden ? null : more.textContent };
  };
  const tileOf = (id) => tiles.querySelector(`[data-tile="${id}:camera"]`);
  const result = { max: MAX_TILES };
  // a meeting of 50 who may all speak, and a class's 500 listeners
  const people = [...range(50, "p", true), ...range(500, "l", false)];
  stage.setPeople(people, { meId: "p0", publishing: true, roster: true });
  result.crowd = seen();
  tiles.querySelector(".tile-more").click();
  result.opened = opened;
  // a camera comes on for someone not shown: their tile takes a place, the same tile throughout
  const canvas = document.createElement("canvas");
  const track = canvas.captureStream(1).getVideoTracks()[0];
  const before = tileOf("p40");
  people[40] = { ...people[40], camera: true };
  stage.setPeople(people, { meId: "p0", publishing: true, roster: true });
  stage.setTrack({ participantId: "p40", kind: "video", track });
  result.camera_on = { shown: !tileOf("p40").hidden, same: tileOf("p40") === before, video: !tileOf("p40").classList.contains("no-video") };
  // the camera goes off: the tile stays, back behind the "+N"
  people[40] = { ...people[40], camera: false };
  stage.setPeople(people, { meId: "p0", publishing: true, roster: true });
  stage.setTrack({ participantId: "p40", kind: "video", track: null });
  result.camera_gone = { kept: tileOf("p40") === before, shown: !tileOf("p40").hidden };
  // a small room: everyone shown, no "+N"; one leaves (their media outliving them): no tile
  const few = range(3, "p", true);
  stage.setPeople(few, { meId: "p0", publishing: true, roster: true });
  stage.setTrack({ participantId: "p2", kind: "video", track });
  stage.setPeople(few.slice(0, 2), { meId: "p0", publishing: true, roster: true });
  result.left = { ...seen(), leaver: tileOf("p2") !== null };
  // a page not shown the roster (a review's applicant) knows others by their media only
  stage.setPeople([person("me", true)], { meId: "me", publishing: true, roster: false });
  stage.setTrack({ participantId: "x", kind: "video", track });
  result.by_media = tileOf("x") !== null;
  stage.setTrack({ participantId: "x", kind: "video", track: null });
  result.media_closed = tileOf("x") !== null;
  return result;
})()
