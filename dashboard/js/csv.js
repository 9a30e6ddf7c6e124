// CSV files of chart models (RFC 4180: comma separated, CRLF line ends,
// fields with commas, quotes or line breaks quoted).

// Text that a spreadsheet would run as a formula: a leading =, @, tab or
// carriage return, or a leading + or - unless the rest is only digits,
// dots and colons (so "+01:00" and "-6" stay as they are). Plugin results
// may contain any text.
const FORMULA_START = /^[=@\t\r]|^[+-](?![\d.:]+$)/;

function field(value) {
  if (value === null || value === undefined) {
    return "";
  }
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * CSV text of a chart model: one row per x value, one column per series
 * plus the model's extra columns. Values are the raw numbers the chart
 * draws; a bucket with no data is an empty field, never 0.
 */
export function toCsv(model) {
  const header = [
    model.csvXHeader || model.xTitle || "x",
    ...model.series.map((series) => series.csvHeader || series.label),
    ...(model.extraColumns || []).map((extra) => extra.header),
  ];
  const xValues = model.csvX || model.labels;

  const rows = [header];
  xValues.forEach((x, index) => {
    rows.push([
      x,
      ...model.series.map((series) => (series.csvValues || series.values)[index]),
      ...(model.extraColumns || []).map((extra) => extra.values[index]),
    ]);
  });
  return rows.map((row) => row.map(field).join(",")).join("\r\n") + "\r\n";
}

/** Offer text as a downloaded file. */
export function downloadCsv(fileName, text) {
  const blob = new Blob([text], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke later: the download starts asynchronously and needs the URL.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
