import type { AgencyCode, BusEvent } from "@liandong/contracts";
import {
  type Inspection,
  inspectionDecider,
  isInspectionEvent,
  participantView,
  recordInspection,
  refuse,
} from "@liandong/domain";
import { deadLetterError, notEntitledError } from "@liandong/runtime";
import type { AgencyInspection, DeskStore } from "./desk-store.ts";

/**
 * A joint inspection as the desk keeps it: what it shows (the plan and this agency's findings,
 * which the monthly report reads) and what the domain's record needs besides (when it was
 * planned, the ids of the events folded; absent from what was stored before they were kept).
 */
type Stored = AgencyInspection & { plannedAt?: string; events?: string[] };

/** The domain's record of an inspection, from what this participant keeps of it. */
export function inspectionOf(stored: AgencyInspection, agency: AgencyCode): Inspection {
  const { findings, plannedAt, events, ...plan } = stored as Stored;
  return {
    ...plan,
    targets: plan.targets as Inspection["targets"],
    status: "planned",
    plannedAt: plannedAt ?? "",
    findings: findings ? { [agency]: findings } : {},
    events: events ?? [],
  };
}

/** What this participant keeps of the domain's record of an inspection. */
export function storedOf(i: Inspection, agency: AgencyCode): Stored {
  return { ...participantView(i, agency), plannedAt: i.plannedAt, events: i.events };
}

/**
 * The office's plan of a joint inspection, addressed to this agency as a participant (its inbox),
 * recorded with the domain's record fold: only the office plans, with the county's agencies.
 */
export function inspectionInbox(deps: {
  agency: AgencyCode;
  store: DeskStore;
  participants: readonly AgencyCode[];
}) {
  const { agency, store, participants } = deps;
  return async (e: BusEvent): Promise<void> => {
    if (!isInspectionEvent(e)) return;
    if (
      e.type !== "inspection.planned" ||
      e.data.to !== agency ||
      !e.data.agencies.includes(agency)
    )
      throw deadLetterError("misaddressed", refuse("invalid", "inspection.plan-misaddressed"));
    const known = store.inspections.get(e.data.inspectionId);
    const before = known ? inspectionOf(known, agency) : inspectionDecider.initialState();
    const recorded = recordInspection(before, e, { participants });
    if (!recorded.ok) throw notEntitledError(recorded.refused);
    if (recorded.record !== before) await store.saveInspection(storedOf(recorded.record, agency));
  };
}
