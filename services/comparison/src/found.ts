import type { ComparisonFound, Finding } from "@liandong/contracts";
import { FINDING_ORIGINATOR } from "@liandong/domain";
import { uuidFromName } from "@liandong/runtime";

/** The finding's id on the log: derived from its key, so the same finding is the same id. */
export const findingId = (f: Finding): string => uuidFromName(`finding:${f.key}`);

/** The lead the originating agency registers for a finding (as its desk derives it). */
export const findingLeadId = (f: Finding): string =>
  uuidFromName(`${FINDING_ORIGINATOR[f.rule].agency}:finding:${f.key}`);

/**
 * What the county may see of a finding (`comparison.found`): the rule, when it fell due, who it
 * goes to, the lead it makes, each side's facts. Not the pseudonym, not a holder's record
 * reference, not the prescriber or the institution: the office holds no register and no key,
 * and reads what it is given; naming anyone is the holding agency's, at its own desk.
 */
export function foundOf(f: Finding): ComparisonFound {
  return {
    finding: findingId(f),
    rule: f.rule,
    month: f.month,
    dueOn: f.dueOn,
    to: f.to,
    originator: FINDING_ORIGINATOR[f.rule].agency,
    leadId: findingLeadId(f),
    facts: f.facts.slice(0, 200).map((x) => ({
      holder: x.holder,
      kind: x.kind,
      on: x.on,
      ...(x.weeks !== undefined ? { weeks: x.weeks } : {}),
      ...(x.expectedOn !== undefined ? { expectedOn: x.expectedOn } : {}),
      ...(x.approved !== undefined ? { approved: x.approved } : {}),
      ...(x.pregnant !== undefined ? { pregnant: x.pregnant } : {}),
    })),
    sales: (f.prescriber?.sales ?? [])
      .slice(0, 200)
      .map((s) => ({ soldOn: s.soldOn, drug: s.drug, doseMg: s.doseMg })),
  };
}
