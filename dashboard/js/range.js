// Date ranges of the range selector, computed in the presentation zone
// with Luxon so that a day is a calendar day there (23 or 25 hours on
// daylight-saving days), never 24 fixed hours.

const { DateTime } = window.luxon;

// Ranges longer than this many days are drawn with one bar a day,
// because the hourly analytic offers daily buckets beyond it.
export const MAX_HOURLY_DAYS = 31;

export const RANGE_NAMES = {
  today: "Today",
  yesterday: "Yesterday",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  custom: "Custom range",
};

/**
 * Compute the range [start, end) for a range choice.
 * @param {string} kind one of the keys of RANGE_NAMES
 * @param {string} zone IANA time zone the days are counted in
 * @param {{from: string, to: string}} custom ISO dates, both days included
 * @param {luxon.DateTime} [now] the current time, for tests of the page
 * @returns {{start: luxon.DateTime, end: luxon.DateTime, days: number, resolution: string}}
 */
export function computeRange(kind, zone, custom, now = DateTime.now()) {
  const today = now.setZone(zone).startOf("day");
  let start;
  let end;

  if (kind === "yesterday") {
    start = today.minus({ days: 1 });
    end = today;
  } else if (kind === "7d") {
    start = today.minus({ days: 6 });
    end = today.plus({ days: 1 });
  } else if (kind === "30d") {
    start = today.minus({ days: 29 });
    end = today.plus({ days: 1 });
  } else if (kind === "custom") {
    start = DateTime.fromISO(custom.from, { zone }).startOf("day");
    end = DateTime.fromISO(custom.to, { zone }).startOf("day").plus({ days: 1 });
    if (!start.isValid || !end.isValid || end <= start) {
      throw new RangeError(
        `The custom range ${custom.from || "(no start)"} to ${custom.to || "(no end)"} is not valid. ` +
          "Pick a start date and an end date on or after it.",
      );
    }
  } else {
    start = today;
    end = today.plus({ days: 1 });
  }

  const days = Math.round(end.diff(start, "days").days);
  const resolution = days > MAX_HOURLY_DAYS ? "day" : "hour";
  return { start, end, days, resolution };
}

// The same range one week earlier, for the comparison series.
export function weekBefore(range) {
  return {
    ...range,
    start: range.start.minus({ weeks: 1 }),
    end: range.end.minus({ weeks: 1 }),
  };
}

// ISO 8601 with the zone's offset, as the analytics' start and end expect.
export function isoParam(dateTime) {
  return dateTime.toISO({ suppressMilliseconds: true });
}

// Human-readable description of a range, its last day included.
export function describeRange(range) {
  const lastDay = range.end.minus({ days: 1 });
  const format = "ccc d LLL yyyy";
  if (range.days === 1) {
    return range.start.toFormat(format);
  }
  return `${range.start.toFormat(format)} to ${lastDay.toFormat(format)}`;
}
