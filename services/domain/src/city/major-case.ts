import {
  type AgencyCode,
  CITY_OFFICE,
  type CountyConfig,
  type EventData,
  type MajorCaseGround,
  OFFICE,
} from "@liandong/contracts";
import type { RecordedEvent } from "../bus-events.ts";
import type { CaseRecord } from "../case/case.ts";
import { type Decider, notRecordable, type Refusal, refuse } from "../decider.ts";

/** The county's criteria of a major case (`CountyConfig.city.majorCase`). */
export type MajorCaseCriteria = NonNullable<CountyConfig["city"]>["majorCase"];

/**
 * Pure: why a case is a major case by the county's criteria (none: it is not one): a transfer
 * to the judiciary, a fine at or above the configured amount, an institution's licence revoked,
 * more than one county involved (`counties`: the case's own, its target's, its referrals').
 */
export function majorCaseGrounds(
  record: Pick<CaseRecord, "sanctions">,
  counties: readonly string[],
  criteria: MajorCaseCriteria,
): MajorCaseGround[] {
  const grounds: MajorCaseGround[] = [];
  const s = record.sanctions;
  if (criteria.transferToJudiciary && s.some((x) => x.kind === "transfer-to-judiciary"))
    grounds.push("transfer-to-judiciary");
  const min = criteria.fineAtLeastYuan;
  if (min !== null && s.some((x) => x.kind === "fine" && x.amountYuan >= min))
    grounds.push("fine-at-least");
  if (criteria.institutionLicenceRevoked && s.some((x) => x.kind === "revoke-institution-licence"))
    grounds.push("institution-licence-revoked");
  if (criteria.severalCounties && new Set(counties).size > 1) grounds.push("several-counties");
  return grounds;
}

/**
 * Pure: what a major-case report says of a case: its facts only. Never its leads, its steps'
 * notes or its evidence (what the county keeps, and where an informant could be named), never
 * an address; only whom it is against by kind, name and county.
 */
export function majorCaseFacts(
  record: CaseRecord,
  county: string,
  grounds: readonly MajorCaseGround[],
  counties: readonly string[],
): EventData<"major-case.reported"> {
  return {
    caseId: record.caseId,
    county,
    agency: record.agency,
    title: record.title,
    violations: [...record.violations],
    target: {
      kind: record.target.kind,
      name: record.target.name,
      county: record.target.county,
    },
    status: record.status,
    openedAt: record.openedAt,
    ...(record.closedAt ? { closedAt: record.closedAt } : {}),
    sanctions: record.sanctions.map((x) => ({ ...x })),
    grounds: [...grounds],
    counties: [...new Set([county, ...counties])].sort(),
  };
}

/** A major case as the county that reported it and the city both hold it. */
export type MajorCaseRecord = {
  status: "reported";
  facts: EventData<"major-case.reported">;
  reportedAt: string;
  /** When the facts last changed (reported again: closed since, another ground). */
  updatedAt: string;
  acknowledgedAt?: string;
  acknowledgeNote?: string;
  /** How often it was chased unacknowledged, and when last. */
  chases: number;
  lastChasedAt?: string;
  /** The ids of the events folded (delivery is at least once). */
  events: string[];
};
export type MajorCaseState = { status: "none" } | MajorCaseRecord;

type Recorded<T extends "major-case.reported" | "major-case.acknowledged" | "major-case.chased"> =
  RecordedEvent<T, "id" | "county" | "agency">;
export type MajorCaseEvent =
  | Recorded<"major-case.reported">
  | Recorded<"major-case.acknowledged">
  | Recorded<"major-case.chased">;

type Step = { at: string; eventId: string; actor: { agency: AgencyCode; county: string } };
export type MajorCaseCommand =
  | (Step & { type: "report"; facts: EventData<"major-case.reported"> })
  | (Step & { type: "acknowledge"; note?: string | undefined })
  | (Step & { type: "chase"; afterMs: number });

/**
 * Pure: the events a command on a major case produces, or why it is refused. The county's own
 * office reports its case (again when its facts changed); the city's office acknowledges it,
 * once; the county's office chases a report unacknowledged `afterMs` after it was reported or
 * last chased.
 */
