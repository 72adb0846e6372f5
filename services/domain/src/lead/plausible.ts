import { type Refusal, refuse } from "../decider.ts";

/** How far ahead of the deciding service's clock an officer's clock may run. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Nothing the campaign acts on was observed before this (UTC): an earlier date is a typing slip. */
export const EARLIEST_OBSERVATION_MS = Date.UTC(2000, 0, 1);

/**
 * When something was observed: not after `now` (beyond the clock skew), not before 2000.
 * `undefined` when plausible.
 */
export function checkObservedAt(
  observedAt: string | undefined,
  now: Date,
  field = "observedAt",
): Refusal | undefined {
  if (observedAt === undefined) return undefined;
  const at = Date.parse(observedAt);
  if (Number.isNaN(at)) return refuse("invalid", "time.invalid", field);
  if (at > now.getTime() + CLOCK_SKEW_MS) return refuse("invalid", "time.in-future", field);
  if (at < EARLIEST_OBSERVATION_MS) return refuse("invalid", "time.before-2000", field);
  return undefined;
}

export { checkText } from "../text.ts";
