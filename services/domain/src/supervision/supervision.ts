import {
  type AgencyCode,
  CITY_OFFICE,
  DAY_MS,
  type EventData,
  OFFICE,
  type SupervisionOrderView,
} from "@liandong/contracts";
import type { RecordedEvent } from "../bus-events.ts";
import { openedBy, type Refusal, refuse } from "../decider.ts";

/**
 * A supervision order (督办) as every reader holds it: the view the office and the addressed
 * agency show, and the ids of the events folded into it (delivery is at least once: folding an
 * event twice changes nothing, and a retried request is known by its event's id).
 */
export type SupervisionOrder = SupervisionOrderView & { events: string[] };
export type SupervisionState = { status: "none" } | SupervisionOrder;

type Recorded<T extends "supervision.ordered" | "supervision.answered" | "supervision.escalated"> =
  RecordedEvent<T, "id" | "agency">;

/** An order's events as decided here and as read off the bus (an envelope is one of these). */
export type SupervisionEvent =
  | Recorded<"supervision.ordered">
  | Recorded<"supervision.answered">
  | Recorded<"supervision.escalated">;

/** Who acts: an agency (or the office) of a county. */
export type SupervisionActor = { agency: AgencyCode; county: string };

/**
 * What the issuer knows of the matter an order is about, when it issues it: a referral (whether
 * a deadline of it is recorded as passed with its step still not taken, and whose step that is:
 * 待办方), or a case (whether it is still open, and which agency opened it).
 */
export type Supervised =
  | { kind: "referral"; overdue: boolean; awaiting?: { agency: AgencyCode; county?: string } }
  | { kind: "case"; open: boolean; agency: AgencyCode }
  /** 上下联动: a major case a county reported to the city, as the city's office holds it. */
  | { kind: "major-case"; reported: boolean; county: string };

/** What the county's office holds of an order of its city's office it passes on to an agency. */
export type Forwarded = Pick<
  SupervisionOrder,
  "orderId" | "about" | "to" | "toCounty" | "byCounty" | "status" | "answerBy"
>;

/** When the command is decided, and the id its event will carry: injected, never read here. */
type Step = { at: string; eventId: string };

export type SupervisionCommand =
  | (Step & {
      type: "issue";
      orderId: string;
      about: EventData<"supervision.ordered">["about"];
      reason: string;
      /** Days the addressed agency has to answer, from `at`. */
      answerWithinDays: number;
      supervised: Supervised;
      /** 转督办: the city's order to this office that this one passes on, as the office holds it. */
      forwards?: Forwarded;
    })
  | (Step & { type: "answer"; answer: string })
  | (Step & { type: "escalate" });

/** The longest an order may give for its answer (the contract's bound on `answerWithinDays`). */
export const MAX_ANSWER_DAYS = 90;

/**
 * Pure: the events a command by `actor` produces on an order issued, or why it is refused: only
 * the addressed agency answers, once; only the office escalates, once, an order left unanswered
 * past its deadline.
 */
function decideOnOrder(
  command: Exclude<SupervisionCommand, { type: "issue" }>,
  state: SupervisionOrder,
  actor: SupervisionActor,
): SupervisionEvent[] | Refusal {
  const { at, eventId: id } = command;
  const { orderId, about } = state;
  if (command.type === "answer") {
    if (actor.agency !== state.to || (state.toCounty && actor.county !== state.toCounty))
      return refuse("forbidden", "supervision.answer-by-addressee");
    if (state.status === "answered") return refuse("conflict", "supervision.answered");
    return [
      {
        id,
        type: "supervision.answered",
        time: at,
        agency: actor.agency,
        data: { orderId, about, by: actor.agency, answer: command.answer },
      },
    ];
  }
  if (actor.agency !== (state.by ?? OFFICE) || (state.byCounty && actor.county !== state.byCounty))
    return refuse("forbidden", "supervision.escalate-by-issuer");
  if (state.status !== "open")
    return refuse("conflict", "supervision.status", {
      status: { zh: STATUS_LABEL[state.status], en: state.status },
    });
  if (Date.parse(at) < Date.parse(state.answerBy))
    return refuse("conflict", "supervision.not-due", { answerBy: state.answerBy });
  return [
    {
      id,
      type: "supervision.escalated",
      time: at,
      agency: actor.agency,
      data: {
        orderId,
        about,
        to: state.to,
        level: state.level + 1,
        reason: `逾期未回复（应于 ${state.answerBy} 前回复）`,
      },
    },
  ];
}

const STATUS_LABEL = { open: "下达", answered: "回复", escalated: "升级" } as const;

/**
 * Pure: the order issued, or why it is refused: only the office issues, and only on an overdue
 * referral (to the agency whose step is overdue, of the office's own county) or an open case (to
 * the agency that opened it), with an answer due ahead.
 */
