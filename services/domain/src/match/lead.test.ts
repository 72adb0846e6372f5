import { DEFAULT_AGENCIES, type Finding } from "@liandong/contracts";
import { describe, expect, it } from "vitest";
import { findingLead } from "./lead.ts";

const pseudonym = "a".repeat(64);
const finding: Finding = {
  key: `pregnancy-disappeared:${pseudonym}:2026-03-01`,
  rule: "pregnancy-disappeared",
  month: "2026-09",
  dueOn: "2026-09-10",
  to: ["health"],
  pseudonym,
  facts: [
    {
      pseudonym,
      holder: "health",
      ref: "0".repeat(32),
      kind: "ultrasound",
      on: "2026-06-01",
      weeks: 14,
    },
    {
      pseudonym,
      holder: "family-planning",
      ref: "1".repeat(32),
      kind: "follow-up",
      on: "2026-08-01",
      pregnant: false,
    },
  ],
};

describe("a finding as a lead", () => {
  it("names each fact's holder by the county's short name and its register by the vocabulary's", () => {
    const { registration } = findingLead(finding, "441723");
    expect(registration.summary).toContain("卫健·妊娠十四周以上B超检查登记 2026-06-01，孕14周");
    expect(registration.summary).toContain("计生·孕情跟踪随访 2026-08-01，未孕");
    // A county that names its agencies otherwise is read in its own words.
    const renamed = DEFAULT_AGENCIES.map((a) =>
      a.code === "health" ? { ...a, shortName: "卫健委" } : a,
    );
    expect(findingLead(finding, "441723", renamed).registration.summary).toContain("卫健委·");
  });
});
