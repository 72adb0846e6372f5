import { CountyConfig, type LeadRegistration } from "@liandong/contracts";
import { describe, expect, it } from "vitest";
import { decideRegistration, emptyDesk, indexTarget } from "./lead-desk.ts";
import { targetKey } from "./target-key.ts";

const config = CountyConfig.parse({ county: "441723", duplicateWindowDays: 30 });
const registration: LeadRegistration = {
  source: "record-audit",
  violations: ["sex-selective-termination"],
  target: { kind: "institution", name: "某镇卫生院", unit: "产科", county: "441723" },
  summary: "同名五次引产",
  evidence: [],
  handling: [],
};
const base = {
  config,
  rules: { mayOriginate: ["record-audit" as const] },
  agency: "health",
  leadId: "0b6f0f7e-8a5b-4c1f-9d2a-1f2e3d4c5b6a",
  registration,
  informantRef: undefined,
  now: new Date("2026-11-01T00:00:00Z"),
};

describe("decideRegistration", () => {
  it("routes by source and never back to the originator", () => {
    const d = decideRegistration({ ...base, state: emptyDesk() });
    expect(d.ok && d.recipients).toEqual(["public-security", "family-planning"]);
  });

  it("refuses a source the agency may not originate, naming the field", () => {
    const d = decideRegistration({
      ...base,
      state: emptyDesk(),
      registration: { ...registration, source: "pregnancy-disappearance" },
    });
    expect(d).toEqual({ ok: false, issues: [expect.objectContaining({ field: "source" })] });
  });

  it("refuses a county the bus does not know", () => {
    const target = { ...registration.target, county: "130102" };
    const d = decideRegistration({
      ...base,
      state: emptyDesk(),
      registration: { ...registration, target },
    });
    expect(d.ok ? [] : d.issues.map((i) => i.field)).toEqual(["target.county"]);
  });

  it("links a lead about the same target inside the window, not outside it", () => {
    const state = emptyDesk();
    const key = targetKey(registration.target);
    indexTarget(state, {
      leadId: "11111111-1111-4111-8111-111111111111",
      targetKey: key,
      at: Date.parse("2026-10-20T00:00:00Z"),
    });
    const inside = decideRegistration({ ...base, state });
    expect(inside.ok && inside.duplicateOf).toBe("11111111-1111-4111-8111-111111111111");
    const later = decideRegistration({ ...base, state, now: new Date("2026-12-31T00:00:00Z") });
    expect(later.ok && later.duplicateOf).toBeUndefined();
  });

  it("puts only the informant's reference on the shared facts", () => {
    const d = decideRegistration({
      ...base,
      state: emptyDesk(),
      rules: { mayOriginate: ["public-tip"] },
      registration: {
        ...registration,
        source: "public-tip",
        informant: { name: "李某某", phone: "13800000000", rewardEligible: true },
      },
      informantRef: "inf_0123456789abcdef0123456789abcdef",
    });
    expect(d.ok && d.facts.informant).toEqual({
      ref: "inf_0123456789abcdef0123456789abcdef",
      rewardEligible: true,
    });
    expect(JSON.stringify(d)).not.toContain("13800000000");
    expect(JSON.stringify(d)).not.toContain("李某某");
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
