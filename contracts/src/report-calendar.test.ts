import { describe, expect, it } from "vitest";
import {
  lastDayToReport,
  monthOf,
  nextMonth,
  previousMonth,
  reportDueBy,
  reportingMonth,
} from "./report-calendar.ts";

/** The month in China's time, the long way round: a reference for `monthOf`. */
const reference = (iso: string) =>
  new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 7);

describe("the report calendar (China's time)", () => {
  it("reads an instant's month as China's clock does, whatever its offset", () => {
    const start = Date.parse("2023-12-25T00:00:00Z");
    // Every 97 minutes for about five years: month ends, leap days and year ends included.
    for (let t = start; t < start + 5 * 366 * 86_400_000; t += 97 * 60_000) {
      const iso = new Date(t).toISOString();
      expect(monthOf(iso), iso).toBe(reference(iso));
    }
    expect(monthOf("2026-03-31T23:59:59+08:00")).toBe("2026-03");
    expect(monthOf("2026-03-31T12:00:00-05:00")).toBe("2026-04");
    expect(monthOf("2026-03-31T16:00:00Z")).toBe("2026-04");
    expect(monthOf("2026-03-31T15:59:59.999Z")).toBe("2026-03");
  });

  it("makes a report due by the end of the 10th of the next month, before the 11th at 00:00 +08:00", () => {
    expect(reportDueBy("2026-03")).toBe(new Date("2026-04-11T00:00:00+08:00").toISOString());
    expect(reportDueBy("2026-12")).toBe(new Date("2027-01-11T00:00:00+08:00").toISOString());
    expect(lastDayToReport("2026-03")).toBe("2026-04-10");
    expect(lastDayToReport("2026-12")).toBe("2027-01-10");
  });

  it("opens the page at the month whose report is due next", () => {
    expect(reportingMonth(new Date("2026-04-10T23:59:59+08:00"))).toBe("2026-03");
    expect(reportingMonth(new Date("2026-04-11T00:00:00+08:00"))).toBe("2026-04");
    expect(reportingMonth(new Date("2026-01-05T00:00:00+08:00"))).toBe("2025-12");
    expect(nextMonth("2026-12")).toBe("2027-01");
    expect(previousMonth("2026-01")).toBe("2025-12");
  });
});
