// Device status table and the alerts at the top of the page.

const { DateTime } = window.luxon;

// A device that has sent neither a heartbeat nor an event for this long
// is flagged: it heartbeats every 60 s by default, so five minutes means
// several missed heartbeats, not one late one.
export const SILENT_AFTER_MS = 5 * 60 * 1000;

function ago(ms, now) {
  const minutes = Math.floor((now - ms) / 60000);
  if (minutes < 1) {
    return "less than a minute ago";
  }
  if (minutes < 120) {
    return `${minutes} minute${minutes === 1 ? "" : "s"} ago`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    return `${hours} hours ago`;
  }
  return `${Math.floor(hours / 24)} days ago`;
}

function momentText(ms, now, zone) {
  if (ms === null || ms === undefined) {
    return "never";
  }
  const time = DateTime.fromMillis(ms, { zone }).toFormat("d LLL HH:mm");
  return `${ago(ms, now)} (${time})`;
}

/**
 * List the problems of a store's devices, as sentences for the alert area.
 * @param {object} store a store of GET /api/v1/stores
 * @param {number} now epoch ms
 */
export function deviceProblems(store, now) {
  const problems = [];
  for (const device of store.devices) {
    const lastContact = Math.max(device.last_heartbeat_ms ?? -Infinity, device.last_event_ms ?? -Infinity);
    if (!Number.isFinite(lastContact)) {
      problems.push(
        `Door "${device.name}" has never reported to the service. ` +
          "Check its power, Wi-Fi and API key.",
      );
    } else if (now - lastContact > SILENT_AFTER_MS) {
      problems.push(
        `Door "${device.name}" has been silent since ${momentText(lastContact, now, store.timezone)}. ` +
          "Its counts are missing until it reconnects; check its power and Wi-Fi.",
      );
    }

    if (device.status && device.status.camera === "fault") {
      problems.push(
        `Door "${device.name}" reports a camera fault, so it counts nobody. ` +
          "Check the camera cable and restart the device.",
      );
    }
  }
  return problems;
}

/** Fill the alert area; it is hidden when there is nothing to flag. */
export function showAlerts(container, problems) {
  // The area is a live region: rewriting the same alerts on every refresh
  // would make screen readers read them out again.
  const text = problems.join("\n");
  if (container.dataset.text === text) {
    return;
  }
  container.dataset.text = text;
  container.replaceChildren();
  for (const problem of problems) {
    const item = document.createElement("p");
    item.className = "alert";
    item.textContent = problem;
    container.append(item);
  }
  container.hidden = problems.length === 0;
}

/** Fill the device table's body with one row per device. */
export function showDevices(tbody, store, now) {
  tbody.replaceChildren();
  for (const device of store.devices) {
    const status = device.status || {};
    const lastContact = Math.max(device.last_heartbeat_ms ?? -Infinity, device.last_event_ms ?? -Infinity);
    const silent = !Number.isFinite(lastContact) || now - lastContact > SILENT_AFTER_MS;

    const row = document.createElement("tr");
    if (silent || status.camera === "fault") {
      row.className = "flagged";
    }
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = device.name;
    row.append(name);

    const cells = [
      momentText(device.last_heartbeat_ms, now, store.timezone),
      momentText(device.last_event_ms, now, store.timezone),
      status.camera ?? "unknown",
      status.queue_depth ?? "unknown",
      status.dropped ?? "unknown",
      status.firmware ?? "unknown",
      status.rssi_dbm === undefined || status.rssi_dbm === null ? "unknown" : `${status.rssi_dbm} dBm`,
    ];
    for (const text of cells) {
      const cell = document.createElement("td");
      cell.textContent = String(text);
      row.append(cell);
    }
    tbody.append(row);
  }
}
