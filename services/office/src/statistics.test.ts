import type { BusEvent, Violation } from "@liandong/contracts";
import { figuresOf } from "@liandong/domain";
import { describe, expect, it } from "vitest";
import { ALL, Statistics } from "./statistics.ts";

const COUNTY = "620702";
const ev = (type: string, agency: string, time: string, data: unknown, extra: object = {}) =>
  ({
    type,
    county: COUNTY,
    agency,
    aggregate: { kind: type.split(".")[0], id: "x" },
    time,
    data,
    ...extra,
  }) as unknown as BusEvent;
const reported = (n: number, agency: string, violations: string[], time: string) =>
  ev("lead.reported", agency, time, { leadId: `lead-${n}`, violations });

/** What the office holds of cases and referrals: none. */
const NOTHING = { cases: new Map(), referrals: new Map() };

describe("Statistics", () => {
  it("counts each event in its month in China Standard Time, across month boundaries", () => {
    const stats = new Statistics(COUNTY, NOTHING);
    const times = [
      "2026-03-31T15:59:59.999Z", // 23:59:59.999 on 31 March, CST
      "2026-03-31T16:00:00.000Z", // midnight on 1 April, CST
      "2026-04-15T08:00:00+08:00",
      "2026-03-02T00:00:00.000Z", // back in March, after April was seen
      "2026-04-30T16:00:00.000Z", // 1 May, CST
      "2025-12-31T16:00:00.000Z", // 1 January 2026, CST
    ];
    times.forEach((t, i) => {
      stats.apply(reported(i, "health", ["intermediary"], t));
    });
    expect(stats.figures("2026-03", "health").leadsRegistered).toBe(2);
    expect(stats.figures("2026-04", "health").leadsRegistered).toBe(2);
    expect(stats.figures("2026-05", "health").leadsRegistered).toBe(1);
    expect(stats.figures("2026-01", "health").leadsRegistered).toBe(1);
    expect(stats.figures("2025-12", "health").leadsRegistered).toBe(0);
    // Another county's lead is not this county's figure.
    stats.apply({
      ...reported(9, "health", ["intermediary"], times[2]!),
      county: "620602",
    } as BusEvent);
    expect(stats.figures("2026-04", "health").leadsRegistered).toBe(2);
  });

  it("counts a violation once per event however often it is named, and in the ALL row", () => {
    const stats = new Statistics(COUNTY, NOTHING);
    stats.apply(
      reported(
        1,
        "commerce",
        ["intermediary", "intermediary", "illegal-drug-sale"],
        "2026-06-01T00:00:00Z",
      ),
    );
    stats.apply(reported(2, "commerce", ["intermediary"], "2026-06-02T00:00:00Z"));
    const rows = stats.month("2026-06");
    const count = (violation: string) =>
      rows.find((r) => r.agency === "commerce" && r.violation === violation)?.figures
        .leadsRegistered;
    expect(count(ALL)).toBe(2);
    expect(count("intermediary")).toBe(2);
    expect(count("illegal-drug-sale")).toBe(1);
    // The ALL row is the domain's fold, the one the agencies make too.
    expect(rows.find((r) => r.violation === ALL)!.figures).toEqual(
      figuresOf(stats.book, "2026-06", "commerce"),
    );
  });

  it("finds the violations of a closure in its case, of an overdue referral in the tracker", () => {
    // What the office folded before the statistics read them: the case's record, the referral
    // as tracked (its violations found once, from its lead, when it was offered).
    const cases = new Map([["c1", { violations: ["intermediary"] as Violation[] }]]);
    const referrals = new Map<string, { violations: Violation[] }>();
    const stats = new Statistics(COUNTY, { cases, referrals });
    const at = "2026-06-03T00:00:00Z";
    stats.apply(reported(1, "health", ["sex-selective-termination"], at));
    stats.apply(
      ev("case.opened", "health", at, {
        caseId: "c1",
        agency: "health",
        violations: ["intermediary"],
      }),
    );
    stats.apply(
      ev("case.closed", "health", at, {
        caseId: "c1",
        sanctions: [{ kind: "fine", amountYuan: 20000, against: "某诊所" }],
      }),
    );
    referrals.set("r1", { violations: ["sex-selective-termination"] });
    stats.apply(
      ev("referral.offered", "health", at, {
        referralId: "r1",
        about: { kind: "lead", id: "lead-1" },
      }),
    );
    stats.apply(
      ev(
        "supervision.overdue",
        "office",
        at,
        { referralId: "r1", deadline: "acceptance", holder: "public-security" },
        { to: "public-security" },
      ),
    );
    const row = (agency: string, violation: string) =>
      stats.month("2026-06").find((r) => r.agency === agency && r.violation === violation);
    expect(row("health", "intermediary")!.figures).toMatchObject({
      casesClosed: 1,
      finesYuan: 20000,
    });
    expect(row("health", ALL)!.closureRate).toBe(1);
    expect(row("public-security", "sex-selective-termination")!.figures.referralsOverdue).toBe(1);
    // An agency with nothing has no rate: no case opened.
    expect(row("public-security", ALL)!.closureRate).toBeNull();
  });
});
