import { isBlankText, isWellFormedText } from "@liandong/contracts";
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
  if (Number.isNaN(at)) return refuse("invalid", "not a date and time", field);
  if (at > now.getTime() + CLOCK_SKEW_MS)
    return refuse("invalid", "in the future: it cannot have been observed yet", field);
  if (at < EARLIEST_OBSERVATION_MS) return refuse("invalid", "before the year 2000", field);
  return undefined;
}

/**
 * Text a person reads must say something: refused when it is not well-formed Unicode, or when
 * nothing is left once invisible characters and whitespace are removed. (The HTTP boundary
 * normalises and refuses these already; the rule holds whoever calls the decider.)
 */
export function checkText(text: string | undefined, field: string): Refusal | undefined {
  if (text === undefined) return undefined;
  if (!isWellFormedText(text))
    return refuse("invalid", "not well-formed Unicode (a lone surrogate)", field);
  if (isBlankText(text))
    return refuse("invalid", "says nothing: only invisible characters or whitespace", field);
  return undefined;
}
