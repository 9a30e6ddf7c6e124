// The summary cards of the selected range.

import { durationText } from "./models.js";
import { hourSpan } from "./labels.js";

const { DateTime } = window.luxon;

const number = (value) => value.toLocaleString("en-GB");

function totals(hourly) {
  let entries = 0;
  let exits = 0;
  for (const bucket of hourly.buckets) {
    if (bucket.watched !== false) {
      entries += bucket.entries;
      exits += bucket.exits;
    }
  }
  return { entries, exits };
}

// The clock hour with the most entries over the range, or null.
function peakHour(hourly) {
  let best = null;
  for (const row of hourly.profile) {
    if (row.entries > 0 && (best === null || row.entries > best.entries)) {
      best = row;
    }
  }
  return best;
}

function change(now, before) {
  if (before === 0) {
    return now === 0 ? "same as the week before" : "none the week before";
  }
  const percent = Math.round(((now - before) / before) * 100);
  const sign = percent > 0 ? "+" : "";
  return `${sign}${percent}% on the week before (${number(before)})`;
}

/**
 * Build the summary figures: [{id, label, value, note}].
 * @param {object} data hourly, before (or null), dwell, occupancy
 */
export function summaryItems({ hourly, before, dwell, occupancy }) {
  const { entries, exits } = totals(hourly);
  const previous = before ? totals(before) : null;
  const peak = peakHour(hourly);

  const items = [
    {
      id: "events",
      label: "Events",
      value: number(entries + exits),
      note: previous ? change(entries + exits, previous.entries + previous.exits) : "entries and exits",
    },
    {
      id: "entries",
      label: "Entries",
      value: number(entries),
      note: previous ? change(entries, previous.entries) : "",
    },
    {
      id: "exits",
      label: "Exits",
      value: number(exits),
      note: previous ? change(exits, previous.exits) : "",
    },
    {
      id: "dwell",
      label: "Average dwell",
      value: dwell ? durationText(dwell.overall_mean_s) : "no data",
      note: dwell ? `${number(dwell.n)} matched visit${dwell.n === 1 ? "" : "s"}` : "",
    },
    {
      id: "peak",
      label: "Peak hour",
      value: peak ? hourSpan(peak.hour) : "none",
      note: peak ? `${number(peak.entries)} entries` : "no entries in range",
    },
  ];

  if (occupancy) {
    const since = DateTime.fromMillis(occupancy.since, { zone: occupancy.zone }).toFormat("HH:mm");
    items.push({
      id: "occupancy",
      label: "In store now",
      value: number(occupancy.displayed),
      note:
        `drift ${number(occupancy.drift)} · since ${since} ${occupancy.zone}` +
        (occupancy.drift > 0 ? " (more exits than entries were counted)" : ""),
    });
  }
  return items;
}

/** Render the figures into a description list. */
export function showSummary(list, items) {
  list.replaceChildren();
  for (const item of items) {
    const card = document.createElement("div");
    card.className = "card";
    card.dataset.figure = item.id;

    const term = document.createElement("dt");
    term.textContent = item.label;
    const value = document.createElement("dd");
    value.className = "value";
    value.textContent = item.value;
    card.append(term, value);

    if (item.note) {
      const note = document.createElement("dd");
      note.className = "note";
      note.textContent = item.note;
      card.append(note);
    }
    list.append(card);
  }
}
