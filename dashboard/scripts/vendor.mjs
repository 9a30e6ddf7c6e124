// Copy the browser builds of the pinned JavaScript dependencies from
// node_modules into vendor/, which the service serves at /dashboard/vendor/.
// The dashboard loads nothing from a CDN, so these copies are all it needs.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const vendor = join(root, "vendor");

// Each entry: [package folder, file inside it, name under vendor/].
const files = [
  ["chart.js", "dist/chart.umd.min.js", "chart.umd.min.js"],
  ["chart.js", "LICENSE.md", "chart.js.LICENSE.md"],
  ["luxon", "build/global/luxon.min.js", "luxon.min.js"],
  ["luxon", "LICENSE.md", "luxon.LICENSE.md"],
  ["chartjs-adapter-luxon", "dist/chartjs-adapter-luxon.umd.min.js", "chartjs-adapter-luxon.umd.min.js"],
  ["chartjs-adapter-luxon", "LICENSE.md", "chartjs-adapter-luxon.LICENSE.md"],
];

mkdirSync(vendor, { recursive: true });

for (const [pkg, file, target] of files) {
  const source = join(modules, pkg, file);
  if (!existsSync(source)) {
    console.error(
      `vendor: ${source} is missing. Run "npm ci" in ${root} first, ` +
        "then run \"npm run build\" again.",
    );
    process.exit(1);
  }
  copyFileSync(source, join(vendor, target));
  console.log(`vendor: ${pkg}/${file} -> vendor/${target}`);
}
