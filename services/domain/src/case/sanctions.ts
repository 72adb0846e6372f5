import {
  type AgencyCode,
  type CountyConfig,
  DECREE_310,
  SANCTION_LABELS,
  type Sanction,
  type SanctionKind,
  sanctionsOf,
} from "@liandong/contracts";
import type { FieldRefusal } from "../decider.ts";
import { said } from "../refusals.ts";

/** What the sanction rule reads of the county's configuration. */
export type SanctionConfig = Pick<CountyConfig, "sanctions" | "fineRangeYuan">;

/** One field at fault and why. */
export type FieldIssue = FieldRefusal;

const HOUR_MS = 3_600_000;

/**
 * Pure: the sanctions of a closure as `agency` may impose them at `at` (ISO 8601), with decree
 * No. 310's deadlines filled in for a transfer to the judiciary; or the issues, one per field,
 * naming what it may not impose.
 */
export function checkSanctions(
  sanctions: readonly Sanction[],
  agency: AgencyCode,
  config: SanctionConfig,
  at: string,
): { ok: true; sanctions: Sanction[] } | { ok: false; issues: FieldIssue[] } {
  const may = sanctionsOf(config, agency);
  const { min, max } = config.fineRangeYuan;
  const issues: FieldIssue[] = [];
  const out = sanctions.map((s, i): Sanction => {
    if (!may.includes(s.kind)) {
      issues.push({
        field: `sanctions.${i}.kind`,
        ...(may.length
          ? said("sanction.not-imposed", {
              may: {
                zh: may.map((k) => SANCTION_LABELS[k].zh).join("、"),
                en: may.join(", "),
              },
            })
          : said("sanction.none-imposed")),
      });
    }
    if (s.kind === "fine" && (s.amountYuan < min || s.amountYuan > max)) {
      issues.push({
        field: `sanctions.${i}.amountYuan`,
        ...said("sanction.fine-range", { min, max }),
      });
    }
    if (s.kind !== "transfer-to-judiciary") return s;
    const t = Date.parse(at);
    const decideBy = t + DECREE_310.transferDecisionHours * HOUR_MS;
    const transferBy = decideBy + DECREE_310.transferHours * HOUR_MS;
    // An earlier deadline than the decree's is the agency's to set; a later one is not.
    for (const [field, latest] of [
      ["decideBy", decideBy],
      ["transferBy", transferBy],
    ] as const) {
      const asked = s[field];
      if (asked !== undefined && Date.parse(asked) > latest)
        issues.push({
          field: `sanctions.${i}.${field}`,
          ...said("sanction.after-decree-310", { latest: new Date(latest).toISOString() }),
        });
    }
    return {
      ...s,
      decideBy: s.decideBy ?? new Date(decideBy).toISOString(),
      transferBy: s.transferBy ?? new Date(transferBy).toISOString(),
    };
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, sanctions: out };
}

/** Sanctions counted as 吊销证照 (licences revoked) in the monthly figures. */
export const REVOCATIONS: ReadonlySet<SanctionKind> = new Set([
  "revoke-practising-certificate",
  "revoke-institution-licence",
  "revoke-business-licence",
]);

/**
 * Pure: what a closure's sanctions add to the monthly figures (S7): fines in yuan, licences
 * revoked, transfers to the judiciary. Every reader that counts sanctions counts them here.
 */
export function sanctionFigures(sanctions: readonly Sanction[]): {
  finesYuan: number;
  revocations: number;
  judiciaryTransfers: number;
} {
  let finesYuan = 0;
  let revocations = 0;
  let judiciaryTransfers = 0;
  for (const s of sanctions) {
    if (s.kind === "fine") finesYuan += s.amountYuan;
    else if (REVOCATIONS.has(s.kind)) revocations++;
    else if (s.kind === "transfer-to-judiciary") judiciaryTransfers++;
  }
  return { finesYuan, revocations, judiciaryTransfers };
}
