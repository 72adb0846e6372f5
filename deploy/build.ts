// The image's build step (Dockerfile, stage `build`): every entry point the containers run,
// bundled ahead of time into one plain JavaScript file each under <out>/ (the workspace's
// TypeScript and every dependency inside: the image runs them with `node`, no tsx, no
// node_modules), and the office's web page built beside the office.
//   node --import tsx deploy/build.ts dist
import { copyFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { WEB_BUILD, WEB_STYLE } from "../services/office/src/web.ts";

const ROOT = resolve(import.meta.dirname, "..");

/** <out>/<name>.mjs ← its source: what docker-compose.yml's commands run (`node dist/<name>.mjs`). */
export const ENTRIES = {
  office: "services/office/src/main.ts",
  health: "services/health/src/main.ts",
  "family-planning": "services/family-planning/src/main.ts",
  "public-security": "services/public-security/src/main.ts",
  "drug-regulation": "services/drug-regulation/src/main.ts",
  commerce: "services/commerce/src/main.ts",
  /** The desk of an agency added by configuration (services/county/src/service-entry.ts). */
  agency: "services/agency/src/main.ts",
  "cluster-init": "services/county/src/cluster-init.ts",
  "cluster-provision": "services/county/src/cluster-provision.ts",
  "region-init": "services/county/src/region-init.ts",
  "region-sources": "services/county/src/region-sources.ts",
  /** The `liandong` command, for the operator inside a container. */
  liandong: "services/cli/src/main.ts",
} as const;

/** Builds everything into `out`; returns the files written. */
export async function buildImage(out: string): Promise<string[]> {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: Object.fromEntries(
      Object.entries(ENTRIES).map(([name, src]) => [name, join(ROOT, src)]),
    ),
    outdir: out,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20.19",
    sourcemap: "linked",
    // The office builds its page at start only when it was not built here.
    external: ["esbuild"],
    // CommonJS dependencies bundled into ES modules still call require() for Node's own modules.
    banner: {
      js: 'import { createRequire as __liandongRequire } from "node:module"; const require = __liandongRequire(import.meta.url);',
    },
    logLevel: "warning",
  });
  const web = join(out, "web");
  mkdirSync(web, { recursive: true });
  await build({ ...WEB_BUILD, outfile: join(web, "app.js") });
  copyFileSync(WEB_STYLE, join(web, "style.css"));
  return [...Object.keys(ENTRIES).map((n) => join(out, `${n}.mjs`)), join(web, "app.js")];
}

if (import.meta.filename === process.argv[1]) {
  const out = resolve(process.argv[2] ?? "dist");
  for (const file of await buildImage(out)) process.stdout.write(`${file}\n`);
}
