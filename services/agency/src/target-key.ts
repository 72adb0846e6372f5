import { createHash } from "node:crypto";
import type { Target } from "@liandong/contracts";

const normalise = (s: string | undefined) =>
  (s ?? "").normalize("NFKC").replace(/\s+/g, "").toLowerCase();

/**
 * "The same target" without carrying its name: a hash of the normalised kind, county, name
 * and unit. Full-width and half-width forms and spacing do not make a different target.
 */
export function targetKey(t: Target): string {
  return createHash("sha256")
    .update([t.kind, t.county, normalise(t.name), normalise(t.unit)].join("\u0000"))
    .digest("hex");
}
