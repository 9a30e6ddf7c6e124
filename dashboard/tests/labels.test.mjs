// Unit tests of the bucket labels and CSV text, which need no browser:
// node --test tests/
import assert from "node:assert/strict";
import { test } from "node:test";

import { bucketLabels, bucketLocalText, bucketTitle, offsetMinutes } from "../js/labels.js";
import { toCsv } from "../js/csv.js";

const HOUR = 3600000;

// Hourly buckets of a local day, from the UTC start of its first hour and
// the offset in minutes of each hour.
function day(firstStartMs, offsets) {
  return offsets.map((minutes, index) => {
    const sign = minutes < 0 ? "-" : "+";
    const absolute = Math.abs(minutes);
    const offset = `${sign}${String(Math.floor(absolute / 60)).padStart(2, "0")}:${String(absolute % 60).padStart(2, "0")}`;
    return { start: firstStartMs + index * HOUR, offset };
  });
}

test("offset minutes of common offsets", () => {
  assert.equal(offsetMinutes("+01:00"), 60);
  assert.equal(offsetMinutes("-06:00"), -360);
  assert.equal(offsetMinutes("+05:30"), 330);
  assert.equal(offsetMinutes("Z"), 0);
  assert.throws(() => offsetMinutes("CET"), /not a UTC offset/);
});

test("spring-forward day has 23 labels", () => {
  // Europe/Berlin, 2025-03-30: 00:00+01:00 is 2025-03-29T23:00Z, clocks jump at 02:00.
  const buckets = day(Date.UTC(2025, 2, 29, 23), [60, 60, ...Array(21).fill(120)]);
  const labels = bucketLabels(buckets, "hour");

  assert.equal(labels.length, 23);
  assert.deepEqual(labels.slice(0, 4), ["00:00", "01:00", "03:00", "04:00"]);
  assert.equal(labels[22], "23:00");
  assert.equal(new Set(labels).size, 23);
});

test("fall-back day labels the repeated hour with offsets", () => {
  // America/Chicago, 2022-11-06: 00:00-05:00 is 05:00Z, clocks go back at 02:00 CDT.
  const buckets = day(Date.UTC(2022, 10, 6, 5), [-300, -300, ...Array(23).fill(-360)]);
  const labels = bucketLabels(buckets, "hour");

  assert.equal(labels.length, 25);
  assert.deepEqual(labels.slice(0, 4), ["00:00", "01:00 (UTC-05:00)", "01:00 (UTC-06:00)", "02:00"]);
  assert.equal(labels[24], "23:00");
  assert.equal(new Set(labels).size, 25);
  assert.equal(bucketLocalText(buckets[2]), "2022-11-06 01:00");
  assert.equal(bucketTitle(buckets[2], "hour"), "Sun 6 Nov 2022, 01:00 (UTC-06:00)");
});

test("several days name the day in each label", () => {
  const buckets = day(Date.UTC(2025, 0, 5, 23), Array(48).fill(60));
  const labels = bucketLabels(buckets, "hour");

  assert.equal(labels[0], "Mon 6 Jan 00:00");
  assert.equal(labels[47], "Tue 7 Jan 23:00");
});

test("daily buckets are labelled by date", () => {
  const buckets = [
    { start: Date.UTC(2025, 2, 29, 23), offset: "+01:00" },
    { start: Date.UTC(2025, 2, 30, 22), offset: "+02:00" },
  ];

  assert.deepEqual(bucketLabels(buckets, "day"), ["Sun 30 Mar", "Mon 31 Mar"]);
});

test("csv defuses spreadsheet formulas", () => {
  const model = {
    labels: ["a"],
    csvX: ["=HYPERLINK(\"x\")"],
    series: [{ label: "Offset", values: ["+01:00"] }],
    extraColumns: [
      { header: "Note", values: ["-x"] },
      { header: "Sum", values: ["+1+2"] },
      { header: "Count", values: [-6] },
    ],
  };

  assert.equal(toCsv(model), 'x,Offset,Note,Sum,Count\r\n"\'=HYPERLINK(""x"")",+01:00,\'-x,\'+1+2,-6\r\n');
});

test("csv leaves gaps empty and quotes fields", () => {
  const model = {
    labels: ["a", "b"],
    csvXHeader: "Start, local",
    csvX: ["2025-03-30 01:00", "2025-03-30 03:00"],
    series: [{ label: "Entries", values: [3, null] }],
    extraColumns: [{ header: "Note", values: ['said "hi"', ""] }],
  };

  assert.equal(
    toCsv(model),
    '"Start, local",Entries,Note\r\n2025-03-30 01:00,3,"said ""hi"""\r\n2025-03-30 03:00,,\r\n',
  );
});
