import type { AgencyCode, CaseView, EventData, Sanction } from "@liandong/contracts";
import type { RecordedEvent } from "../bus-events.ts";
import { type Decider, type Refusal, refuse } from "../decider.ts";
import type { RefusalCode } from "../refusals.ts";
import { checkSanctions, type FieldIssue, type SanctionConfig } from "./sanctions.ts";

/**
 * A case (案件) as every reader holds it: its view and the ids of the events already folded
 * (delivery is at least once, so folding an event twice must change nothing).
 */
export type CaseRecord = CaseView & { applied: string[] };
export type CaseState = { status: "none" } | CaseRecord;

/** Only the case's own agency moves a case. */
type Recorded<T extends "case.opened" | "case.step-recorded" | "case.closed"> = RecordedEvent<
  T,
  "id" | "actor" | "agency"
>;
/** A case's events as decided here and as read off the bus (an envelope is one of these). */
export type CaseEvent =
  | Recorded<"case.opened">
  | Recorded<"case.step-recorded">
  | Recorded<"case.closed">;

/** Who acts, when, and the id the resulting event will carry: injected, never read here. */
type Step = { agency: AgencyCode; actor: string; at: string; eventId: string };

export type CaseCommand =
  | (Step & {
      type: "open";
      caseId: string;
      opening: Omit<EventData<"case.opened">, "caseId" | "agency">;
      /** Of the opening's leads, those this agency holds (registered or received). */
      leadsHeld: readonly string[];
      /** Of the opening's referrals, those addressed to this agency and accepted by it. */
      referralsAccepted: readonly string[];
    })
  | (Step & {
      type: "record-step";
      step: Omit<EventData<"case.step-recorded">, "caseId">;
    })
  | (Step & {
      type: "close";
      summary: string;
      sanctions: readonly Sanction[];
      /** Who may impose what, and the legal range of a fine. */
      config: SanctionConfig;
    });

/** A refusal that names every field at fault (`field` is the first of them). */
export type CaseRefusal = Refusal & { issues?: FieldIssue[] };

function invalid(code: RefusalCode, issues: FieldIssue[]): CaseRefusal {
  const field = issues[0]?.field;
  return { refused: "invalid", code, ...(field === undefined ? {} : { field }), issues };
}

function decide(command: CaseCommand, state: CaseState): CaseEvent[] | CaseRefusal {
  const { agency, actor, at, eventId: id } = command;
  if (command.type === "open") {
    if (state.status !== "none") return refuse("conflict", "case.opened");
    const { opening } = command;
    const issues: FieldIssue[] = [
      ...opening.leads
        .map((lead, i) => ({ lead, i }))
        .filter(({ lead }) => !command.leadsHeld.includes(lead))
        .map(({ i }): FieldIssue => ({ field: `leads.${i}`, code: "case.lead-not-held" })),
      ...opening.referrals
        .map((referral, i) => ({ referral, i }))
        .filter(({ referral }) => !command.referralsAccepted.includes(referral))
        .map(
          ({ i }): FieldIssue => ({ field: `referrals.${i}`, code: "case.referral-not-accepted" }),
        ),
    ];
    if (opening.leads.length + opening.referrals.length === 0)
      issues.push({ field: "leads", code: "case.no-grounds" });
    if (issues.length > 0) return invalid("case.opening-refused", issues);
    return [
      {
        id,
        type: "case.opened",
        time: at,
        actor,
        agency,
        data: { caseId: command.caseId, agency, ...opening },
      },
    ];
  }
  if (state.status === "none") return refuse("conflict", "case.missing");
  if (agency !== state.agency) return refuse("forbidden", "case.not-holder");
  if (state.status === "closed") return refuse("conflict", "case.closed");
  const { caseId } = state;
  if (command.type === "record-step")
    return [
      {
        id,
        type: "case.step-recorded",
        time: at,
        actor,
        agency,
        data: { caseId, ...command.step },
      },
    ];
  const checked = checkSanctions(command.sanctions, agency, command.config, at);
  if (!checked.ok) return invalid("case.sanctions-refused", checked.issues);
  return [
    {
      id,
      type: "case.closed",
      time: at,
      actor,
      agency,
      data: { caseId, summary: command.summary, sanctions: checked.sanctions },
    },
  ];
}

/**
 * Pure: the case after one event. What `decide` would have refused changes nothing: an event
 * of another case or another agency, a step or a closure after the closure, a second opening.
 */
function evolve(state: CaseState, e: CaseEvent): CaseState {
  if (e.type === "case.opened") {
    if (state.status !== "none") return state;
    const d = e.data;
    if (d.agency !== e.agency) return state;
    return {
      caseId: d.caseId,
      agency: d.agency,
      title: d.title,
      status: "open",
      leads: d.leads,
      referrals: d.referrals,
      violations: d.violations,
      target: d.target,
      openedAt: e.time,
      steps: [],
      sanctions: [],
      applied: [e.id],
    };
  }
  if (
    state.status !== "open" ||
    e.data.caseId !== state.caseId ||
    e.agency !== state.agency ||
    state.applied.includes(e.id)
  )
    return state;
  const applied = [...state.applied, e.id];
  if (e.type === "case.step-recorded") {
    const { kind, summary, evidence } = e.data;
    const step = { kind, summary, at: e.time, actor: e.actor, evidence };
    return { ...state, steps: [...state.steps, step], applied };
  }
  return {
    ...state,
    status: "closed",
    closedAt: e.time,
    summary: e.data.summary,
    sanctions: e.data.sanctions,
    applied,
  };
}

/** The case aggregate (案件): opened by one agency, investigated, closed with its sanctions. */
export const caseDecider: Decider<CaseState, CaseCommand, CaseEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: "none" }),
};

/** Pure: what a case shows a person: the record without the ids of the events folded. */
export function caseView({ applied: _applied, ...view }: CaseRecord): CaseView {
  return view;
}
