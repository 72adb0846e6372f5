import {
  identityInput,
  type PregnancyFact,
  type RegisterName,
  type RegisterRow,
} from "@liandong/contracts";
import type { LedgerSale } from "./rules.ts";

/** The registers that hold pregnancies (every one but the drug ledger and the permits). */
export type PregnancyRegister = Exclude<RegisterName, "drug-sale" | "permit">;

/**
 * What of one register row may leave its holder: the pseudonym of the person, the holder's own
 * reference to the row, and the facts the rules need (dates, weeks, approval present or not).
 * Never the name, the ID number, the facility or the approval number itself.
 */
export function factOf<R extends PregnancyRegister>(
  register: R,
  row: RegisterRow<R>,
  pseudonym: string,
  ref: string,
): PregnancyFact {
  const base = { pseudonym, ref };
  switch (register) {
    case "ultrasound": {
      const r = row as RegisterRow<"ultrasound">;
      return {
        ...base,
        holder: "health",
        kind: "ultrasound",
        on: r.checkedOn,
        weeks: r.weeks,
        ...(r.expectedOn ? { expectedOn: r.expectedOn } : {}),
      };
    }
    case "delivery": {
      const r = row as RegisterRow<"delivery">;
      return { ...base, holder: "health", kind: "delivery", on: r.deliveredOn };
    }
    case "termination": {
      const r = row as RegisterRow<"termination">;
      return {
        ...base,
        holder: "health",
        kind: "termination",
        on: r.performedOn,
        weeks: r.weeks,
        approved: Boolean(r.approvalNumber),
      };
    }
    case "follow-up": {
      const r = row as RegisterRow<"follow-up">;
      return {
        ...base,
        holder: "family-planning",
        kind: "follow-up",
        on: r.visitedOn,
        pregnant: r.pregnant,
        ...(r.weeks !== undefined ? { weeks: r.weeks } : {}),
        ...(r.expectedOn ? { expectedOn: r.expectedOn } : {}),
      };
    }
    case "approval": {
      const r = row as RegisterRow<"approval">;
      return { ...base, holder: "family-planning", kind: "approval", on: r.approvedOn };
    }
  }
  throw new Error(`no pregnancy facts in register ${register satisfies never}`);
}

/** A drug ledger's row as its own rule reads it. */
export function saleOf(row: RegisterRow<"drug-sale">, ref: string): LedgerSale {
  return {
    ref,
    soldOn: row.soldOn,
    drug: row.drug,
    doseMg: row.doseMg,
    prescriber: row.prescriber,
    institution: row.institution,
  };
}

/**
 * One register's rows as facts, given the pseudonym of each identity input (`identityInput`)
 * and the holder's reference to each row. A row whose identity has no pseudonym (no ID number
 * and no birth date to go with the name) yields nothing: it cannot be compared.
 */
export function factsOf<R extends PregnancyRegister>(
  register: R,
  rows: readonly RegisterRow<R>[],
  pseudonymOf: (input: string) => string | undefined,
  refOf: (recordId: string) => string,
): PregnancyFact[] {
  const out: PregnancyFact[] = [];
  for (const row of rows) {
    const input = identityInput(row as { idNumber?: string; name: string; birthDate?: string });
    const pseudonym = input === undefined ? undefined : pseudonymOf(input);
    if (pseudonym === undefined) continue;
    out.push(factOf(register, row, pseudonym, refOf(row.recordId)));
  }
  return out;
}
