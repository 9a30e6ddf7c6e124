// Entry point: sign-in, sign-out, and the 30-second refresh that pauses
// while the tab is hidden.

import { ApiError, createClient } from "./api.js";
import { createBoard } from "./board.js";
import { readViewState } from "./view-state.js";

const KEY_STORAGE = "footfall.apiKey";
const REFRESH_MS = 30000;
// How often the page checks whether a refresh is due.
const CHECK_MS = 5000;

const $ = (id) => document.getElementById(id);

let board = null;
let retryTimer = null;

function setStatus(message, kind = "info") {
  const status = $("status");
  // A live region: setting the same text again would be announced again.
  if (status.textContent === message && status.classList.contains(kind)) {
    return;
  }
  status.textContent = message;
  status.hidden = !message;
  status.className = `message ${kind}`;
}

function showSignIn(message = "") {
  board = null;
  $("board").hidden = true;
  $("account").hidden = true;
  $("signin").hidden = false;
  setStatus("");
  const error = $("signin-error");
  error.textContent = message;
  error.hidden = !message;
  document.body.dataset.state = message ? "signin-error" : "signin";
  $("key").focus();
}

function signOut(message = "") {
  localStorage.removeItem(KEY_STORAGE);
  $("key").value = "";
  showSignIn(message);
}

async function signIn(key) {
  clearTimeout(retryTimer);
  setStatus("Checking the API key…");
  const client = createClient(key);

  // Ask for the stores and analytics together with the key check, so the first
  // view needs one round trip fewer. Their failures are read by the board; the
  // empty handlers only keep a rejected request from being reported as unhandled.
  const prefetched = {
    stores: client.get("/api/v1/stores"),
    analytics: client.get("/api/v1/analytics"),
  };
  prefetched.stores.catch(() => {});
  prefetched.analytics.catch(() => {});

  let me;
  try {
    me = await client.get("/api/v1/me");
  } catch (error) {
    if (error instanceof ApiError && error.kind === "unauthorized") {
      signOut(error.message);
      return;
    }
    // The key may be right: keep it and try again, as the service may be
    // restarting or the network down.
    setStatus(error.message, "error");
    document.body.dataset.state = "error";
    retryTimer = setTimeout(() => signIn(key), REFRESH_MS);
    return;
  }

  if (me.role === "device") {
    signOut(
      `This is the key of the device "${me.device}", which may only send events. ` +
        "Sign in with a viewer or admin key.",
    );
    return;
  }

  localStorage.setItem(KEY_STORAGE, key);
  $("signin").hidden = true;
  $("account").hidden = false;
  $("account-role").textContent =
    me.role === "admin" ? "Signed in as administrator" : `Signed in as viewer of ${(me.stores || []).join(", ")}`;
  $("board").hidden = false;

  const view = readViewState(window.location.hash);
  board = createBoard(client, view, {
    setStatus,
    onUnauthorized: (message) => signOut(message),
  });
  try {
    await board.start(prefetched);
  } catch (error) {
    if (error instanceof ApiError && error.kind === "unauthorized") {
      signOut(error.message);
      return;
    }
    setStatus(error.message, "error");
    document.body.dataset.state = "error";
    retryTimer = setTimeout(() => signIn(key), REFRESH_MS);
  }
}

function refreshIfDue() {
  if (board && !document.hidden && Date.now() - board.lastLoad >= REFRESH_MS) {
    board.load({ background: true });
  }
}

function main() {
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("key").value.trim();
    if (key) {
      signIn(key);
    }
  });
  $("sign-out").addEventListener("click", () => signOut());

  // Hidden tabs skip their refreshes; a tab that becomes visible again
  // refreshes at once when its data is older than the interval.
  setInterval(refreshIfDue, CHECK_MS);
  document.addEventListener("visibilitychange", refreshIfDue);

  const key = localStorage.getItem(KEY_STORAGE);
  if (key) {
    signIn(key);
  } else {
    showSignIn();
  }
}

main();
