// Chart models (see charts.js) built from the analytics' results.

import {
  bucketDateKey,
  bucketLabels,
  bucketLocalText,
  bucketTitle,
  hourLabel,
  offsetMinutes,
} from "./labels.js";

const { DateTime } = window.luxon;

export const COLORS = {
  entries: "#1f6fb4",
  exits: "#d9640f",
  entriesBefore: "#0b3c66",
  exitsBefore: "#8a3d05",
  smoothed: "#5b3ea6",
  raw: "#2a9d5b",
};
const PALETTE = ["#1f6fb4", "#d9640f", "#2a9d5b", "#5b3ea6", "#b0306a", "#6b6b00"];

const count = (value) => Math.round(value).toLocaleString("en-GB");
const oneDecimal = (value) => value.toLocaleString("en-GB", { maximumFractionDigits: 1 });

// Key of a bucket's local wall-clock time, shifted by a number of days,
// with the occurrence number of repeated hours, so a bucket can be
// matched with the same local hour one week earlier.
function wallKeys(buckets, resolution, shiftDays) {
  const seen = new Map();
  return buckets.map((bucket) => {
    const wall = new Date(bucket.start + offsetMinutes(bucket.offset) * 60000 + shiftDays * 86400000);
    const base = resolution === "day"
      ? wall.toISOString().slice(0, 10)
      : wall.toISOString().slice(0, 13);
    const occurrence = (seen.get(base) || 0) + 1;
    seen.set(base, occurrence);
    return `${base}#${occurrence}`;
  });
}

// Axis ticks of an hourly chart over several days. A day's name marks its
// first bucket, for at most about ten days, and other buckets get no tick.
// The full hour labels stay in tooltips, the table and the CSV file.
function dayTicks(buckets) {
  const days = buckets.map(bucketDateKey);
  const distinct = [...new Set(days)];
  if (distinct.length < 2) {
    return null;
  }

  const step = Math.ceil(distinct.length / 10);
  const shown = new Set(distinct.filter((_, index) => index % step === 0));
  return buckets.map((bucket, index) => {
    const first = index === 0 || days[index - 1] !== days[index];
    return first && shown.has(days[index]) ? bucketLabels([bucket], "day")[0] : "";
  });
}

/**
 * Model of the entries and exits per hour (or per day) chart.
 * @param {object} hourly result of the hourly analytic
 * @param {object|null} before the same analytic one week earlier
 */
export function hourlyModel(hourly, before) {
  const { buckets, resolution, zone } = hourly;
  const gaps = buckets.map((bucket) => bucket.watched === false);
  const valueOf = (field) => buckets.map((bucket, index) => (gaps[index] ? null : bucket[field]));

  const series = [
    { label: "Entries", type: "bar", values: valueOf("entries"), color: COLORS.entries, format: count },
    { label: "Exits", type: "bar", values: valueOf("exits"), color: COLORS.exits, format: count },
  ];

  if (before) {
    const byKey = new Map();
    wallKeys(before.buckets, before.resolution, 7).forEach((key, index) => {
      byKey.set(key, before.buckets[index]);
    });
    const matches = wallKeys(buckets, resolution, 0).map((key) => byKey.get(key) || null);
    const valueBefore = (field) =>
      matches.map((match) => (match && match.watched !== false ? match[field] : null));
    series.push(
      {
        label: "Entries, week before",
        type: "line",
        dashed: true,
        values: valueBefore("entries"),
        color: COLORS.entriesBefore,
        format: count,
      },
      {
        label: "Exits, week before",
        type: "line",
        dashed: true,
        values: valueBefore("exits"),
        color: COLORS.exitsBefore,
        format: count,
      },
    );
  }

  const unit = resolution === "day" ? "day" : "hour";
  return {
    labels: bucketLabels(buckets, resolution),
    tickLabels: resolution === "hour" ? dayTicks(buckets) : null,
    titles: buckets.map((bucket) => bucketTitle(bucket, resolution)),
    xType: "category",
    zone,
    xTitle: `${resolution === "day" ? "Day" : "Hour"} (${zone})`,
    yTitle: `People per ${unit}`,
    gaps,
    series,
    csvXHeader: resolution === "day" ? `Date (${zone})` : `Start (${zone})`,
    csvX: buckets.map((bucket) => (resolution === "day" ? bucketDateKey(bucket) : bucketLocalText(bucket))),
    extraColumns: [
      { header: "UTC offset", values: buckets.map((bucket) => bucket.offset) },
      { header: "Watched", values: buckets.map((bucket) => (bucket.watched === false ? "no" : "yes")) },
    ],
  };
}

