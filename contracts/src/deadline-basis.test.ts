import { describe, expect, it } from "vitest";
import { CountyConfig, referralDeadlines } from "./config.ts";
import { acceptanceDeadlineLabel, deadlineBasis } from "./deadline-basis.ts";

const now = new Date("2026-11-01T00:00:00Z");
const H = 3_600_000;

describe("decree No. 310 deadlines (立案决定期限)", () => {
  it("a judiciary transfer is accepted within 72 h whatever the county's ordinary deadlines", () => {
    const config = CountyConfig.parse({
      county: "441723",
      deadlines: {
        acceptanceDays: 5,
        byAgency: { "public-security": { acceptanceDays: 7 } },
        byKind: { judiciary: { acceptanceDays: 10, feedbackDays: 20 } },
      },
    });
    const judiciary = referralDeadlines(config, "judiciary", "public-security", now);
    expect(Date.parse(judiciary.acceptBy) - now.getTime()).toBe(72 * H);
    // Feedback is not the decree's: the county's own.
    expect(Date.parse(judiciary.completeBy) - now.getTime()).toBe(20 * 24 * H);
    const handling = referralDeadlines(config, "handling", "health", now);
    expect(Date.parse(handling.acceptBy) - now.getTime()).toBe(5 * 24 * H);
  });

  it("labels the deadline by what it rests on", () => {
    expect(deadlineBasis({ kind: "judiciary" })).toBe("decree-310");
    expect(acceptanceDeadlineLabel({ kind: "judiciary" })).toBe("立案决定期限（国务院令第310号）");
    expect(acceptanceDeadlineLabel({ kind: "handling" })).toBe("接收期限");
  });
});
