import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkReferralDeadlines } from "./referral-deadlines.ts";

const now = new Date("2026-11-01T08:00:00+08:00");
const iso = (ms: number) => new Date(ms).toISOString();
const DAY = 86_400_000;

describe("checkReferralDeadlines", () => {
  it("accepts deadlines ahead, acceptance first, or none given", () => {
    expect(
      checkReferralDeadlines(
        { acceptBy: iso(now.getTime() + 3 * DAY), completeBy: iso(now.getTime() + 30 * DAY) },
        now,
      ),
    ).toBeUndefined();
    expect(checkReferralDeadlines({}, now)).toBeUndefined();
    const same = iso(now.getTime() + DAY);
    expect(checkReferralDeadlines({ acceptBy: same, completeBy: same }, now)).toBeUndefined();
  });

  it("refuses an acceptBy in 1900, naming it", () => {
    expect(
      checkReferralDeadlines(
        { acceptBy: "1900-01-01T00:00:00Z", completeBy: iso(now.getTime() + DAY) },
        now,
      ),
    ).toMatchObject({ refused: "invalid", field: "acceptBy" });
  });

  it("refuses a completeBy already passed, naming it", () => {
    expect(checkReferralDeadlines({ completeBy: iso(now.getTime() - 1) }, now)).toMatchObject({
      refused: "invalid",
      field: "completeBy",
    });
  });

  it("refuses an acceptBy later than its completeBy, naming acceptBy", () => {
    expect(
      checkReferralDeadlines(
        { acceptBy: iso(now.getTime() + 10 * DAY), completeBy: iso(now.getTime() + 5 * DAY) },
        now,
      ),
    ).toMatchObject({ refused: "invalid", field: "acceptBy" });
  });

  it("refuses what is not a date", () => {
    expect(checkReferralDeadlines({ acceptBy: "soon" }, now)).toMatchObject({ field: "acceptBy" });
  });

  it("for any pair of instants: plausible exactly when both are ahead and in order", () => {
    const around = fc.integer({ min: -400 * DAY, max: 400 * DAY }).map((d) => now.getTime() + d);
    fc.assert(
      fc.property(around, around, (a, c) => {
        const r = checkReferralDeadlines({ acceptBy: iso(a), completeBy: iso(c) }, now);
        const plausible = a > now.getTime() && c > now.getTime() && a <= c;
        expect(r === undefined).toBe(plausible);
        if (r) expect(["acceptBy", "completeBy"]).toContain(r.field);
      }),
    );
  });

  it("reads no clock: the same answer for the same now", () => {
    const d = { acceptBy: iso(now.getTime() + DAY) };
    expect(checkReferralDeadlines(d, new Date(now.getTime() + 2 * DAY))).toMatchObject({
      field: "acceptBy",
    });
    expect(checkReferralDeadlines(d, now)).toBeUndefined();
  });
});
