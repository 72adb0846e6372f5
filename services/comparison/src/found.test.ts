import { ComparisonFound, type Finding } from "@liandong/contracts";
import { uuidFromName } from "@liandong/runtime";
import { describe, expect, it } from "vitest";
import { foundOf } from "./found.ts";

const pseudonym = "Q".repeat(86);
const ref = (n: number) => n.toString(16).padStart(32, "0");

const pregnancy: Finding = {
  key: `pregnancy-disappeared:${pseudonym}:2025-01-10`,
  rule: "pregnancy-disappeared",
  month: "2025-11",
  dueOn: "2025-11-16",
  to: ["family-planning", "health"],
  pseudonym,
  facts: [
    {
      pseudonym,
      holder: "health",
      ref: ref(1),
      kind: "ultrasound",
      on: "2025-04-20",
      weeks: 14,
      expectedOn: "2025-10-17",
    },
    {
      pseudonym,
      holder: "family-planning",
      ref: ref(2),
      kind: "follow-up",
      on: "2025-05-02",
      pregnant: true,
    },
  ],
};
const overdose: Finding = {
  key: "prescriber-overdose:医师甲:mifepristone",
  rule: "prescriber-overdose",
  month: "2025-06",
  dueOn: "2025-06-30",
  to: ["drug-regulation", "health"],
  facts: [],
  prescriber: {
    prescriber: "医师甲",
    institution: "某某诊所",
    drug: "mifepristone",
    sales: [1, 2, 3].map((n) => ({
      ref: ref(n),
      soldOn: `2025-06-0${n}`,
      drug: "mifepristone" as const,
      doseMg: 600,
    })),
  },
};

describe("what the county may see of a finding (comparison.found)", () => {
  it("keeps the rule, the month, each side's facts and the lead it makes; no pseudonym, no record reference", () => {
    const found = ComparisonFound.parse(foundOf(pregnancy));
    expect(found).toMatchObject({
      rule: "pregnancy-disappeared",
      month: "2025-11",
      originator: "family-planning",
      // The id the originator's desk gives the lead it registers for this finding.
      leadId: uuidFromName(`family-planning:finding:${pregnancy.key}`),
      facts: [
        { holder: "health", kind: "ultrasound", on: "2025-04-20", weeks: 14 },
        { holder: "family-planning", kind: "follow-up", pregnant: true },
      ],
    });
    const text = JSON.stringify(found);
    expect(text).not.toContain(pseudonym);
    expect(text).not.toContain(ref(1));
    expect(text).not.toContain(ref(2));
    // The same finding, the same id; another finding, another.
    expect(foundOf(pregnancy).finding).toBe(found.finding);
    expect(foundOf({ ...pregnancy, key: `${pregnancy.key}x` }).finding).not.toBe(found.finding);
  });

  it("gives a prescriber's sales without the prescriber, the institution or the ledger's rows", () => {
    const found = ComparisonFound.parse(foundOf(overdose));
    expect(found.originator).toBe("drug-regulation");
    expect(found.sales).toHaveLength(3);
    const text = JSON.stringify(found);
    for (const s of ["医师甲", "某某诊所", ref(1), ref(2), ref(3)]) expect(text).not.toContain(s);
  });
});
