import type { ComparisonRequested } from "@liandong/contracts";
import { evaluateBlinded, OprfError, type OprfKeys, unpackElements } from "@liandong/runtime";
import type { IdentityBudget } from "./rate-limit.ts";

/** Most blinded elements in one request (well under a NATS message's 1 MB). */
export const MAX_BATCH = 4096;

export type Evaluation =
  | { record: ComparisonRequested; answer: Uint8Array }
  | { record: ComparisonRequested & { refused: NonNullable<ComparisonRequested["refused"]> } };

/**
 * One request, decided: who asked (from the subject, which the server authenticates), how many
 * elements, and the answer or the refusal. Every outcome is a record for the log.
 */
export function evaluateRequest(
  req: { agency: string; body: Uint8Array; now: number },
  deps: { keys: OprfKeys; budget: IdentityBudget; holders: ReadonlySet<string> },
): Evaluation {
  const count = Math.floor(req.body.length / 32);
  const refuse = (refused: NonNullable<ComparisonRequested["refused"]>) => ({
    record: { agency: req.agency, count, refused },
  });
  if (!deps.holders.has(req.agency)) return refuse("not-a-holder");
  if (count > MAX_BATCH) return refuse("too-large");
  let blinded: Uint8Array[];
  try {
    blinded = unpackElements(req.body);
  } catch {
    return refuse("malformed");
  }
  if (!deps.budget.take(req.agency, count, req.now)) return refuse("rate-limited");
  try {
    return { record: { agency: req.agency, count }, answer: evaluateBlinded(deps.keys, blinded) };
  } catch (err) {
    if (err instanceof OprfError) return refuse("malformed");
    throw err;
  }
}
