// The services built ahead of time: each entry point bundled by esbuild into one plain JavaScript
// file (the workspace's TypeScript inside), so that the county runs them with plain `node`, no
// TypeScript compiler at run time. Used by the launcher (`npm run up`, the tests: `ensureBuilt`,
// into dist/county/<id>/, rebuilt when a source changed) and by the image (deploy/build.ts).
//
// Plain JavaScript, like bootstrap.mjs: the bootstrap builds the launcher itself before anything
// TypeScript can run. esbuild is loaded only when a build is needed.

import { createHash, randomBytes } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

// (Also bundled into the launcher: paths go from `root`, never from where this code is.)
const ROOT = resolve(import.meta.dirname, "../..");

/** The launcher and the services a county on one machine runs: <name>.mjs ← source. */
export function countyEntries(root = ROOT) {
  const entries = {
    launcher: "services/county/src/main.ts",
    office: "services/office/src/main.ts",
    /** The desk of an agency added by configuration (services/county/src/service-entry.ts). */
    agency: "services/agency/src/main.ts",
    /** A city's leading-group office (上下联动, services/county/src/city.ts), on the city's bus. */
    "city-office": "services/city-office/src/main.ts",
    /** The comparison service (数据比对): its own identity and OPRF key. */
    comparison: "services/comparison/src/main.ts",
    /** The `liandong` command, built beside the county (the tests run it so, not through tsx). */
    liandong: "services/cli/src/main.ts",
  };
  // Every agency with a package of its own (services/<agency>/src/main.ts on the agency desk).
  for (const dir of readdirSync(join(root, "services")).sort()) {
    const main = `services/${dir}/src/main.ts`;
    if (dir in entries || !existsSync(join(root, main))) continue;
    const pkg = join(root, "services", dir, "package.json");
    if (existsSync(pkg) && readFileSync(pkg, "utf8").includes('"@liandong/agency"'))
      entries[dir] = main;
  }
  return entries;
}

/** A page's script as services/runtime/src/http.ts's PAGE_BUNDLE bundles it: `web` its folder. */
const pageBuild = (web, entry, more = {}) => ({
  entryPoints: [join(web, entry)],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  ...more,
  tsconfig: join(web, "tsconfig.json"),
  logLevel: "silent",
});

/** The office's web page, bundled as services/office/src/web.ts's WEB_BUILD does (a test compares). */
export const webBuild = (root = ROOT) =>
  pageBuild(join(root, "services/office/web"), "main.tsx", {
    jsx: "automatic",
    jsxImportSource: "preact",
  });

/** The city office's page script, bundled as services/city-office/src/page.ts's CITY_WEB_BUILD does. */
export const cityWebBuild = (root = ROOT) =>
  pageBuild(join(root, "services/city-office/web"), "main.ts");

/** How every Node bundle of the county is built: the services, and the office's checking thread. */
export const nodeBuild = (root = ROOT) => ({
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20.19",
  sourcemap: "linked",
  // Memory at rest: V8 keeps a script's whole source for as long as it runs (functions are
  // compiled when first called, from it), one byte a character if every character is Latin-1
  // and two otherwise. Comments and indentation out (2.5 MB of an agency's 5.7), and with them
  // the comments' dashes and Chinese, the only characters beyond Latin-1 esbuild leaves as
  // written besides a regular expression's (escape those: build.test.ts checks). Names are kept:
  // stack traces name their functions; the linked source map gives lines.
  minifyWhitespace: true,
  metafile: true,
  // The office builds its page at start only when it was not built here (run from sources).
  external: ["esbuild"],
  // CommonJS dependencies bundled into ES modules still call require() for Node's own modules.
  banner: {
    js: 'import { createRequire as __liandongRequire } from "node:module"; const require = __liandongRequire(import.meta.url);',
  },
  logLevel: "warning",
});

/**
 * The office rebuild's checking thread (services/runtime/src/check-worker.ts) bundled to `outfile`,
 * as the county ships it beside the services (the benchmark starts the same one).
 */
export async function bundleCheckWorker(outfile, root = ROOT) {
  const { build } = await import("esbuild");
  return build({
    ...nodeBuild(root),
    entryPoints: [join(root, "services/runtime/src/check-worker.ts")],
    outfile,
  });
}

/**
 * Bundles `entries` (name → source, relative to `root`) into `out`: <name>.mjs each; beside them
 * what the bundles load at run time: check-worker.js (the office rebuild's checking thread,
 * services/runtime/src/check-ahead.ts), web/app.js and web/style.css (the office's page),
 * web/city.js (the city office's page),
 * lifeline.sh (the launcher's wrapper of nats-server) and a package.json saying the .js files
 * are ES modules. Returns the files written and the workspace sources the bundles were made from.
 */
