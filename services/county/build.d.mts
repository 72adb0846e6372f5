// Types of build.mjs (plain JavaScript: the bootstrap loads it before any TypeScript can run).
import type { BuildOptions } from "esbuild";

/** The launcher and the services a county on one machine runs: <name>.mjs ← source. */
export function countyEntries(root?: string): Record<string, string>;
/** The office's web page, bundled as services/office/src/web.ts's WEB_BUILD does. */
export function webBuild(root?: string): BuildOptions;
/** The city office's page script, bundled as services/city-office/src/page.ts's CITY_WEB_BUILD does. */
export function cityWebBuild(root?: string): BuildOptions;
/** How every Node bundle of the county is built: the services, and the office's checking thread. */
export function nodeBuild(root?: string): BuildOptions;
/** The office rebuild's checking thread bundled to `outfile`, as the county ships it. */
export function bundleCheckWorker(outfile: string, root?: string): Promise<unknown>;
/** Bundles `entries` into `out` (and what they load at run time beside them). */
export function bundle(
  out: string,
  entries: Record<string, string>,
  root?: string,
): Promise<{ files: string[]; sources: string[] }>;
/** The county's bundles (dist/county/<id>/), built when missing or a source changed. */
export function ensureBuilt(root?: string, say?: (line: string) => void): Promise<string>;