export function decide(cmd: MajorCaseCommand, state: MajorCaseState): MajorCaseEvent[] | Refusal {
  const base = {
    id: cmd.eventId,
    time: cmd.at,
    county: cmd.actor.county,
    agency: cmd.actor.agency,
  };
  if (cmd.type === "report") {
    if (cmd.actor.agency !== OFFICE) return refuse("forbidden", "major-case.by-office");
    if (cmd.facts.county !== cmd.actor.county)
      return refuse("forbidden", "major-case.own-county", "county");
    if (state.status === "reported") {
      if (state.facts.caseId !== cmd.facts.caseId)
        return refuse("conflict", "major-case.other-case");
      if (JSON.stringify(state.facts) === JSON.stringify(cmd.facts)) return [];
    }
    return [{ ...base, type: "major-case.reported", data: cmd.facts }];
  }
  if (state.status === "none") return refuse("conflict", "major-case.not-reported");
  const { caseId, county } = state.facts;
  if (cmd.type === "acknowledge") {
    if (cmd.actor.agency !== CITY_OFFICE) return refuse("forbidden", "major-case.ack-by-city");
    if (state.acknowledgedAt !== undefined) return refuse("conflict", "major-case.acknowledged");
    const note = cmd.note?.trim() || undefined;
    return [
      {
        ...base,
        type: "major-case.acknowledged",
        data: { caseId, county, ...(note ? { note } : {}) },
      },
    ];
  }
  if (cmd.actor.agency !== OFFICE || cmd.actor.county !== county)
    return refuse("forbidden", "major-case.chase-by-reporter");
  if (state.acknowledgedAt !== undefined) return refuse("conflict", "major-case.acknowledged");
  const since = Date.parse(state.lastChasedAt ?? state.updatedAt);
  if (Date.parse(cmd.at) - since < cmd.afterMs) return refuse("conflict", "major-case.too-soon");
  return [
    { ...base, type: "major-case.chased", data: { caseId, county, level: state.chases + 1 } },
  ];
}

/** Pure: the major case after one of its events; folded twice, as once. */
export function evolve(state: MajorCaseState, e: MajorCaseEvent): MajorCaseState {
  if (state.status === "reported" && state.events.includes(e.id)) return state;
  if (e.type === "major-case.reported") {
    if (state.status === "none")
      return {
        status: "reported",
        facts: e.data,
        reportedAt: e.time,
        updatedAt: e.time,
        chases: 0,
        events: [e.id],
      };
    if (state.facts.caseId !== e.data.caseId) return state;
    return { ...state, facts: e.data, updatedAt: e.time, events: [...state.events, e.id] };
  }
  if (state.status === "none" || state.facts.caseId !== e.data.caseId) return state;
  const events = [...state.events, e.id];
  if (e.type === "major-case.acknowledged") {
    if (state.acknowledgedAt !== undefined) return state;
    return {
      ...state,
      acknowledgedAt: e.time,
      ...(e.data.note ? { acknowledgeNote: e.data.note } : {}),
      events,
    };
  }
  // A chase sent while the acknowledgement was on its way: on the record, and moot.
  if (state.acknowledgedAt !== undefined) return { ...state, events };
  return { ...state, chases: e.data.level, lastChasedAt: e.time, events };
}

export const majorCaseDecider: Decider<MajorCaseState, MajorCaseCommand, MajorCaseEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: "none" }),
};

const unacknowledged = ({ acknowledgedAt: _a, ...rest }: MajorCaseRecord): MajorCaseRecord => rest;

/**
 * Pure: a reader's record of a major case after one of its events from the bus (the city's
 * office, the county's): taken only if its publisher could have decided it (replayed through
 * `decide`; a chase's timing is the county's own, not checked again), idempotent by event id.
 */
export function recordMajorCase(
  state: MajorCaseState,
  e: MajorCaseEvent,
): { ok: true; record: MajorCaseRecord } | { ok: false; refused: Refusal } {
  if (state.status === "reported" && state.events.includes(e.id))
    return { ok: true, record: state };
  const step = { at: e.time, eventId: e.id, actor: { agency: e.agency, county: e.county } };
  const cmd: MajorCaseCommand =
    e.type === "major-case.reported"
      ? { ...step, type: "report", facts: e.data }
      : e.type === "major-case.acknowledged"
        ? { ...step, type: "acknowledge", note: e.data.note }
        : { ...step, type: "chase", afterMs: 0 };
  // The county decided its chase before the acknowledgement reached it: entitled, and moot.
  const crossed =
    cmd.type === "chase" && state.status === "reported" && state.acknowledgedAt !== undefined;
  const decided = decide(cmd, crossed ? unacknowledged(state) : state);
  if (!Array.isArray(decided))
    return {
      ok: false,
      refused: notRecordable(e.agency, e.type, decided),
    };
  const next = evolve(state, e);
  if (next.status === "none") return { ok: false, refused: refuse("conflict", "major-case.none") };
  return { ok: true, record: next };
}
