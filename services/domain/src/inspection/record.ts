import { type AgencyCode, type BusEvent, type EventData, OFFICE } from "@liandong/contracts";
import { notEntitled, type Refusal, replayed } from "../decider.ts";
import { NO_ONE } from "../refusals.ts";
import {
  type Inspection,
  type InspectionCommand,
  type InspectionState,
  inspectionDecider,
  planOf,
} from "./inspection.ts";

export type InspectionBusEvent = Extract<
  BusEvent,
  { type: "inspection.planned" | "inspection.findings-recorded" }
>;

export function isInspectionEvent(e: BusEvent): e is InspectionBusEvent {
  return e.type === "inspection.planned" || e.type === "inspection.findings-recorded";
}

/** What recording one step gives: the inspection after it, or why its publisher could not take it. */
export type RecordedInspection = { ok: true; record: Inspection } | { ok: false; refused: Refusal };

/**
 * What a reader knows that a replay needs: the county's agencies that may take part in an
 * inspection (its configuration), and who registered a lead (the office's lead tracker). What
 * a reader does not know is taken on the publisher's word.
 */
export type InspectionKnowledge = {
  participants?: readonly AgencyCode[];
  registeredBy?: (leadId: string) => AgencyCode | undefined;
};

/**
 * Pure: a reader's record of a joint inspection after one of its events, as it arrives from the
 * bus (the office's projection, a participant's desk). Idempotent by event id. A step is taken
 * only if its publisher (the envelope's agency, authenticated by the subject) could have decided
 * it on the inspection as it stood: it is replayed through `decide`.
 */
export function recordInspection(
  state: InspectionState,
  e: InspectionBusEvent,
  knows: InspectionKnowledge = {},
): RecordedInspection {
  if (state.status !== "none" && state.events.includes(e.id)) return { ok: true, record: state };
  const command = commandOf(e, knows);
  if (e.type === "inspection.planned") {
    const d = e.data;
    if (e.aggregate.id !== d.inspectionId)
      return notEntitled("step.wrong-aggregate", {
        type: e.type,
        id: d.inspectionId,
        aggregate: e.aggregate.id,
      });
    if (e.to !== d.to)
      return notEntitled("inspection.misaddressed", {
        type: e.type,
        to: d.to,
        addressee: e.to ?? NO_ONE,
      });
    if (state.status !== "none") {
      // One of the plan's copies to the other participants: the same plan, from the office.
      if (e.agency !== OFFICE)
        return notEntitled("inspection.planned-by-agency", { agency: e.agency });
      if (!samePlan(state, d)) return notEntitled("inspection.unlike-plan", { type: e.type });
      return recorded(state, e);
    }
  } else if (e.to !== OFFICE) {
    return notEntitled("inspection.not-to-office", { type: e.type, addressee: e.to ?? NO_ONE });
  }
  const decided = replayed(
    inspectionDecider.decide({ command, actor: e.agency }, state),
    e,
    e.agency,
  );
  if (!Array.isArray(decided)) return decided;
  const mine = decided.find((x) => x.id === e.id);
  if (!mine || JSON.stringify(mine.data) !== JSON.stringify(e.data))
    return notEntitled("inspection.step-not-allowed", { type: e.type, agency: e.agency });
  return recorded(state, e);
}

function recorded(state: InspectionState, e: InspectionBusEvent): RecordedInspection {
  const next = inspectionDecider.evolve(state, e);
  if (next.status === "none") return notEntitled("inspection.none-recorded", { type: e.type });
  return { ok: true, record: next };
}

function samePlan(i: Inspection, d: EventData<"inspection.planned">): boolean {
  return JSON.stringify(planOf(i)) === JSON.stringify(planOf(d));
}

/** The command a recorded step stands for, decided when it was recorded. */
function commandOf(e: InspectionBusEvent, knows: InspectionKnowledge): InspectionCommand {
  if (e.type === "inspection.planned") {
    const { inspectionId, agencies, to } = e.data;
    return {
      type: "plan",
      at: e.time,
      inspectionId,
      plan: planOf(e.data),
      participants: knows.participants ?? agencies,
      // The copy recorded is the one to `to`; the others are checked as they arrive.
      eventIds: (a) => (a === to ? e.id : `${e.id}:${a}`),
    };
  }
  const { inspectionId: _i, by: _b, ...findings } = e.data;
  const { registeredBy } = knows;
  return {
    type: "record-findings",
    at: e.time,
    eventId: e.id,
    findings,
    leadsRegistered: registeredBy
      ? findings.leads.filter((l) => registeredBy(l) === e.agency)
      : findings.leads,
  };
}
