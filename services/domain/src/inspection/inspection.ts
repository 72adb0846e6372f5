import {
  type AgencyCode,
  DAY_MS,
  type EventData,
  type InspectionFindings,
  OFFICE,
} from "@liandong/contracts";
import type { RecordedEvent } from "../bus-events.ts";
import { openedBy, type Refusal, refuse } from "../decider.ts";

type Planned = EventData<"inspection.planned">;

/** What the office plans: the participants, the places to inspect, the days. */
export type InspectionPlan = Pick<
  Planned,
  "title" | "agencies" | "targets" | "startsOn" | "endsOn"
>;

/** Pure: the plan of a plan request, of a planned event's data, of an inspection. */
export function planOf(p: InspectionPlan): InspectionPlan {
  const { title, agencies, targets, startsOn, endsOn } = p;
  return { title, agencies, targets, startsOn, endsOn };
}

/** One participant's findings, with when they were recorded. */
export type RecordedFindings = InspectionFindings & { recordedAt: string };

/**
 * A joint inspection (联合检查) as every reader holds it: the plan, each participant's findings
 * (an agency holds its own only: it receives no other's), and the ids of the events folded.
 */
export type Inspection = InspectionPlan & {
  status: "planned";
  inspectionId: string;
  plannedAt: string;
  findings: Record<AgencyCode, RecordedFindings>;
  events: string[];
};
export type InspectionState = { status: "none" } | Inspection;

type Recorded<T extends "inspection.planned" | "inspection.findings-recorded"> = RecordedEvent<
  T,
  "id" | "agency"
>;

/** An inspection's events as decided here and as read off the bus (an envelope is one of these). */
export type InspectionEvent =
  | Recorded<"inspection.planned">
  | Recorded<"inspection.findings-recorded">;

/** When the command is decided: injected, never read here. */
type Step = { at: string };

export type InspectionCommand =
  | (Step & {
      type: "plan";
      inspectionId: string;
      plan: InspectionPlan;
      /** The county's agencies that may take part (its configuration: the office is not one). */
      participants: readonly AgencyCode[];
      /** The id of the plan's event addressed to each participant (one each: its inbox's copy). */
      eventIds: (to: AgencyCode) => string;
    })
  | (Step & {
      type: "record-findings";
      findings: InspectionFindings;
      /** Of the findings' leads, those this agency registered. */
      leadsRegistered: readonly string[];
      eventId: string;
    });

/**
 * How far from the day it is planned an inspection may lie, either way: a campaign's inspection
 * is planned for the weeks ahead or recorded after the fact within the year, never in 1900 or 2099.
 */
export const PLAN_HORIZON_DAYS = 366;

/**
 * Pure: the findings an agency records on a planned inspection, or why they are refused: only a
 * participant records findings, as itself, once, naming only leads it registered.
 */
function decideFindings(
  command: Extract<InspectionCommand, { type: "record-findings" }>,
  state: Inspection,
  actor: AgencyCode,
): InspectionEvent[] | Refusal {
  if (!state.agencies.includes(actor)) return refuse("forbidden", "inspection.not-taking-part");
  if (state.findings[actor] !== undefined)
    return refuse("conflict", "inspection.findings-recorded");
  const bad = command.findings.leads.findIndex((l) => !command.leadsRegistered.includes(l));
  if (bad >= 0) return refuse("invalid", "inspection.lead-not-registered", `leads.${bad}`);
  return [
    {
      id: command.eventId,
      type: "inspection.findings-recorded",
      time: command.at,
      agency: actor,
      data: { ...command.findings, inspectionId: state.inspectionId, by: actor },
    },
  ];
}

/**
 * Pure: the plan's events, one per participant, or why it is refused: only the office plans,
 * with the county's own agencies, on plausible days (ending on or after it starts, within a year
 * of planning).
 */
function decidePlan(
  command: Extract<InspectionCommand, { type: "plan" }>,
  state: InspectionState,
  actor: AgencyCode,
): InspectionEvent[] | Refusal {
  if (actor !== OFFICE) return refuse("forbidden", "inspection.by-office");
  if (state.status !== "none") return refuse("conflict", "inspection.planned");
  const { plan } = command;
  const outsider = plan.agencies.findIndex(
    (a) => a === OFFICE || !command.participants.includes(a),
  );
  if (outsider >= 0) return refuse("invalid", "inspection.outsider", `agencies.${outsider}`);
  const starts = Date.parse(plan.startsOn);
  const ends = Date.parse(plan.endsOn);
  const at = Date.parse(command.at);
  if (!(ends >= starts)) return refuse("invalid", "inspection.ends-before-start", "endsOn");
  if (!(starts >= at - (PLAN_HORIZON_DAYS + 1) * DAY_MS))
    return refuse("invalid", "inspection.starts-too-late", { days: PLAN_HORIZON_DAYS }, "startsOn");
  if (!(ends <= at + PLAN_HORIZON_DAYS * DAY_MS))
    return refuse("invalid", "inspection.ends-too-late", { days: PLAN_HORIZON_DAYS }, "endsOn");
  const agencies = [...new Set(plan.agencies)];
  const planned = planOf({ ...plan, agencies });
  return agencies.map((to) => ({
    id: command.eventIds(to),
    type: "inspection.planned" as const,
    time: command.at,
    agency: actor,
    data: { inspectionId: command.inspectionId, ...planned, to },
  }));
}

/**
 * Pure: the inspection after one event. The plan's copies to the other participants change
 * nothing but the ids folded; findings of an agency that has recorded some already, or of one
 * not taking part, change nothing. Who may take a step is the record's to check
 * (`recordInspection`), by replaying it through `decide`.
 */
function evolve(state: InspectionState, e: InspectionEvent): InspectionState {
  if (state.status !== "none" && state.events.includes(e.id)) return state;
  if (e.type === "inspection.planned") {
    const { inspectionId } = e.data;
    if (state.status === "none")
      return {
        status: "planned",
        inspectionId,
        ...planOf(e.data),
        plannedAt: e.time,
        findings: {},
        events: [e.id],
      };
    if (inspectionId !== state.inspectionId) return state;
    return { ...state, events: [...state.events, e.id] };
  }
  if (state.status === "none" || e.data.inspectionId !== state.inspectionId) return state;
  const by = e.data.by;
  if (by !== e.agency || !state.agencies.includes(by) || state.findings[by] !== undefined)
    return state;
  const { inspectionId: _id, by: _by, ...findings } = e.data;
  return {
    ...state,
    findings: { ...state.findings, [by]: { ...findings, recordedAt: e.time } },
    events: [...state.events, e.id],
  };
}

/** The joint inspection aggregate (联合检查): planned by the office, findings by each participant. */
export const inspectionDecider = openedBy({
  opens: "plan",
  open: decidePlan,
  decide: decideFindings,
  missing: "inspection.missing",
  evolve,
});

/** What the office shows of an inspection: the record without its status tag and the ids folded. */
export function inspectionView({ status: _s, events: _e, ...view }: Inspection) {
  return view;
}
export type InspectionView = ReturnType<typeof inspectionView>;

/**
 * What one participant shows of an inspection: the plan and its own findings (the agencies'
 * desks record only their own).
 */
export function participantView(i: Inspection, agency: AgencyCode) {
  const findings = i.findings[agency];
  return { inspectionId: i.inspectionId, ...planOf(i), ...(findings ? { findings } : {}) };
}
