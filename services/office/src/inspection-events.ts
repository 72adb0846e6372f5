import type { AgencyCode, BusEvent } from "@liandong/contracts";
import {
  inspectionDecider,
  isInspectionEvent,
  type Refusal,
  recordInspection,
} from "@liandong/domain";
import type { Inspections } from "./inspections.ts";
import type { Tracker as LeadTracker } from "./lead-tracker.ts";

/**
 * The office's record of joint inspections after one event from EVENTS, folded with the domain's
 * record (each step replayed through `decide` with its publisher; a plan's participants checked
 * against the county's agencies, findings' leads against who registered them): the refusal when
 * its publisher was not entitled to take it (to be dead-lettered, not counted).
 */
export function followInspections(
  inspections: Inspections,
  e: BusEvent,
  knows: { participants: readonly AgencyCode[]; leads: LeadTracker },
): Refusal | undefined {
  if (!isInspectionEvent(e)) return undefined;
  const { all } = inspections;
  const recorded = recordInspection(
    all.get(e.data.inspectionId) ?? inspectionDecider.initialState(),
    e,
    {
      participants: knows.participants,
      registeredBy: (leadId) => knows.leads.get(leadId)?.originator,
    },
  );
  if (!recorded.ok) return recorded.refused;
  all.set(recorded.record.inspectionId, recorded.record);
  return undefined;
}
