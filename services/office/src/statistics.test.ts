import type { BusEvent } from "@liandong/contracts";
import { describe, expect, it } from "vitest";
import { ALL, Statistics } from "./statistics.ts";

const reported = (n: number, agency: string, violations: string[], time: string) =>
  ({
    type: "lead.reported",
    agency,
    aggregate: { kind: "lead", id: `lead-${n}` },
    time,
    data: { leadId: `lead-${n}`, violations },
  }) as unknown as BusEvent;

describe("Statistics", () => {
  it("counts each event in its month in China Standard Time, across month boundaries", () => {
    const stats = new Statistics();
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
  });

  it("counts a violation once per event however often it is named, and in the ALL row", () => {
    const stats = new Statistics();
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
  });
});
