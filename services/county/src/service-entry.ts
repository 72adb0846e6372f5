import { existsSync } from "node:fs";
import { join } from "node:path";

/** The entry point of an agency's service: its own package, or the generic desk for agencies added by configuration. */
export function serviceEntry(root: string, agency: string): string {
  const own = join(root, "services", agency, "src", "main.ts");
  return existsSync(own) ? own : join(root, "services", "agency", "src", "main.ts");
}
