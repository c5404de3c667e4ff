// Attendance for moderators: each person's time in the room, visits, and whether they are
// here now (from the server's join/leave record), and the minutes their page was seen.

import { element } from "./elements.js";
import { roleLabel, t } from "./strings.js";

export function renderAttendance(rows, people) {
  const sorted = [...people].sort((a, b) => b.seconds - a.seconds || a.name.localeCompare(b.name));
  rows.replaceChildren(
    ...sorted.map((person) =>
      element(
        "tr",
        { data: { participantId: person.id } },
        element("td", { text: person.name }),
        element("td", { text: roleLabel(person.role) }),
        element("td", { className: "number", text: String(Math.round(person.seconds / 60)) }),
        element("td", { className: "number", text: String(Math.round(person.activeSeconds / 60)) }),
        element("td", { className: "number", text: String(person.visits) }),
        element("td", { text: person.present ? t("yes") : "" }),
      ),
    ),
  );
}
