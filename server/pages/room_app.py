"""The room as an app's strings on every room page (rendered with
``server.pages.room.UI_STRINGS`` into the page's hidden list, read by
web/static/js/room/strings.js; {name}-style placeholders are filled in by the scripts): the
toolbar's counts, the tiles' pin, network quality and menu, the people panel's menu."""

ROOM_APP_STRINGS: dict[str, str] = {
    "count_label": "{label} ({count})",
    "pin": "Pin to the stage",
    "unpin": "Unpin from the stage",
    "pinned": "Pinned to the stage",
    "network_good": "Network: good",
    "network_fair": "Network: fair",
    "network_poor": "Network: poor",
    "tile_menu": "Options for {name}",
    "person_menu": "Actions for {name}",
    "more_people": "{count} more on the stage: show everyone",
}