function decideIssue(
  command: Extract<SupervisionCommand, { type: "issue" }>,
  state: SupervisionState,
  actor: SupervisionActor,
): SupervisionEvent[] | Refusal {
  const city = actor.agency === CITY_OFFICE;
  if (actor.agency !== OFFICE && !city) return refuse("forbidden", "supervision.by-office");
  if (state.status !== "none") return refuse("conflict", "supervision.issued");
  if (command.forwards) return decideForward(command, command.forwards, actor);
  const { supervised, about } = command;
  // The city's office supervises down a major case a county reported; a county's, its own.
  const expected = city ? "major-case" : about.kind;
  if (supervised.kind !== expected || (city && about.kind !== "case"))
    return refuse("invalid", "supervision.about-unlike", "about.kind");
  const due = answerDue(command);
  if (typeof due !== "number") return due;
  let to: AgencyCode;
  let grounds: "overdue" | "major-case";
  let down: { by: AgencyCode; byCounty: string; toCounty: string } | undefined;
  if (supervised.kind === "major-case") {
    if (!supervised.reported) return refuse("conflict", "supervision.case-not-reported");
    to = OFFICE;
    grounds = "major-case";
    down = { by: actor.agency, byCounty: actor.county, toCounty: supervised.county };
  } else if (supervised.kind === "referral") {
    if (!supervised.overdue) return refuse("conflict", "supervision.not-overdue");
    const due = supervised.awaiting;
    if (due === undefined) return refuse("conflict", "supervision.none-due");
    // This office supervises its own county's agencies; a neighbour's is its own office's to chase.
    if (due.county !== undefined && due.county !== actor.county)
      return refuse("conflict", "supervision.due-across-line", {
        county: due.county,
        agency: due.agency,
      });
    to = due.agency;
    grounds = "overdue";
  } else {
    if (!supervised.open) return refuse("conflict", "case.closed");
    to = supervised.agency;
    grounds = "major-case";
  }
  return ordered(command, actor, { to, grounds, answerBy: new Date(due).toISOString(), ...down });
}

/** The deadline of an order issued (ms), a whole millisecond ahead at least, or the refusal. */
function answerDue(command: Extract<SupervisionCommand, { type: "issue" }>): number | Refusal {
  const days = command.answerWithinDays;
  const now = Date.parse(command.at);
  // A whole millisecond ahead at least: the deadline is stored to the millisecond.
  const due = Math.trunc(now + days * DAY_MS);
  if (!(days > 0 && days <= MAX_ANSWER_DAYS && due > now))
    return refuse(
      "invalid",
      "supervision.answer-days",
      { days: MAX_ANSWER_DAYS },
      "answerWithinDays",
    );
  return due;
}

/** The one event an order is issued with: the command's order, case and reason, and `data`. */
function ordered(
  command: Extract<SupervisionCommand, { type: "issue" }>,
  actor: SupervisionActor,
  data: Omit<EventData<"supervision.ordered">, "orderId" | "about" | "reason">,
): SupervisionEvent[] {
  const { orderId, about, reason } = command;
  return [
    {
      id: command.eventId,
      type: "supervision.ordered",
      time: command.at,
      agency: actor.agency,
      data: { orderId, about, ...data, reason },
    },
  ];
}

/**
 * Pure: 转督办. The county's office passes an order its city's office addressed to it on to the
 * agency whose case it is about (closed or not: the city may ask how a case it was told of went
 * on), about the same case, its answer due by the city's deadline at the latest, while the
 * city's order still waits for its answer.
 */
function decideForward(
  command: Extract<SupervisionCommand, { type: "issue" }>,
  parent: Forwarded,
  actor: SupervisionActor,
): SupervisionEvent[] | Refusal {
  if (
    actor.agency !== OFFICE ||
    parent.to !== OFFICE ||
    parent.byCounty === undefined ||
    parent.toCounty !== actor.county
  )
    return refuse("conflict", "supervision.not-from-city");
  if (parent.status === "answered") return refuse("conflict", "supervision.answered");
  const { supervised, about } = command;
  if (supervised.kind !== "case" || about.kind !== "case" || about.id !== parent.about.id)
    return refuse("invalid", "supervision.forward-same-case", "about");
  const due = answerDue(command);
  if (typeof due !== "number") return due;
  if (due > Date.parse(parent.answerBy))
    return refuse(
      "invalid",
      "supervision.later-than-city",
      { answerBy: parent.answerBy },
      "answerWithinDays",
    );
  return ordered(command, actor, {
    to: supervised.agency,
    grounds: "major-case",
    answerBy: new Date(due).toISOString(),
    forwards: parent.orderId,
  });
}

/**
 * Pure: the order after one event. A step the order's state does not allow changes nothing
 * (an answer after the answer, an escalation of an order no longer open); who may take it is
 * the record's to check (`recordSupervision`), by replaying it through `decide`.
 */
function evolve(state: SupervisionState, e: SupervisionEvent): SupervisionState {
  if (state.status !== "none" && state.events.includes(e.id)) return state;
  if (e.type === "supervision.ordered") {
    if (state.status !== "none") return state;
    const d = e.data;
    return {
      orderId: d.orderId,
      about: d.about,
      to: d.to,
      grounds: d.grounds,
      reason: d.reason,
      orderedAt: e.time,
      answerBy: d.answerBy,
      status: "open",
      level: 1,
      ...(d.by ? { by: d.by } : {}),
      ...(d.byCounty ? { byCounty: d.byCounty } : {}),
      ...(d.toCounty ? { toCounty: d.toCounty } : {}),
      ...(d.forwards ? { forwards: d.forwards } : {}),
      events: [e.id],
    };
  }
  if (state.status === "none" || e.data.orderId !== state.orderId) return state;
  const events = [...state.events, e.id];
  if (e.type === "supervision.answered") {
    if (state.status === "answered") return state;
    return { ...state, status: "answered", answer: e.data.answer, answeredAt: e.time, events };
  }
  if (state.status !== "open") return state;
  return { ...state, status: "escalated", level: e.data.level, events };
}

/** The supervision order aggregate (督办): issued by the office, answered, escalated. */
export const supervisionDecider = openedBy({
  opens: "issue",
  open: decideIssue,
  decide: decideOnOrder,
  missing: "supervision.missing",
  evolve,
});

/** Pure: what an order shows a person: the record without the ids of the events folded. */
export function supervisionView({
  events: _events,
  ...view
}: SupervisionOrder): SupervisionOrderView {
  return view;
}

/** Pure: whether an order is open with its answer's deadline passed at `now` (to be escalated). */
export function answerOverdue(o: SupervisionState, now: Date): boolean {
  return o.status === "open" && Date.parse(o.answerBy) <= now.getTime();
}
