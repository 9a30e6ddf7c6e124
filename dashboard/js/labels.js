// Labels of the hourly analytic's buckets. The local time of a bucket is
// computed from its own start (epoch ms) and UTC offset as the API sends
// them, so the labels are exact on daylight-saving days whatever time zone
// data the browser has.

// English names, fixed here because Intl's date formats differ between
// ICU versions (commas, order), and labels must read the same everywhere.
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// "Sun 30 Mar" of a wall-clock Date (see wallClock).
function dayText(wall) {
  return `${WEEKDAYS[wall.getUTCDay()]} ${wall.getUTCDate()} ${MONTHS[wall.getUTCMonth()]}`;
}

/**
 * Minutes east of UTC of an offset such as "+05:30", "-06:00" or "Z".
 * @param {string} offset
 */
export function offsetMinutes(offset) {
  if (offset === "Z" || offset === "+00:00" || offset === "-00:00") {
    return 0;
  }

  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(offset || "");
  if (!match) {
    throw new RangeError(
      `The bucket offset ${JSON.stringify(offset)} is not a UTC offset such as +01:00. ` +
        "The service sent a malformed hourly result; check its version.",
    );
  }
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === "-" ? -minutes : minutes;
}

// A Date whose UTC fields are the bucket's local wall-clock fields.
function wallClock(startMs, offset) {
  return new Date(startMs + offsetMinutes(offset) * 60000);
}

const pad = (value) => String(value).padStart(2, "0");

function clockText(wall) {
  return `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}`;
}

function dateText(wall) {
  return `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}`;
}

/** "UTC+02:00" style text of an offset. */
export function offsetText(offset) {
  return offset === "Z" ? "UTC+00:00" : `UTC${offset}`;
}

/** Local date and time of a bucket start, "2025-03-30 03:00", for CSV files. */
export function bucketLocalText(bucket) {
  const wall = wallClock(bucket.start, bucket.offset);
  return `${dateText(wall)} ${clockText(wall)}`;
}

/** Local calendar date of a bucket, "2025-03-30". */
export function bucketDateKey(bucket) {
  return dateText(wallClock(bucket.start, bucket.offset));
}

/**
 * Axis labels for the hourly analytic's buckets. One-day ranges show
 * the clock hour only; longer ones add the day. Where a local hour
 * occurs twice (the fall-back day), both get their UTC offset, so each
 * label names one hour.
 * @param {Array<{start: number, offset: string}>} buckets
 * @param {"hour"|"day"} resolution
 */
export function bucketLabels(buckets, resolution) {
  const walls = buckets.map((bucket) => wallClock(bucket.start, bucket.offset));

  if (resolution === "day") {
    return walls.map((wall) => dayText(wall));
  }

  const days = new Set(walls.map(dateText));
  const plain = walls.map((wall) =>
    days.size > 1 ? `${dayText(wall)} ${clockText(wall)}` : clockText(wall),
  );

  const seen = new Map();
  for (const label of plain) {
    seen.set(label, (seen.get(label) || 0) + 1);
  }

  return plain.map((label, index) =>
    seen.get(label) > 1 ? `${label} (${offsetText(buckets[index].offset)})` : label,
  );
}

/** Tooltip title of a bucket: its full local date, hour and offset. */
export function bucketTitle(bucket, resolution) {
  const wall = wallClock(bucket.start, bucket.offset);
  const date = `${dayText(wall)} ${wall.getUTCFullYear()}`;
  if (resolution === "day") {
    return date;
  }
  return `${date}, ${clockText(wall)} (${offsetText(bucket.offset)})`;
}

/** "07:00" label of an hour of day. */
export function hourLabel(hour) {
  return `${pad(hour)}:00`;
}

/** "17:00–18:00" text of an hour of day. */
export function hourSpan(hour) {
  return `${pad(hour)}:00–${pad((hour + 1) % 24)}:00`;
}
