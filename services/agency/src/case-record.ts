import { type CaseBusEvent, type CaseRecord, caseDecider } from "@liandong/domain";

export type { CaseBusEvent, CaseRecord } from "@liandong/domain";

/**
 * The agency's record of a case after one of its events, folded with the domain's `evolve`
 * (idempotent by event id); `undefined` while there is no case (a step before its opening).
 */
export function applyCase(record: CaseRecord | undefined, e: CaseBusEvent): CaseRecord | undefined {
  const next = caseDecider.evolve(record ?? caseDecider.initialState(), e);
  return next.status === "none" ? undefined : next;
}
