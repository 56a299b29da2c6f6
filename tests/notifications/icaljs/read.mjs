// Reads each calendar file named on the command line with ical.js, as Thunderbird and
// many web clients do, and prints JSON: {path: [{uid, summary, start, end, startUtc,
// endUtc, zone}]}, `start` being the wall-clock time in the event's own zone as ical.js
// computes it from the file's VTIMEZONE (not from any time-zone database of its own).
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const out = {};
for (const path of process.argv.slice(2)) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtimezone);
  }
  out[path] = calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      summary: event.summary,
      start: event.startDate.toString(),
      end: event.endDate.toString(),
      startUtc: event.startDate.toJSDate().toISOString(),
      endUtc: event.endDate.toJSDate().toISOString(),
      zone: event.startDate.zone ? event.startDate.zone.tzid : null,
    };
  });
  for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.remove(vtimezone.getFirstPropertyValue("tzid"));
  }
}
console.log(JSON.stringify(out));
