// The image's build step (Dockerfile, stage `build`): every entry point the containers run,
// bundled ahead of time into one plain JavaScript file each under <out>/ (the workspace's
// TypeScript and every dependency inside: the image runs them with `node`, no tsx, no
// node_modules), and the office's web page and checking thread built beside the office.
//   node --import tsx deploy/build.ts dist
import { resolve } from "node:path";
import { bundle } from "../services/county/build.mjs";

const ROOT = resolve(import.meta.dirname, "..");

/** <out>/<name>.mjs ← its source: what docker-compose.yml's commands run (`node dist/<name>.mjs`). */
export const ENTRIES = {
  office: "services/office/src/main.ts",
  health: "services/health/src/main.ts",
  "family-planning": "services/family-planning/src/main.ts",
  "public-security": "services/public-security/src/main.ts",
  "drug-regulation": "services/drug-regulation/src/main.ts",
  commerce: "services/commerce/src/main.ts",
  /** The comparison service (数据比对): its own identity and OPRF key. */
  comparison: "services/comparison/src/main.ts",
  /** The desk of an agency added by configuration (services/county/src/service-entry.ts). */
  agency: "services/agency/src/main.ts",
  "cluster-init": "services/county/src/cluster-init.ts",
  "cluster-provision": "services/county/src/cluster-provision.ts",
  "region-init": "services/county/src/region-init.ts",
  "region-sources": "services/county/src/region-sources.ts",
  /** The `liandong` command, for the operator inside a container. */
  liandong: "services/cli/src/main.ts",
} as const;

/**
 * Builds everything into `out` as the launcher builds a county's bundles (services/county/build.mjs):
 * beside them the office's checking thread (check-worker.js) and its page (web/); returns the
 * files written.
 */
export async function buildImage(out: string): Promise<string[]> {
  const { files } = await bundle(out, ENTRIES, ROOT);
  return files;
}

if (import.meta.filename === process.argv[1]) {
  const out = resolve(process.argv[2] ?? "dist");
  for (const file of await buildImage(out)) process.stdout.write(`${file}\n`);
}
