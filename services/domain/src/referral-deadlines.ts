import { type Refusal, refuse } from "./decider.ts";

/**
 * A referral's deadlines are plausible: each still ahead of `now` (a deadline already passed,
 * such as one in 1900, is a typing slip, not a request), and acceptance due no later than
 * completion. Pass the deadlines the referral will carry (given, or defaulted by configuration),
 * as ISO 8601 instants. `undefined` when plausible; otherwise the refusal naming the field.
 */
export function checkReferralDeadlines(
  deadlines: { acceptBy?: string | undefined; completeBy?: string | undefined },
  now: Date,
): Refusal | undefined {
  const accept = instant(deadlines.acceptBy);
  const complete = instant(deadlines.completeBy);
  for (const [field, at] of [
    ["acceptBy", accept],
    ["completeBy", complete],
  ] as const) {
    if (at === undefined) continue;
    if (Number.isNaN(at)) return refuse("invalid", "time.invalid", field);
    if (at <= now.getTime()) return refuse("invalid", "deadline.passed", field);
  }
  if (accept !== undefined && complete !== undefined && accept > complete)
    return refuse("invalid", "deadline.accept-after-complete", "acceptBy");
  return undefined;
}

const instant = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));
