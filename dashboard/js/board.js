// The board: controls, loading every figure of the selected view, and
// drawing it. Every request goes to the analytics API; no raw event ever
// reaches the browser.

import { ApiError } from "./api.js";
import { createPanel } from "./panel.js";
import { dwellModel, hintModel, hourlyModel, profileModel } from "./models.js";
import { computeRange, describeRange, isoParam, RANGE_NAMES, weekBefore } from "./range.js";
import { deviceProblems, showAlerts, showDevices } from "./status.js";
import { showSummary, summaryItems } from "./summary.js";
import { writeViewState } from "./view-state.js";

const { DateTime } = window.luxon;

// Analytics with their own charts; any other one is drawn from its hint.
const BUILT_IN = new Set(["hourly", "dwell"]);

export const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

const $ = (id) => document.getElementById(id);

function safeName(text) {
  return text.replace(/[^A-Za-z0-9._-]+/g, "_");
}

function kControl(initial) {
  const wrap = document.createElement("div");
  wrap.className = "panel-controls";
  const label = document.createElement("label");
  label.htmlFor = "dwell-k";
  label.textContent = "Prior strength k";
  const input = document.createElement("input");
  input.type = "number";
  input.id = "dwell-k";
  input.min = "0";
  input.max = "1000";
  input.step = "1";
  input.value = String(initial);
  input.setAttribute("aria-describedby", "dwell-k-hint");
  const hint = document.createElement("span");
  hint.id = "dwell-k-hint";
  hint.className = "hint";
  hint.textContent = "A larger k pulls hours with few visits toward the mean of the whole range.";
  wrap.append(label, input, hint);
  return { wrap, input };
}

/**
 * Create the board for a signed-in client.
 * @param {{get: Function}} client API client
 * @param {object} view view state (see view-state.js), changed in place
 * @param {{onUnauthorized: Function, setStatus: Function}} hooks
 */
