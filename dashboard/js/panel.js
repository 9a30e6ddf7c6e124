// A chart panel: heading, zone note, canvas, the same numbers as a table
// for screen readers and keyboard users, and a CSV download of them.

import { drawChart } from "./charts.js";
import { toCsv, downloadCsv } from "./csv.js";

const plain = (value) => String(value);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/**
 * Create a panel and append it to a parent.
 * @param {HTMLElement} parent
 * @param {string} id short name, used in element ids and file names
 * @param {string} title heading text
 * @param {{description?: string, controls?: HTMLElement}} [extra]
 */
export function createPanel(parent, id, title, extra = {}) {
  const section = element("section", "panel");
  section.id = `panel-${id}`;
  section.setAttribute("aria-labelledby", `panel-${id}-title`);

  const head = element("div", "panel-head");
  const heading = element("h2", "", title);
  heading.id = `panel-${id}-title`;
  head.append(heading);

  const csvButton = element("button", "csv-button", "Download CSV");
  csvButton.type = "button";
  csvButton.disabled = true;
  csvButton.setAttribute("aria-label", `Download ${title} as CSV`);
  head.append(csvButton);
  section.append(head);

  if (extra.description) {
    section.append(element("p", "panel-description", extra.description));
  }
  const zoneNote = element("p", "zone-note");
  zoneNote.id = `panel-${id}-zone`;
  section.append(zoneNote);
  if (extra.controls) {
    section.append(extra.controls);
  }
  const note = element("p", "panel-note");
  note.hidden = true;
  section.append(note);

  const box = element("div", "chart-box");
  const canvas = element("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-describedby", `panel-${id}-zone`);
  box.append(canvas);
  section.append(box);

  const details = element("details", "data-table");
  details.append(element("summary", "", "Show the numbers as a table"));
  const tableWrap = element("div", "table-wrap");
  const table = element("table");
  tableWrap.append(table);
  details.append(tableWrap);
  section.append(details);

  parent.append(section);

  let current = null;
  let fileName = `${id}.csv`;

  // The table is built when it is first opened after a change: a year of
  // hourly rows is thousands of cells that most views never show.
  let tableModel = null;
  const fillIfOpen = () => {
    if (details.open && tableModel) {
      fillTable(table, title, tableModel);
      tableModel = null;
    }
  };
  details.addEventListener("toggle", fillIfOpen);
  csvButton.addEventListener("click", () => {
    if (current) {
      downloadCsv(fileName, toCsv(current));
    }
  });

  return {
    section,
    canvas,
    /**
     * Show a model: chart, table and CSV.
     * @param {object} model chart model (see charts.js)
     * @param {{zoneText: string, fileName: string, summary: string, note?: string}} view
     */
    show(model, view) {
      for (const series of model.series) {
        series.format = series.format || plain;
      }
      current = model;
      fileName = view.fileName;
      zoneNote.textContent = view.zoneText;
      note.textContent = view.note || "";
      note.hidden = !view.note;
      canvas.setAttribute("aria-label", `${title}. ${view.summary}`);
      drawChart(canvas, model);
      tableModel = model;
      fillIfOpen();
      csvButton.disabled = false;
    },
    /** Show a message in place of the chart, such as a failed request. */
    fail(message) {
      current = null;
      csvButton.disabled = true;
      note.textContent = message;
      note.hidden = false;
      section.classList.add("failed");
    },
    clearFailure() {
      section.classList.remove("failed");
    },
    remove() {
      section.remove();
    },
  };
}

function fillTable(table, title, model) {
  table.replaceChildren();

  const caption = element("caption", "visually-hidden", title);
  table.append(caption);

  const head = element("thead");
  const headRow = element("tr");
  for (const text of [model.xTitle || "", ...model.series.map((series) => series.label)]) {
    const cell = element("th", "", text);
    cell.scope = "col";
    headRow.append(cell);
  }
  for (const extra of model.extraColumns || []) {
    const cell = element("th", "", extra.header);
    cell.scope = "col";
    headRow.append(cell);
  }
  head.append(headRow);
  table.append(head);

  const body = element("tbody");
  model.labels.forEach((_, index) => {
    const row = element("tr");
    const rowHead = element("th", "", model.tableLabels ? model.tableLabels[index] : String(model.labels[index]));
    rowHead.scope = "row";
    row.append(rowHead);
    for (const series of model.series) {
      const value = series.values[index];
      const text = value === null || value === undefined ? "no data" : series.format(value);
      row.append(element("td", "", text));
    }
    for (const extra of model.extraColumns || []) {
      row.append(element("td", "", String(extra.values[index] ?? "")));
    }
    body.append(row);
  });
  table.append(body);
}
