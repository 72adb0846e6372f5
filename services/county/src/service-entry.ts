import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * The bundle an agency's service runs (in `build`, the folder `ensureBuilt` gives): its own
 * package's, or the generic desk's for agencies added by configuration.
 */
export function serviceEntry(build: string, agency: string): string {
  const own = join(build, `${agency}.mjs`);
  return existsSync(own) ? own : join(build, "agency.mjs");
}
