import type { BusEvent } from "@liandong/contracts";
import { describe, expect, it } from "vitest";
import type { Tracker } from "./lead-tracker.ts";
import {
  duePassed,
  evolveReferrals,
  filterReferrals,
  isOverdue,
  type ReferralTracker,
} from "./referral-tracker.ts";

const R1 = "11111111-1111-4111-8111-111111111111";
const R2 = "22222222-2222-4222-8222-222222222222";
const LEAD = "33333333-3333-4333-8333-333333333333";

const event = (
  type: string,
  agency: string,
  kind: string,
  id: string,
  data: unknown,
  time: string,
) => ({ type, agency, aggregate: { kind, id }, data, time }) as unknown as BusEvent;

const offered = (id: string, from: string, to: string, at: string, parent?: string) =>
  event(
    "referral.offered",
    from,
    "referral",
    id,
    {
      referralId: id,
      kind: "handling",
      from,
      to,
      about: { kind: "lead", id: LEAD },
      reason: "请核查",
      acceptBy: "2026-01-04T00:00:00.000Z",
      completeBy: "2026-02-01T00:00:00.000Z",
      evidence: [],
      ...(parent ? { parentReferralId: parent } : {}),
    },
    at,
  );

function tracker(): ReferralTracker {
  const leads: Tracker = new Map([[LEAD, { violations: ["intermediary"] } as never]]);
  const t: ReferralTracker = new Map();
  evolveReferrals(t, leads, offered(R1, "health", "public-security", "2026-01-01T00:00:00.000Z"));
  evolveReferrals(
    t,
    leads,
    event(
      "referral.accepted",
      "public-security",
      "referral",
      R1,
      { referralId: R1, by: "public-security" },
      "2026-01-02T00:00:00.000Z",
    ),
  );
  evolveReferrals(
    t,
    leads,
    event(
      "referral.referred-on",
      "public-security",
      "referral",
      R1,
      { referralId: R1, by: "public-security", childReferralId: R2, to: "commerce" },
      "2026-01-03T00:00:00.000Z",
    ),
  );
  evolveReferrals(
    t,
    leads,
    offered(R2, "public-security", "commerce", "2026-01-03T00:00:00.000Z", R1),
  );
  return t;
}

describe("the office's referral tracker", () => {
  it("follows holder, state and chain", () => {
    const t = tracker();
    expect(t.get(R1)).toMatchObject({
      status: "referred-on",
      holder: "commerce",
      childReferralId: R2,
    });
    expect(t.get(R2)).toMatchObject({
      status: "offered",
      holder: "commerce",
      chainRoot: R1,
      violations: ["intermediary"],
    });
  });

  it("finds deadlines passed once, and only while they are still unmet", () => {
    const t = tracker();
    const r2 = t.get(R2)!;
    expect(duePassed(r2, new Date("2026-01-03T12:00:00Z"))).toEqual([]);
    expect(duePassed(r2, new Date("2026-01-05T00:00:00Z"))).toEqual([
      { deadline: "acceptance", dueAt: "2026-01-04T00:00:00.000Z" },
    ]);
    // A referred-on referral has no deadline left.
    expect(duePassed(t.get(R1)!, new Date("2027-01-01T00:00:00Z"))).toEqual([]);
    evolveReferrals(
      t,
      new Map(),
      event(
        "supervision.overdue",
        "office",
        "supervision",
        R2,
        {
          referralId: R2,
          deadline: "acceptance",
          dueAt: "2026-01-04T00:00:00.000Z",
          holder: "commerce",
          statusSeen: "offered",
        },
        "2026-01-05T00:00:00.000Z",
      ),
    );
    expect(isOverdue(t.get(R2)!)).toBe(true);
    expect(duePassed(t.get(R2)!, new Date("2026-01-06T00:00:00Z"))).toEqual([]);
    expect(filterReferrals(t, { overdue: true }).map((r) => r.referralId)).toEqual([R2]);
    expect(filterReferrals(t, { agency: "health" }).map((r) => r.referralId)).toEqual([R1]);
    expect(filterReferrals(t, { since: "2026-01-02T00:00:00Z" }).map((r) => r.referralId)).toEqual([
      R2,
    ]);
  });
});

describe("a referral across the county line", () => {
  it("is held by the addressee's county once offered and accepted, by the sender's once completed", () => {
    const t: ReferralTracker = new Map();
    const across = (e: BusEvent, county: string, toCounty: string) =>
      ({ ...e, county, toCounty }) as BusEvent;
    evolveReferrals(
      t,
      new Map(),
      across(offered(R1, "health", "health", "2026-01-01T00:00:00.000Z"), "620702", "620602"),
    );
    expect(t.get(R1)).toMatchObject({
      fromCounty: "620702",
      toCounty: "620602",
      holder: "health",
      holderCounty: "620602",
    });
    const step = (type: string) =>
      across(
        event(
          type,
          "health",
          "referral",
          R1,
          { referralId: R1, by: "health", feedback: { actions: "x", outcome: "y" } },
          "2026-01-02T00:00:00.000Z",
        ),
        "620602",
        "620702",
      );
    evolveReferrals(t, new Map(), step("referral.accepted"));
    expect(t.get(R1)).toMatchObject({ status: "accepted", holderCounty: "620602" });
    evolveReferrals(t, new Map(), step("referral.completed"));
    expect(t.get(R1)).toMatchObject({ status: "completed", holderCounty: "620702" });
  });
});