export async function bundle(out, entries, root = ROOT) {
  const { build } = await import("esbuild");
  mkdirSync(join(out, "web"), { recursive: true });
  const common = nodeBuild(root);
  const services = await build({
    ...common,
    entryPoints: Object.fromEntries(
      Object.entries(entries).map(([name, src]) => [name, join(root, src)]),
    ),
    outdir: out,
    outExtension: { ".js": ".mjs" },
    // Code shared by entry points, and code loaded only when first needed (import(): exceljs on a
    // workbook's import, libsodium for the comparison service's proofs), in chunks of their own
    // (chunk-<hash>.mjs beside the entries): a service holds the source of what it loads, not of
    // everything any service might.
    splitting: true,
  });
  const worker = await bundleCheckWorker(join(out, "check-worker.js"), root);
  const web = await build({
    ...webBuild(root),
    absWorkingDir: root,
    metafile: true,
    outfile: join(out, "web/app.js"),
  });
  const cityWeb = await build({
    ...cityWebBuild(root),
    absWorkingDir: root,
    metafile: true,
    outfile: join(out, "web/city.js"),
  });
  copyFileSync(join(root, "services/office/web/style.css"), join(out, "web/style.css"));
  copyFileSync(join(root, "services/county/src/lifeline.sh"), join(out, "lifeline.sh"));
  writeFileSync(join(out, "package.json"), '{ "type": "module" }\n');
  const sources = new Set(["services/office/web/style.css", "services/county/src/lifeline.sh"]);
  for (const r of [services, worker, web, cityWeb])
    for (const input of Object.keys(r.metafile.inputs))
      if (!input.includes("node_modules/")) {
        sources.add(input);
        // Its workspace package's manifest too: what it says (exports, sideEffects) shapes the bundle.
        for (let dir = dirname(input); dir !== "." && dir !== dirname(dir); dir = dirname(dir))
          if (existsSync(join(root, dir, "package.json"))) {
            sources.add(join(dir, "package.json"));
            break;
          }
      }
  return {
    files: [
      ...Object.keys(entries).map((n) => join(out, `${n}.mjs`)),
      join(out, "check-worker.js"),
      join(out, "web/app.js"),
      join(out, "web/style.css"),
      join(out, "web/city.js"),
      join(out, "lifeline.sh"),
    ],
    sources: [...sources].sort(),
  };
}

const sha256 = (data) => createHash("sha256").update(data).digest("hex");
const hashOf = (file) => {
  try {
    return sha256(readFileSync(file));
  } catch {
    return "";
  }
};

/**
 * What decides a build besides its sources: the entry points, this builder and the installed
 * dependencies (the lockfile).
 */
function buildKey(root, entries) {
  return sha256(
    JSON.stringify([
      entries,
      hashOf(join(root, "services/county/build.mjs")),
      hashOf(join(root, "pnpm-lock.yaml")),
    ]),
  );
}

/** Builds older than this, other than the current one, are removed by the next build. */
const KEEP_OLD_MS = 24 * 3600_000;

/**
 * The county's bundles, built when missing or when any source they were built from changed:
 * the folder (dist/county/<id>/) holding launcher.mjs, office.mjs, <agency>.mjs… Each build goes
 * to a folder of its own, named after what it was built from, and is renamed into place whole,
 * so that launchers and tests starting at once never see half a build (two may build the same).
 * `say`: told when a build starts.
 */
export function ensureBuilt(root = ROOT, say = () => undefined) {
  // Counties started at once in one process (a test's two) wait for the same build.
  const running = inFlight.get(root);
  if (running) return running;
  const build = buildIfStale(root, say).finally(() => inFlight.delete(root));
  inFlight.set(root, build);
  return build;
}
const inFlight = new Map();

async function buildIfStale(root, say) {
  const base = join(root, "dist", "county");
  const currentFile = join(base, "current.json");
  const entries = countyEntries(root);
  const key = buildKey(root, entries);
  try {
    const current = JSON.parse(readFileSync(currentFile, "utf8"));
    const dir = join(base, current.id);
    if (
      current.key === key &&
      existsSync(join(dir, "package.json")) &&
      Object.entries(current.sources).every(([file, hash]) => hashOf(join(root, file)) === hash)
    )
      return dir;
  } catch {
    // never built, or an unreadable record: build
  }
  say("构建各服务（esbuild，源码有更新）…");
  mkdirSync(base, { recursive: true });
  const tmp = join(base, `tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    const { sources } = await bundle(tmp, entries, root);
    const hashes = Object.fromEntries(
      sources.map((file) => [relative(root, resolve(root, file)), hashOf(resolve(root, file))]),
    );
    const id = sha256(JSON.stringify([key, hashes])).slice(0, 16);
    const dir = join(base, id);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Built by another launcher meanwhile: the same build, theirs kept.
      if (!existsSync(join(dir, "package.json"))) throw err;
    }
    const record = join(base, `current-${process.pid}-${randomBytes(4).toString("hex")}.json`);
    writeFileSync(record, `${JSON.stringify({ id, key, sources: hashes }, null, 2)}\n`);
    renameSync(record, currentFile);
    prune(base, id);
    return dir;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    // esbuild's service process would otherwise stay for as long as the launcher runs.
    await import("esbuild").then((e) => e.stop());
  }
}

/** Removes builds (and abandoned temporary folders) left for a day; running counties may use a recent one. */
function prune(base, keep) {
  for (const name of readdirSync(base)) {
    if (name === keep || name.endsWith(".json")) continue;
    const path = join(base, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > KEEP_OLD_MS)
        rmSync(path, { recursive: true, force: true });
    } catch {
      // gone already
    }
  }
}
