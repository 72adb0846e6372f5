import type { BusEvent, ComparisonFound } from "@liandong/contracts";
import { describe, expect, it } from "vitest";
import { type Findings, findingsView, followFindings } from "./comparison-findings.ts";
import type { Tracker } from "./lead-tracker.ts";

const COUNTY = "441723";
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, "0")}`;
const found = (n: number, over: Partial<ComparisonFound> = {}): ComparisonFound => ({
  finding: uuid(n),
  rule: "pregnancy-disappeared",
  month: "2025-11",
  dueOn: "2025-11-16",
  to: ["family-planning", "health"],
  originator: "family-planning",
  leadId: uuid(1000 + n),
  facts: [{ holder: "health", kind: "ultrasound", on: "2025-04-20", weeks: 14 }],
  sales: [],
  ...over,
});
const event = (data: ComparisonFound, agency = "comparison", county = COUNTY) =>
  ({
    type: "comparison.found",
    agency,
    county,
    time: "2025-11-20T08:00:00+08:00",
    data,
  }) as unknown as BusEvent;

describe("the office's findings of the comparison rules", () => {
  it("takes them from the comparison service of its county only, each once", () => {
    const findings: Findings = new Map();
    expect(followFindings(findings, event(found(1)), COUNTY)).toBeUndefined();
    // An agency may not record one under its own subject, nor another county's service here.
    expect(followFindings(findings, event(found(2), "health"), COUNTY)?.refused).toBeDefined();
    expect(
      followFindings(findings, event(found(3), "comparison", "441702"), COUNTY)?.refused,
    ).toBeDefined();
    // Recorded again (a restarted service): the first record stands.
    followFindings(findings, event(found(1, { month: "2026-01" })), COUNTY);
    expect([...findings.keys()]).toEqual([uuid(1)]);
    expect(findings.get(uuid(1))?.month).toBe("2025-11");
  });

  it("counts them by month and rule, newest month first, each with the lead it made", () => {
    const findings: Findings = new Map();
    const all = [
      found(1),
      found(2, { month: "2025-12", dueOn: "2025-12-02" }),
      found(3, { rule: "unapproved-termination", originator: "health", to: ["health"] }),
      found(4, {
        rule: "prescriber-overdose",
        originator: "drug-regulation",
        to: ["drug-regulation", "health"],
        facts: [],
        sales: [{ soldOn: "2025-11-01", drug: "misoprostol", doseMg: 2 }],
      }),
    ];
    for (const f of all) followFindings(findings, event(f), COUNTY);
    const tracker: Tracker = new Map([
      [
        uuid(1001),
        {
          leadId: uuid(1001),
          originator: "family-planning",
          sharedWith: ["health"],
          deliveredTo: ["health"],
          status: "open",
        } as never,
      ],
    ]);
    const view = findingsView(findings, tracker, COUNTY, { limit: 200, offset: 0 });
    expect(view.months).toEqual([
      {
        month: "2025-12",
        total: 1,
        byRule: {
          "pregnancy-disappeared": 1,
          "unapproved-termination": 0,
          "prescriber-overdose": 0,
        },
      },
      {
        month: "2025-11",
        total: 3,
        byRule: {
          "pregnancy-disappeared": 1,
          "unapproved-termination": 1,
          "prescriber-overdose": 1,
        },
      },
    ]);
    const nov = findingsView(findings, tracker, COUNTY, {
      month: "2025-11",
      limit: 200,
      offset: 0,
    });
    expect(nov.total).toBe(3);
    expect(nov.items.find((f) => f.finding === uuid(1))?.lead).toEqual({
      leadId: uuid(1001),
      originator: "family-planning",
      sharedWith: ["health"],
      deliveredTo: ["health"],
      status: "open",
    });
    expect(nov.items.find((f) => f.finding === uuid(3))?.lead).toBeNull();
    const rule = findingsView(findings, tracker, COUNTY, {
      rule: "prescriber-overdose",
      limit: 200,
      offset: 0,
    });
    expect(rule.items.map((f) => f.finding)).toEqual([uuid(4)]);
  });
});
