// View of the page (store, door, range, zone, comparison, k), kept in
// the URL fragment so that a view can be bookmarked, shared and reloaded.

export const DEFAULT_K = 5;

const RANGES = new Set(["today", "yesterday", "7d", "30d", "custom"]);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Read the view from a fragment such as "#store=Berlin&range=7d". */
export function readViewState(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const k = Number(params.get("k"));
  return {
    store: params.get("store") || "",
    device: params.get("device") || "",
    range: RANGES.has(params.get("range")) ? params.get("range") : "today",
    from: DATE.test(params.get("from") || "") ? params.get("from") : "",
    to: DATE.test(params.get("to") || "") ? params.get("to") : "",
    zoneMode: params.get("zone") === "browser" ? "browser" : "store",
    compare: params.get("compare") === "1",
    k: params.has("k") && Number.isFinite(k) && k >= 0 ? k : DEFAULT_K,
  };
}

/** Write the view into the URL fragment without adding a history entry. */
export function writeViewState(view) {
  const params = new URLSearchParams();
  params.set("store", view.store);
  if (view.device) {
    params.set("device", view.device);
  }
  params.set("range", view.range);
  if (view.range === "custom") {
    params.set("from", view.from);
    params.set("to", view.to);
  }
  params.set("zone", view.zoneMode);
  if (view.compare) {
    params.set("compare", "1");
  }
  if (view.k !== DEFAULT_K) {
    params.set("k", String(view.k));
  }
  history.replaceState(null, "", `#${params.toString()}`);
}
