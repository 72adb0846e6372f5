import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";
import { CITY_WEB_BUILD } from "../../city-office/src/page.ts";
import { WEB_BUILD } from "../../office/src/web.ts";
import { bundle, cityWebBuild, countyEntries, ensureBuilt, webBuild } from "../build.mjs";

const ROOT = resolve(import.meta.dirname, "../../..");

it("bundles the office's page as the office does when it runs from sources", () => {
  expect(webBuild(ROOT)).toEqual(WEB_BUILD);
});

it("bundles the city office's page as the city office does when it runs from sources", () => {
  expect(cityWebBuild(ROOT)).toEqual(CITY_WEB_BUILD);
});

it("has an entry for the launcher, the office, the desk, every agency package and the city office", () => {
  const entries = countyEntries(ROOT);
  for (const name of [
    "launcher",
    "office",
    "agency",
    "city-office",
    "health",
    "family-planning",
    "public-security",
    "drug-regulation",
    "commerce",
  ])
    expect(existsSync(join(ROOT, entries[name]!)), name).toBe(true);
});

it("builds once: a second launcher finds the build current, and it runs with plain node", async () => {
  const dir = await ensureBuilt(ROOT);
  const said: string[] = [];
  expect(await ensureBuilt(ROOT, (l) => said.push(l))).toBe(dir);
  expect(said).toEqual([]);
  const record = JSON.parse(readFileSync(join(ROOT, "dist/county/current.json"), "utf8"));
  // What it was built from, to know when to build again: the page's and the worker's too.
  for (const source of [
    "services/county/src/main.ts",
    "services/runtime/src/check-worker.ts",
    "services/office/web/main.tsx",
    "services/city-office/web/main.ts",
    "contracts/src/envelope.ts",
  ])
    expect(record.sources[source], source).toMatch(/^[0-9a-f]{64}$/);
  for (const file of [
    "office.mjs",
    "check-worker.js",
    "web/app.js",
    "web/style.css",
    "web/city.js",
    "lifeline.sh",
  ])
    expect(existsSync(join(dir, file)), file).toBe(true);
}, 120_000);

it("writes bundles V8 can hold one byte a character: no character beyond Latin-1", async () => {
  // One such character (a comment's dash, a regular expression's 年) and V8 holds a service's
  // whole source, kept for as long as it runs, two bytes a character (an agency's: 11 MB).
  const dir = await ensureBuilt(ROOT);
  // The services' scripts (the page's, web/, go to the browser).
  const scripts = readdirSync(dir).filter((f) => /\.m?js$/.test(f));
  expect(scripts).toContain("office.mjs");
  for (const file of scripts) {
    const text = readFileSync(join(dir, file), "utf8");
    const at = text.search(/[\u0100-\u{10ffff}]/u);
    expect(at < 0 ? "" : text.slice(Math.max(0, at - 60), at + 20), file).toBe("");
  }
}, 120_000);

it("a bundle's rebuild checks ahead on the thread started from check-worker.js beside it", async () => {
  // Outside the repository: a bundle that still needed node_modules or sources would fail here.
  const out = mkdtempSync(join(tmpdir(), "liandong-build-"));
  try {
    await bundle(out, { probe: "test/support/check-ahead-probe.ts" }, ROOT);
    const r = spawnSync(process.execPath, [join(out, "probe.mjs"), "3000"], {
      cwd: out,
      encoding: "utf8",
      env: { PATH: process.env.PATH },
    });
    expect(r.status, r.stderr).toBe(0);
    const { onThread, ...applied } = JSON.parse(r.stdout);
    expect(applied).toEqual({ applied: 3000, valid: 3000, errors: [] });
    // All but the first (checked while the thread loaded) on the thread.
    expect(onThread).toBeGreaterThanOrEqual(2999);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
