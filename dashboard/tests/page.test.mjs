// Checks of index.html that need no browser: node --test tests/
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

const root = new URL("../", import.meta.url);
const html = readFileSync(new URL("index.html", root), "utf8");

test("every module is preloaded", () => {
  const modules = readdirSync(new URL("js/", root)).filter((name) => name.endsWith(".js"));
  const preloaded = [...html.matchAll(/<link rel="modulepreload" href="js\/([^"]+)">/g)].map((match) => match[1]);

  for (const name of modules) {
    if (name !== "app.js") {
      assert.ok(preloaded.includes(name), `js/${name} is missing a modulepreload link`);
    }
  }
});

test("page has no inline script or style", () => {
  // The service's Content-Security-Policy blocks them: script-src 'self'; style-src 'self'.
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
  assert.doesNotMatch(html, /\sstyle=/);
  assert.doesNotMatch(html, /\son[a-z]+=/);
  assert.doesNotMatch(html, /<style/);
});
