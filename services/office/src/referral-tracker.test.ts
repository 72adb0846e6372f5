import type { BusEvent } from "@liandong/contracts";
import { duePassed, isOverdue } from "@liandong/domain";
import { chain, type Stored } from "@liandong/domain/testing";
import { describe, expect, it } from "vitest";
import type { Tracker } from "./lead-tracker.ts";
import {
  evolveReferrals,
  type ReferralTracker,
  referralsMatching,
  type TrackedReferral,
} from "./referral-tracker.ts";

const R1 = "11111111-1111-4111-8111-111111111111";
const R2 = "22222222-2222-4222-8222-222222222222";
const R3 = "44444444-4444-4444-8444-444444444444";
const LEAD = "33333333-3333-4333-8333-333333333333";

const offer = (id: string, from: string, to: string, extra: object = {}) => ({
  referralId: id,
  kind: "handling",
  from,
  to,
  about: { kind: "lead", id: LEAD },
  reason: "请核查",
  acceptBy: "2026-01-04T00:00:00.000Z",
  completeBy: "2026-02-01T00:00:00.000Z",
  evidence: [],
  ...extra,
});

/** No lead or case known: what a referral is about, unknown to the office. */
const NOTHING_ABOUT = { leads: new Map(), cases: new Map() };

function apply(t: ReferralTracker, leads: Tracker, ...steps: Stored[]) {
  for (const s of steps) {
    const r = evolveReferrals(t, { leads, cases: new Map() }, s.event, s.meta);
    if (r && !r.ok) throw new Error(JSON.stringify(r));
  }
}

function tracker(): ReferralTracker {
  const leads: Tracker = new Map([[LEAD, { violations: ["intermediary"] } as never]]);
  const t: ReferralTracker = new Map();
  const r1 = chain("referral", R1);
  const r2 = chain("referral", R2);
  apply(
    t,
    leads,
    r1.step({
      type: "referral.offered",
      agency: "health",
      to: "public-security",
      data: offer(R1, "health", "public-security"),
      time: "2026-01-01T00:00:00.000Z",
    }),
    r1.step({
      type: "referral.accepted",
      agency: "public-security",
      to: "health",
      data: { referralId: R1, by: "public-security" },
      time: "2026-01-02T00:00:00.000Z",
    }),
    r1.step({
      type: "referral.referred-on",
      agency: "public-security",
      to: "health",
      data: { referralId: R1, by: "public-security", childReferralId: R2, to: "commerce" },
      time: "2026-01-03T00:00:00.000Z",
    }),
    r2.step({
      type: "referral.offered",
      agency: "public-security",
      to: "commerce",
      data: offer(R2, "public-security", "commerce", { parentReferralId: R1 }),
      time: "2026-01-03T00:00:00.000Z",
    }),
  );
  return t;
}

const overdue = (id: string) =>
  ({
    type: "supervision.overdue",
    agency: "office",
    aggregate: { kind: "supervision", id },
    data: {
      referralId: id,
      deadline: "acceptance",
      dueAt: "2026-01-04T00:00:00.000Z",
      holder: "public-security",
      awaiting: "commerce",
      statusSeen: "offered",
    },
    time: "2026-01-05T00:00:00.000Z",
  }) as unknown as BusEvent;

