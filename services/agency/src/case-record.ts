import type { BusEvent, CaseView } from "@liandong/contracts";

export type CaseBusEvent = Extract<BusEvent, { type: `case.${string}` }>;
/** The agency's record of a case: the view and the ids of the events already applied. */
export type CaseRecord = CaseView & { applied: string[] };

/** Pure: the case after one of its events; idempotent by event id. */
export function applyCase(record: CaseRecord | undefined, e: CaseBusEvent): CaseRecord | undefined {
  if (record?.applied.includes(e.id)) return record;
  switch (e.type) {
    case "case.opened":
      return {
        caseId: e.data.caseId,
        agency: e.data.agency,
        title: e.data.title,
        status: "open",
        leads: e.data.leads,
        referrals: e.data.referrals,
        violations: e.data.violations,
        target: e.data.target,
        openedAt: e.time,
        steps: [],
        sanctions: [],
        applied: [e.id],
      };
    case "case.step-recorded":
      if (!record) return undefined;
      return {
        ...record,
        steps: [
          ...record.steps,
          {
            kind: e.data.kind,
            summary: e.data.summary,
            at: e.time,
            actor: e.actor,
            evidence: e.data.evidence,
          },
        ],
        applied: [...record.applied, e.id],
      };
    case "case.closed":
      if (!record) return undefined;
      return {
        ...record,
        status: "closed",
        closedAt: e.time,
        summary: e.data.summary,
        sanctions: e.data.sanctions,
        applied: [...record.applied, e.id],
      };
  }
}
