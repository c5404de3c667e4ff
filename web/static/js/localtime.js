// Shows each time on the page in the viewer's own time zone as well, next to the event's.
// The server renders <span class="local-time" data-start data-end data-zone data-label hidden>
// with UTC instants; when the viewer's clock differs from the event zone's, we fill it in.

const lang = document.documentElement.lang || undefined;
const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const DAY_AND_TIME = {
  weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
};
const TIME = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };

function formatter(options, timeZone) {
  try {
    return new Intl.DateTimeFormat(lang, timeZone ? { ...options, timeZone } : options);
  } catch (error) {
    if (error instanceof RangeError) return null; // a zone this browser does not know
    throw error;
  }
}

function spanText(start, end, timeZone) {
  const full = formatter(DAY_AND_TIME, timeZone);
  if (full === null) return null;
  if (end === null) return full.format(start);
  const day = formatter({ year: "numeric", month: "numeric", day: "numeric" }, timeZone);
  const sameDay = day.format(start) === day.format(end);
  return `${full.format(start)}–${(sameDay ? formatter(TIME, timeZone) : full).format(end)}`;
}

export function fillLocalTime(element) {
  const start = new Date(element.dataset.start);
  const end = element.dataset.end ? new Date(element.dataset.end) : null;
  if (Number.isNaN(start.getTime())) return;
  const mine = spanText(start, end, undefined);
  if (mine === spanText(start, end, element.dataset.zone)) return; // same clock as the event
  element.textContent = `${element.dataset.label} ${mine} (${viewerZone})`;
  element.hidden = false;
}

for (const element of document.querySelectorAll(".local-time[data-start]")) {
  fillLocalTime(element);
}
