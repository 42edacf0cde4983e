#!/usr/bin/env node
// Copies the web console's two libraries from node_modules into shared/console/vendor/ (run by npm's
// `prepare` lifecycle, so `npm ci` leaves a console that is complete as static files: served locally
// by `harness serve`, uploaded as is to S3 in AWS). Nothing is built: each is the package's own
// browser build, loaded by a classic <script> that defines a global (uPlot, Diff).
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const out = join(root, "shared", "console", "vendor");
const pkgDir = (name) => dirname(require.resolve(`${name}/package.json`));

const FILES = [
  ["uplot", "dist/uPlot.iife.min.js", "uPlot.iife.min.js"],
  ["uplot", "dist/uPlot.min.css", "uPlot.min.css"],
  ["diff", "dist/diff.min.js", "diff.min.js"],
];

mkdirSync(out, { recursive: true });
for (const [pkg, from, to] of FILES) copyFileSync(join(pkgDir(pkg), from), join(out, to));
