import { CountyConfig, LeadRegistration } from "@liandong/contracts";
import {
  decideLead,
  evolveLead,
  isRefusal,
  type LeadEvent,
  type LeadState,
  refusalMessage,
} from "@liandong/domain";
import { describe, expect, it } from "vitest";
import { emptyDesk, indexTarget, sameTarget } from "./lead-desk.ts";
import { targetKey } from "./target-key.ts";

const config = CountyConfig.parse({ county: "441723", duplicateWindowDays: 30 });
const registration = LeadRegistration.parse({
  source: "record-audit",
  violations: ["sex-selective-termination"],
  target: { kind: "institution", name: "某镇卫生院", unit: "产科", county: "441723" },
  summary: "同名五次引产",
});

/** A lead as the desk holds it after the domain registers it. */
function registered(leadId: string, at: string, target = registration.target): LeadState {
  const decided = decideLead(
    {
      type: "register",
      leadId,
      agency: "health",
      actor: "health.liaison",
      now: new Date(at),
      registration: { ...registration, target },
      targetKey: targetKey(target),
      config,
      mayOriginate: ["record-audit"],
      sameTarget: [],
    },
    undefined,
  );
  if (isRefusal(decided)) throw new Error(refusalMessage(decided));
  return decided.reduce<LeadState>((s, e: LeadEvent) => evolveLead(s, e), undefined);
}

describe("the desk's target index", () => {
  it("finds the leads held about the same target, once each, from when they were held", () => {
    const state = emptyDesk();
    const a = registered("11111111-1111-4111-8111-111111111111", "2026-10-20T00:00:00.000Z")!;
    const other = registered("22222222-2222-4222-8222-222222222222", "2026-10-21T00:00:00.000Z", {
      ...registration.target,
      unit: "B超室",
    })!;
    indexTarget(state, a);
    indexTarget(state, a);
    indexTarget(state, other);
    expect(sameTarget(state, targetKey(registration.target))).toEqual([
      {
        leadId: a.leadId,
        targetKey: targetKey(registration.target),
        at: "2026-10-20T00:00:00.000Z",
      },
    ]);
  });

  it("keys a lead shared with it by its target, as its own registrations are keyed", () => {
    const state = emptyDesk();
    const own = registered("11111111-1111-4111-8111-111111111111", "2026-10-20T00:00:00.000Z")!;
    const shared = evolveLead(undefined, {
      type: "lead.shared",
      county: "441723",
      agency: "public-security",
      actor: "public-security.liaison",
      time: "2026-10-22T00:00:00.000Z",
      to: "health",
      data: {
        leadId: "33333333-3333-4333-8333-333333333333",
        to: "health",
        originator: "public-security",
        reason: "source:record-audit",
        lead: {
          leadId: "33333333-3333-4333-8333-333333333333",
          source: "record-audit",
          violations: ["intermediary"],
          target: { ...registration.target, name: "某镇 卫生院" },
          summary: "另一条",
          evidence: [],
          handling: [],
        },
      },
    })!;
    indexTarget(state, own);
    indexTarget(state, shared);
    expect(sameTarget(state, own.targetKey!).map((k) => k.leadId)).toEqual([
      own.leadId,
      shared.leadId,
    ]);
  });
});

describe("targetKey", () => {
  it("ignores spacing and full-width forms, not the unit", () => {
    const a = targetKey({
      kind: "institution",
      name: "某镇 卫生院",
      unit: "产科",
      county: "441723",
    });
    const b = targetKey({
      kind: "institution",
      name: "某镇卫生院",
      unit: "产科",
      county: "441723",
    });
    const c = targetKey({
      kind: "institution",
      name: "某镇卫生院",
      unit: "Ｂ超室",
      county: "441723",
    });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});