describe("the office's referral tracker", () => {
  it("reads a referral's violations once, from the lead or case it is about", () => {
    const CASE = "55555555-5555-4555-8555-555555555555";
    const leads: Tracker = new Map([[LEAD, { violations: ["intermediary"] } as never]]);
    const cases = new Map([[CASE, { violations: ["illegal-sex-determination"] } as never]]);
    const t: ReferralTracker = new Map();
    const about = (id: string, kind: "lead" | "case", target: string) =>
      chain("referral", id).step({
        type: "referral.offered",
        agency: "health",
        to: "public-security",
        data: offer(id, "health", "public-security", { about: { kind, id: target } }),
        time: "2026-01-01T00:00:00.000Z",
      });
    for (const s of [about(R1, "lead", LEAD), about(R2, "case", CASE), about(R3, "case", LEAD)]) {
      const r = evolveReferrals(t, { leads, cases }, s.event, s.meta);
      if (r && !r.ok) throw new Error(JSON.stringify(r));
    }
    expect(t.get(R1)!.violations).toEqual(["intermediary"]);
    // A case's own violations (before, a case referral out of no chain showed none).
    expect(t.get(R2)!.violations).toEqual(["illegal-sex-determination"]);
    // A case the office does not know, out of no chain: none known.
    expect(t.get(R3)!.violations).toEqual([]);
    expect(referralsMatching(t, { violation: "illegal-sex-determination" })).toEqual([R2]);
  });

  it("follows holder, whose step is due, state and chain, as the parties record them", () => {
    const t = tracker();
    // Referred on: it rests with public security, which holds the next referral until accepted.
    expect(t.get(R1)).toMatchObject({
      status: "referred-on",
      holder: "public-security",
      childReferralId: R2,
    });
    expect(t.get(R1)?.awaiting).toBeUndefined();
    expect(t.get(R2)).toMatchObject({
      status: "offered",
      holder: "public-security",
      awaiting: "commerce",
      chainRoot: R1,
      chainLead: LEAD,
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
    evolveReferrals(t, NOTHING_ABOUT, overdue(R2), { seq: 9, hash: "" });
    expect(isOverdue(t.get(R2)!)).toBe(true);
    expect(duePassed(t.get(R2)!, new Date("2026-01-06T00:00:00Z"))).toEqual([]);
    expect(referralsMatching(t, { overdue: true })).toEqual([R2]);
    expect(referralsMatching(t, { agency: "health" })).toEqual([R1]);
    expect(referralsMatching(t, { since: "2026-01-02T00:00:00Z" })).toEqual([R2]);
    expect(referralsMatching(t, { lead: LEAD })).toEqual([R2, R1]);
  });

  it("matches every referral to a filter of nothing without reading one", () => {
    const t = tracker();
    // A tracker whose referrals cannot be read: only its keys are there to go through.
    const unread = new (class extends Map<string, TrackedReferral> {
      override get(): undefined {
        throw new Error("a referral read");
      }
      override entries(): never {
        throw new Error("a referral read");
      }
      override values(): never {
        throw new Error("a referral read");
      }
      override [Symbol.iterator](): never {
        throw new Error("a referral read");
      }
    })(t);
    expect(referralsMatching(unread, {})).toEqual([R2, R1]);
    expect(referralsMatching(t, {})).toEqual([R2, R1]);
    expect(() => referralsMatching(unread, { status: "offered" })).toThrow(/read/);
  });

  it("links a referral made again after a return to the one returned: one chain", () => {
    const t = tracker();
    const r3 = chain("referral", R3);
    // Commerce returns R2; public security refers the lead again, to drug regulation.
    const last = t.records!.get(R2)!.history.at(-1)!;
    apply(
      t,
      new Map(),
      chain("referral", R2).step({
        type: "referral.returned",
        agency: "commerce",
        to: "public-security",
        data: { referralId: R2, by: "commerce", reason: "不属本部门职责" },
        time: "2026-01-03T06:00:00.000Z",
        after: { meta: { seq: last.seq, hash: last.hash } } as Stored,
      }),
    );
    expect(t.get(R2)).toMatchObject({ status: "returned", holder: "public-security" });
    apply(
      t,
      new Map(),
      r3.step({
        type: "referral.offered",
        agency: "public-security",
        to: "drug-regulation",
        data: offer(R3, "public-security", "drug-regulation", { resumesReferralId: R2 }),
        time: "2026-01-03T12:00:00.000Z",
      }),
    );
    expect(t.get(R3)).toMatchObject({ chainRoot: R1, chainLead: LEAD, resumesReferralId: R2 });
  });

  it("refuses a step its publisher was not entitled to take, and counts nothing of it", () => {
    const t = tracker();
    const r2 = t.records!.get(R2)!;
    const forged = chain("referral", R2);
    // Health, not a party to R2, records an acceptance of it.
    const step = forged.step({
      type: "referral.accepted",
      agency: "health",
      to: "public-security",
      data: { referralId: R2, by: "health" },
    });
    const linked = {
      event: { ...step.event, prev: r2.history.at(-1)!.hash } as BusEvent,
      meta: { ...step.meta, seq: 99 },
    };
    const out = evolveReferrals(t, NOTHING_ABOUT, linked.event, linked.meta);
    expect(out).toMatchObject({ ok: false, refused: { refused: "forbidden" } });
    expect(t.get(R2)).toMatchObject({ status: "offered", awaiting: "commerce" });
  });
});

describe("a referral across the county line", () => {
  it("is held by the sender's county until accepted, then by the addressee's", () => {
    const t: ReferralTracker = new Map();
    const r = chain("referral", R1, "620702");
    apply(
      t,
      new Map(),
      r.step({
        type: "referral.offered",
        agency: "health",
        to: "health",
        toCounty: "620602",
        data: offer(R1, "health", "health"),
        time: "2026-01-01T00:00:00.000Z",
      }),
    );
    expect(t.get(R1)).toMatchObject({
      fromCounty: "620702",
      toCounty: "620602",
      holder: "health",
      holderCounty: "620702",
      awaiting: "health",
      awaitingCounty: "620602",
    });
    const step = (type: string) =>
      r.step({
        type,
        agency: "health",
        county: "620602",
        to: "health",
        toCounty: "620702",
        data: { referralId: R1, by: "health", feedback: { actions: "x", outcome: "y" } },
        time: "2026-01-02T00:00:00.000Z",
      });
    apply(t, new Map(), step("referral.accepted"));
    expect(t.get(R1)).toMatchObject({ status: "accepted", holderCounty: "620602" });
    apply(t, new Map(), step("referral.completed"));
    expect(t.get(R1)).toMatchObject({ status: "completed", holderCounty: "620602" });
    expect(t.get(R1)?.awaiting).toBeUndefined();
  });
});
