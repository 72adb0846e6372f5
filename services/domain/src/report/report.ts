import {
  type AgencyCode,
  type EventData,
  type MonthlyFigures,
  monthHasBegun,
  OFFICE,
  type OfficerName,
  type ReportStatus,
  reportDueBy,
  type SubmittedReport,
} from "@liandong/contracts";
import { type Decider, type Refusal, refuse } from "../decider.ts";
import { FIGURE_NAMES } from "./figures.ts";

/** One agency's report for one month (月报): none yet, or what it submitted. */
export type ReportState = { status: "none" } | ({ status: "submitted" } & SubmittedReport);

/** A report's event as decided here and as read off the bus (an envelope is one of these). */
export type ReportEvent = {
  type: "report.submitted";
  /** When it was recorded (ISO 8601): the command's `now`, the envelope's `time`. */
  time: string;
  /** The officer who submitted it. */
  actor: string;
  /** The person the officer is (经办人), when the envelope names them. */
  officer?: OfficerName | undefined;
  /** The agency that recorded it: an agency reports for itself only. */
  agency: AgencyCode;
  data: EventData<"report.submitted">;
};

export type ReportCommand = {
  type: "submit";
  month: string;
  /** The officer submitting, and the agency they act for. */
  officer: { id: string; agency: AgencyCode };
  /** The agency whose report it is. */
  agency: AgencyCode;
  figures: MonthlyFigures;
  note?: string | undefined;
  /** When the command is decided. */
  now: Date;
};

const initialState = (): ReportState => ({ status: "none" });

/**
 * Pure: the events a submission produces, or why it is refused. An agency's own officer submits
 * the agency's report (the office compiles, it does not report); a month that has not begun
 * cannot be reported on. The first submission is what timeliness is judged by; the agency may
 * correct its report afterwards, before or after the due date (the correction is on the record
 * and the office sees it); submitting again what stands already records nothing.
 */
export function decide(cmd: ReportCommand, state: ReportState): ReportEvent[] | Refusal {
  if (cmd.agency === OFFICE) return refuse("forbidden", "report.by-office", "agency");
  if (cmd.officer.agency !== cmd.agency) return refuse("forbidden", "report.own-agency", "agency");
  if (!monthHasBegun(cmd.month, cmd.now))
    return refuse("invalid", "report.month-not-begun", "month");
  const note = cmd.note?.trim() || undefined;
  if (
    state.status === "submitted" &&
    FIGURE_NAMES.every((k) => state.figures[k] === cmd.figures[k]) &&
    state.note === note
  )
    return [];
  return [
    {
      type: "report.submitted",
      time: cmd.now.toISOString(),
      actor: cmd.officer.id,
      agency: cmd.agency,
      data: {
        month: cmd.month,
        agency: cmd.agency,
        figures: { ...cmd.figures },
        ...(note ? { note } : {}),
      },
    },
  ];
}

/**
 * Pure: the report after one of its events. Another agency's submission is not this report's;
 * an event no newer than the last one folded has been folded already (delivery is at least
 * once, and the agency folds what it appended before its own events come back to it).
 */
export function evolve(state: ReportState, e: ReportEvent): ReportState {
  if (e.type !== "report.submitted" || e.data.agency !== e.agency) return state;
  if (state.status === "submitted") {
    if (state.month !== e.data.month || state.agency !== e.agency) return state;
    if (Date.parse(e.time) <= Date.parse(state.correctedAt ?? state.submittedAt)) return state;
  }
  const first = state.status === "submitted" ? state.submittedAt : undefined;
  return {
    status: "submitted",
    month: e.data.month,
    agency: e.agency,
    submittedAt: first ?? e.time,
    ...(first !== undefined ? { correctedAt: e.time } : {}),
    submittedBy: e.actor,
    ...(e.officer ? { submittedByOfficer: e.officer } : {}),
    figures: e.data.figures,
    ...(e.data.note ? { note: e.data.note } : {}),
  };
}

export const reportDecider: Decider<ReportState, ReportCommand, ReportEvent> = {
  decide,
  evolve,
  initialState,
};

/**
 * 报送状态: submitted in time (before the due instant, `reportDueBy`), late, missing (due and
 * not submitted), or pending (not due yet).
 */
export function reportStatus(state: ReportState, month: string, now: Date): ReportStatus {
  return timeliness(
    reportDueBy(month),
    state.status === "submitted" ? state.submittedAt : undefined,
    now,
  );
}

/**
 * 报送状态 of anything due by an instant (an agency's report to its office, a county's to its
 * city): first sent before `dueBy`, after it, not sent once due, or not sent and not due yet.
 */
export function timeliness(
  dueBy: string,
  firstSentAt: string | undefined,
  now: Date,
): ReportStatus {
  const due = Date.parse(dueBy);
  if (firstSentAt !== undefined) return Date.parse(firstSentAt) < due ? "submitted" : "late";
  return now.getTime() >= due ? "missing" : "pending";
}

/** The aggregate id of an agency's report for a month, as a key (`month|agency`). */
export const reportKey = (month: string, agency: AgencyCode) => `${month}|${agency}`;