export function createBoard(client, view, hooks) {
  const panelsRoot = $("panels");
  panelsRoot.replaceChildren();

  const k = kControl(view.k);
  const panels = {
    hourly: createPanel(panelsRoot, "hourly", "Entries and exits"),
    profile: createPanel(panelsRoot, "profile", "Hour-of-day profile"),
    dwell: createPanel(panelsRoot, "dwell", "Average dwell time by hour of entry", { controls: k.wrap }),
  };
  const pluginPanels = new Map();

  let stores = [];
  let analytics = [];
  let generation = 0;
  let lastLoad = 0;

  const currentStore = () => stores.find((store) => store.name === view.store) || stores[0];
  const presentationZone = () => (view.zoneMode === "browser" ? BROWSER_ZONE : currentStore().timezone);

  function fillStoreSelect() {
    const select = $("store");
    select.replaceChildren(
      ...stores.map((store) => new Option(`${store.name} (${store.timezone})`, store.name)),
    );
    if (!stores.some((store) => store.name === view.store)) {
      view.store = stores[0].name;
    }
    select.value = view.store;
  }

  function fillDeviceSelect() {
    const store = currentStore();
    const select = $("device");
    select.replaceChildren(
      new Option("All doors", ""),
      ...store.devices.map((device) => new Option(device.name, device.name)),
    );
    if (!store.devices.some((device) => device.name === view.device)) {
      view.device = "";
    }
    select.value = view.device;
    $("device-field").hidden = store.devices.length < 2;
  }

  function syncControls() {
    $("store-zone-name").textContent = currentStore().timezone;
    $("browser-zone-name").textContent = BROWSER_ZONE;
    for (const radio of document.querySelectorAll('input[name="range"]')) {
      radio.checked = radio.value === view.range;
    }
    for (const radio of document.querySelectorAll('input[name="zone"]')) {
      radio.checked = radio.value === view.zoneMode;
    }
    $("compare").checked = view.compare;
    $("custom-range").hidden = view.range !== "custom";

    if (!view.from || !view.to) {
      const today = DateTime.now().setZone(presentationZone()).toISODate();
      view.from = view.from || today;
      view.to = view.to || today;
    }
    $("from").value = view.from;
    $("to").value = view.to;
  }

  function syncPluginPanels() {
    const wanted = analytics.filter((analytic) => !BUILT_IN.has(analytic.name) && analytic.chart);
    for (const [name, panel] of pluginPanels) {
      if (!wanted.some((analytic) => analytic.name === name)) {
        panel.remove();
        pluginPanels.delete(name);
      }
    }
    for (const analytic of wanted) {
      if (!pluginPanels.has(analytic.name)) {
        pluginPanels.set(
          analytic.name,
          createPanel(panelsRoot, `analytic-${safeName(analytic.name)}`, analytic.title || analytic.name, {
            description: analytic.description,
          }),
        );
      }
    }
  }

  // Load everything the view shows and draw it. A newer load makes an
  // older one drop its responses, so a slow request never overwrites a
  // newer view.
  // ``freshStores`` is a store list just fetched, which the first load reuses.
  // A ``background`` load (the timed refresh) shows no loading message, so
  // screen readers do not announce one every 30 seconds.
  async function load({ freshStores = null, background = false } = {}) {
    const loadNumber = ++generation;
    writeViewState(view);

    const zone = presentationZone();
    let range;
    try {
      range = computeRange(view.range, zone, { from: view.from, to: view.to });
    } catch (error) {
      hooks.setStatus(error.message, "error");
      document.body.dataset.state = "error";
      return;
    }

    document.body.dataset.state = "loading";
    $("board").setAttribute("aria-busy", "true");
    if (!background) {
      hooks.setStatus(`Loading ${RANGE_NAMES[view.range].toLowerCase()} for ${view.store}…`, "info");
    }

    const params = {
      store: view.store,
      device: view.device,
      tz: zone,
      start: isoParam(range.start),
      end: isoParam(range.end),
    };
    const earlier = weekBefore(range);
    const get = (path, extra = {}) => client.get(path, { ...params, ...extra });

    const requests = {
      stores: freshStores ? Promise.resolve(freshStores) : client.get("/api/v1/stores"),
      hourly: get("/api/v1/analytics/hourly", { resolution: range.resolution }),
      before: view.compare
        ? get("/api/v1/analytics/hourly", {
            resolution: range.resolution,
            start: isoParam(earlier.start),
            end: isoParam(earlier.end),
          })
        : Promise.resolve(null),
      dwell: get("/api/v1/analytics/dwell", { k: view.k }),
      occupancy: client.get(`/api/v1/stores/${encodeURIComponent(view.store)}/occupancy`),
    };
    for (const name of pluginPanels.keys()) {
      requests[`plugin:${name}`] = get(`/api/v1/analytics/${encodeURIComponent(name)}`);
    }

    const names = Object.keys(requests);
    const settled = await Promise.allSettled(Object.values(requests));
    if (loadNumber !== generation) {
      return;
    }
    const results = {};
    const errors = {};
    names.forEach((name, index) => {
      if (settled[index].status === "fulfilled") {
        results[name] = settled[index].value;
      } else {
        errors[name] = settled[index].reason;
      }
    });

    const failures = Object.values(errors);
    if (failures.some((error) => error instanceof ApiError && error.kind === "unauthorized")) {
      hooks.onUnauthorized(failures.find((error) => error.kind === "unauthorized").message);
      return;
    }

    let drawn = true;
    try {
      draw(range, zone, results, errors);
    } catch (error) {
      // A result the page cannot draw must not leave it loading forever.
      drawn = false;
      hooks.setStatus(
        `The dashboard failed to draw the service's data: ${error.message}. ` +
          "Reload the page; if this happens again, check that the service and the dashboard are the same version.",
        "error",
      );
    }
    lastLoad = Date.now();
    $("board").removeAttribute("aria-busy");
    document.body.dataset.state = failures.length || !drawn ? "error" : "ready";
    if (!document.body.dataset.firstLoadMs) {
      // Time from navigation start to the first complete render, read by the benchmark.
      document.body.dataset.firstLoadMs = String(Math.round(performance.now()));
    }
    document.body.dataset.loads = String(Number(document.body.dataset.loads || 0) + 1);
  }

  function draw(range, zone, results, errors) {
    const now = Date.now();
    const rangeText = describeRange(range);
    const zoneKind = view.zoneMode === "browser" ? "this device's time zone" : "the store's time zone";
    const zoneText = `Times in ${zone} (${zoneKind}). ${rangeText}.`;
    const fileStem = `footfall_${safeName(view.store)}${view.device ? `_${safeName(view.device)}` : ""}` +
      `_${range.start.toISODate()}_${range.end.minus({ days: 1 }).toISODate()}`;

    if (results.stores) {
      stores = results.stores.stores;
      const store = currentStore();
      showAlerts($("alerts"), deviceProblems(store, now));
      showDevices(document.querySelector("#devices tbody"), store, now);
    }

    const firstError = Object.values(errors)[0];
    let message = firstError ? firstError.message : "";

    if (results.hourly) {
      const hourly = results.hourly;
      const model = hourlyModel(hourly, results.before || null);
      const entries = model.series[0].values.reduce((sum, value) => sum + (value || 0), 0);
      const exits = model.series[1].values.reduce((sum, value) => sum + (value || 0), 0);
      const watchedNone = hourly.buckets.every((bucket) => bucket.watched === false);
      const emptyNote = entries + exits === 0
        ? `No entries or exits were recorded at ${view.store} for ${rangeText.toLowerCase()}` +
          (watchedNone ? ": no device was watching." : ".")
        : "";
      if (!message && emptyNote) {
        message = emptyNote;
      }

      panels.hourly.clearFailure();
      panels.hourly.show(model, {
        zoneText: `${zoneText} ${hourly.resolution === "day" ? "One bar a day." : "One bar an hour."} ` +
          "Grey bands: no device was watching.",
        fileName: `${fileStem}_hourly.csv`,
        summary: `${entries} entries and ${exits} exits, ${zoneText}`,
        note: emptyNote,
      });
      panels.profile.clearFailure();
      panels.profile.show(profileModel(hourly), {
        zoneText: `${zoneText} Average per clock hour observed in the range.`,
        fileName: `${fileStem}_profile.csv`,
        summary: `Average entries and exits for each hour of the day, ${zoneText}`,
      });

      showSummary($("summary"), summaryItems({
        hourly,
        before: results.before || null,
        dwell: results.dwell || null,
        occupancy: results.occupancy || null,
      }));
      $("summary-range").textContent = `${rangeText}, ${zone}`;
    } else {
      panels.hourly.fail(errors.hourly.message);
      panels.profile.fail(errors.hourly.message);
    }

    if (results.dwell) {
      panels.dwell.clearFailure();
      panels.dwell.show(dwellModel(results.dwell), {
        zoneText: `${zoneText} ${results.dwell.n} matched visits; ` +
          `${results.dwell.excluded_long} longer than the store's maximum left out.`,
        fileName: `${fileStem}_dwell.csv`,
        summary: `Smoothed and raw mean dwell in minutes for each hour of entry, ${zoneText}`,
      });
    } else {
      panels.dwell.fail(errors.dwell.message);
    }

    for (const [name, panel] of pluginPanels) {
      const key = `plugin:${name}`;
      const analytic = analytics.find((item) => item.name === name);
      if (!results[key]) {
        panel.fail(errors[key].message);
        continue;
      }
      try {
        const model = hintModel(analytic, results[key], zone);
        panel.clearFailure();
        panel.show(model, {
          zoneText: model.zone ? `Times in ${model.zone}. ${rangeText}.` : `${rangeText}.`,
          fileName: `${fileStem}_${safeName(name)}.csv`,
          summary: analytic.description || analytic.title || name,
        });
      } catch (error) {
        panel.fail(error.message);
      }
    }

    const time = DateTime.now().setZone(zone).toFormat("HH:mm:ss");
    $("refresh-note").textContent =
      `Updated ${time}. The page refreshes every 30 seconds while this tab is visible.`;
    hooks.setStatus(message, firstError ? "error" : "info");
  }

  function bindControls() {
    const controls = $("controls");
    controls.onchange = (event) => {
      const target = event.target;
      if (target.name === "store") {
        view.store = target.value;
        view.device = "";
        fillDeviceSelect();
      } else if (target.name === "device") {
        view.device = target.value;
      } else if (target.name === "range") {
        view.range = target.value;
        $("custom-range").hidden = view.range !== "custom";
        if (view.range === "custom") {
          // Wait for the Show button: both dates are usually changed.
          return;
        }
      } else if (target.name === "zone") {
        view.zoneMode = target.value;
      } else if (target.name === "compare") {
        view.compare = target.checked;
      } else {
        return;
      }
      syncControls();
      load();
    };
    controls.onsubmit = (event) => event.preventDefault();
    $("apply-custom").onclick = () => {
      view.from = $("from").value;
      view.to = $("to").value;
      load();
    };
    k.input.addEventListener("change", () => {
      const value = Number(k.input.value);
      if (!Number.isFinite(value) || value < 0) {
        hooks.setStatus(`The prior strength k must be a number of 0 or more, not "${k.input.value}".`, "error");
        return;
      }
      view.k = value;
      load();
    });
  }

  return {
    /**
     * Load the stores and analytics the key may see, then the view.
     * @param {{stores: Promise, analytics: Promise}} prefetched requests that sign-in
     *   started together with its key check, to save a round trip
     */
    async start(prefetched) {
      const [storeList, analyticList] = await Promise.all([prefetched.stores, prefetched.analytics]);
      stores = storeList.stores;
      analytics = analyticList.analytics;
      if (stores.length === 0) {
        hooks.setStatus("This key may see no store yet. Ask an administrator to create one.", "error");
        document.body.dataset.state = "ready";
        return;
      }

      fillStoreSelect();
      fillDeviceSelect();
      syncControls();
      syncPluginPanels();
      bindControls();
      await load({ freshStores: storeList });
    },
    load,
    get lastLoad() {
      return lastLoad;
    },
  };
}
