import type { CountyConfig, Sanction } from "@liandong/contracts";
import type { FieldIssue } from "@liandong/runtime";
import type { AgencyRules } from "./rules.ts";

const HOUR_MS = 3_600_000;

/**
 * Pure: the sanctions of a closure as this agency may impose them, with decree No. 310
 * deadlines filled in for a transfer to the judiciary, or the issues naming what it may not.
 */
export function checkSanctions(
  sanctions: readonly Sanction[],
  rules: AgencyRules,
  config: CountyConfig,
  now: Date,
): { ok: true; sanctions: Sanction[] } | { ok: false; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const out = sanctions.map((s, i): Sanction => {
    if (!rules.sanctions.includes(s.kind)) {
      issues.push({
        field: `sanctions.${i}.kind`,
        message: `this agency may not impose ${s.kind}`,
      });
    }
    if (s.kind === "fine") {
      const { min, max } = config.fineRangeYuan;
      if (s.amountYuan < min || s.amountYuan > max) {
        issues.push({
          field: `sanctions.${i}.amountYuan`,
          message: `a fine is between ${min} and ${max} yuan`,
        });
      }
    }
    if (s.kind === "transfer-to-judiciary") {
      const decideBy = new Date(
        now.getTime() + config.judiciaryDeadlines.decideWithinHours * HOUR_MS,
      );
      const transferBy = new Date(
        decideBy.getTime() + config.judiciaryDeadlines.transferWithinHours * HOUR_MS,
      );
      return {
        ...s,
        decideBy: s.decideBy ?? decideBy.toISOString(),
        transferBy: s.transferBy ?? transferBy.toISOString(),
      };
    }
    return s;
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, sanctions: out };
}