/** Model of the hour-of-day profile: average people per observed hour. */
export function profileModel(hourly) {
  const rows = [...hourly.profile].sort((a, b) => a.hour - b.hour);
  const average = (field) =>
    rows.map((row) => (row.hours_observed > 0 ? row[field] / row.hours_observed : null));
  const footers = rows.map(
    (row) =>
      `${count(row.entries)} entries and ${count(row.exits)} exits over ` +
      `${row.hours_observed} hour${row.hours_observed === 1 ? "" : "s"} observed`,
  );

  return {
    labels: rows.map((row) => hourLabel(row.hour)),
    xType: "category",
    zone: hourly.zone,
    xTitle: `Hour of day (${hourly.zone})`,
    yTitle: "Average people per hour",
    yPrecision: 1,
    gaps: rows.map((row) => row.hours_observed === 0),
    series: [
      {
        label: "Entries per hour",
        type: "bar",
        values: average("entries"),
        color: COLORS.entries,
        format: oneDecimal,
        footers,
      },
      {
        label: "Exits per hour",
        type: "bar",
        values: average("exits"),
        color: COLORS.exits,
        format: oneDecimal,
      },
    ],
    csvXHeader: `Hour of day (${hourly.zone})`,
    extraColumns: [
      { header: "Entries", values: rows.map((row) => row.entries) },
      { header: "Exits", values: rows.map((row) => row.exits) },
      { header: "Hours observed", values: rows.map((row) => row.hours_observed) },
    ],
  };
}

/** "12 min 5 s" text of a duration in seconds. */
export function durationText(seconds) {
  if (seconds === null || seconds === undefined) {
    return "no data";
  }
  const rounded = Math.round(seconds);
  const minutes = Math.floor(rounded / 60);
  const rest = rounded % 60;
  if (minutes >= 60) {
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }
  return minutes > 0 ? `${minutes} min ${rest} s` : `${rest} s`;
}

/** Model of the average dwell by hour of entry, in minutes. */
export function dwellModel(dwell) {
  const rows = [...dwell.hours].sort((a, b) => a.hour - b.hour);
  const minutes = (field) => rows.map((row) => (row[field] === null ? null : row[field] / 60));
  const footers = rows.map((row) => `n = ${row.n} visit${row.n === 1 ? "" : "s"}`);
  const inMinutes = (value) => durationText(value * 60);

  return {
    labels: rows.map((row) => hourLabel(row.hour)),
    xType: "category",
    zone: dwell.zone,
    xTitle: `Hour of entry (${dwell.zone})`,
    yTitle: "Minutes in store",
    yPrecision: 1,
    series: [
      {
        label: `Smoothed mean (k = ${dwell.k})`,
        type: "line",
        values: minutes("smoothed_s"),
        csvValues: rows.map((row) => row.smoothed_s),
        csvHeader: "Smoothed mean (s)",
        color: COLORS.smoothed,
        format: inMinutes,
        footers,
      },
      {
        label: "Raw mean",
        type: "points",
        values: minutes("mean_s"),
        csvValues: rows.map((row) => row.mean_s),
        csvHeader: "Raw mean (s)",
        color: COLORS.raw,
        format: inMinutes,
      },
    ],
    csvXHeader: `Hour of entry (${dwell.zone})`,
    extraColumns: [{ header: "Visits (n)", values: rows.map((row) => row.n) }],
  };
}

function xLabelOf(value, xType, zone) {
  if (xType === "hour") {
    return hourLabel(Number(value));
  }
  if (xType === "time") {
    return DateTime.fromMillis(Number(value), { zone }).toFormat("yyyy-MM-dd HH:mm ZZ");
  }
  return String(value);
}

/**
 * Model of a plugin analytic's result, drawn from its chart hint:
 * {rows, x, x_type, y_label, series: [{field, label, type}]}.
 */
export function hintModel(analytic, result, fallbackZone) {
  const hint = analytic.chart;
  const rows = result[hint.rows];
  if (!Array.isArray(rows)) {
    throw new TypeError(
      `The result of the analytic "${analytic.name}" is missing the list "${hint.rows}" ` +
        "that its chart hint names. Fix the plugin's chart hint or its result.",
    );
  }

  const zone = result.zone || fallbackZone;
  const xType = hint.x_type === "time" ? "time" : "category";
  const xValues = rows.map((row) => row[hint.x]);
  const tableLabels = xValues.map((value) => xLabelOf(value, hint.x_type, zone));

  let xTitle = hint.x;
  if (hint.x_type === "time") {
    xTitle = `Time (${zone})`;
  } else if (hint.x_type === "hour") {
    xTitle = `Hour of day (${zone})`;
  }

  return {
    labels: xType === "time" ? xValues.map(Number) : tableLabels,
    tableLabels,
    xType,
    zone,
    xTitle,
    yTitle: hint.y_label || "",
    yPrecision: 2,
    csvX: tableLabels,
    series: hint.series.map((item, index) => ({
      label: item.label || item.field,
      type: ["bar", "line", "points"].includes(item.type) ? item.type : "bar",
      values: rows.map((row) => (typeof row[item.field] === "number" ? row[item.field] : null)),
      color: PALETTE[index % PALETTE.length],
      format: (value) => value.toLocaleString("en-GB", { maximumFractionDigits: 2 }),
    })),
  };
}
