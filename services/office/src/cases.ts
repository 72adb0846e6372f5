import type { BusEvent } from "@liandong/contracts";
import { type CaseEvent, type CaseRecord, caseDecider } from "@liandong/domain";

/** The county's cases as the office holds them: the domain's case record, by case id. */
export type Cases = Map<string, CaseRecord>;

/**
 * The office's cases after one event, folded with the domain's case `evolve`: the same record
 * the agency that opened the case holds (an event its agency could not have recorded changes
 * nothing; folded twice, as once).
 */
export function evolveCases(cases: Cases, e: BusEvent): void {
  if (e.aggregate.kind !== "case" || !e.type.startsWith("case.")) return;
  const before = cases.get(e.aggregate.id) ?? caseDecider.initialState();
  const next = caseDecider.evolve(before, e as CaseEvent & BusEvent);
  if (next !== before && next.status !== "none") cases.set(e.aggregate.id, next);
}
