import {
  type AgencyCode,
  CONSENT_STATUS_LABELS,
  type ConsentView,
  type EventData,
  type HandlingRestriction,
} from "@liandong/contracts";
import { type Decider, type Refusal, refuse } from "../decider.ts";
import { named, said } from "../refusals.ts";
import { checkText } from "../text.ts";

/**
 * A consent (跨区转递征求意见): another agency would pass on a lead its originator restricted
 * (不经同意不得转递); the originator is asked first, and answers once. Its id is the id of the
 * referral it would become. The state is what both parties show (ConsentView).
 */
export type ConsentState = { status: "none" } | ConsentView;

/** Who acts and when: injected, never read here. */
type Step = { agency: AgencyCode; at: string };

export type ConsentCommand =
  | (Step & { type: "request"; request: EventData<"consent.requested"> })
  | (Step & { type: "give"; note?: string | undefined })
  | (Step & { type: "refuse"; reason: string });

type Recorded<T extends "consent.requested" | "consent.given" | "consent.refused"> = {
  type: T;
  /** When it was recorded (ISO 8601): the command's `at`, the envelope's `time`. */
  time: string;
  /** The agency that recorded it (the envelope's, authenticated by its subject). */
  agency: AgencyCode;
  /** The agency it is addressed to: the other party. */
  to: AgencyCode;
  data: EventData<T>;
};
/** A consent's events as decided here and as read off the bus (an envelope is one of these). */
export type ConsentEvent =
  | Recorded<"consent.requested">
  | Recorded<"consent.given">
  | Recorded<"consent.refused">;

/**
 * Pure: whether `agency` passing on a lead needs its originator's consent first: the lead is
 * restricted, and the agency is not the originator (its own lead needs no one's consent).
 */
export function needsConsent(
  lead: { originator: AgencyCode; handling: readonly HandlingRestriction[] },
  agency: AgencyCode,
): boolean {
  return lead.originator !== agency && lead.handling.includes("no-forward-without-consent");
}

function decide(command: ConsentCommand, state: ConsentState): ConsentEvent[] | Refusal {
  const { agency, at: time } = command;
  if (command.type === "request") {
    const { request } = command;
    if (state.status !== "none") return refuse("conflict", "consent.asked");
    if (request.requestedBy !== agency) return refuse("forbidden", "consent.ask-as-other");
    if (request.originator === agency) return refuse("invalid", "consent.own-lead", "about.id");
    if (request.to === agency && request.toCounty === undefined)
      return refuse("invalid", "referral.to-self", "to");
    const reason = checkText(request.reason, "reason");
    if (reason) return reason;
    return [{ type: "consent.requested", time, agency, to: request.originator, data: request }];
  }
  if (state.status === "none") return refuse("conflict", "consent.missing");
  if (agency !== state.originator) return refuse("forbidden", "consent.not-originator");
  if (state.status !== "pending")
    return refuse("conflict", "consent.decided", {
      status: named(CONSENT_STATUS_LABELS, state.status),
    });
  const { referralId, leadId } = state;
  const to = state.requestedBy;
  if (command.type === "give") {
    const { note } = command;
    if (note !== undefined) {
      const bad = checkText(note, "reason");
      if (bad) return bad;
    }
    return [
      {
        type: "consent.given",
        time,
        agency,
        to,
        data: { referralId, leadId, by: agency, ...(note !== undefined ? { note } : {}) },
      },
    ];
  }
  const reason = checkText(command.reason, "reason");
  if (reason) return { ...reason, ...said("consent.reason-needed"), because: reason };
  return [
    {
      type: "consent.refused",
      time,
      agency,
      to,
      data: { referralId, leadId, by: agency, reason: command.reason },
    },
  ];
}

/**
 * Pure: the consent after one event. What `decide` would have refused changes nothing: a second
 * request, an answer before the request, after another answer or by another agency.
 */
function evolve(state: ConsentState, e: ConsentEvent): ConsentState {
  if (e.type === "consent.requested") {
    if (state.status !== "none") return state;
    return { ...e.data, status: "pending", requestedAt: e.time };
  }
  if (state.status !== "pending" || e.agency !== state.originator) return state;
  if (e.data.referralId !== state.referralId) return state;
  if (e.type === "consent.given") {
    const { note } = e.data;
    return {
      ...state,
      status: "given",
      decidedAt: e.time,
      ...(note !== undefined ? { decisionReason: note } : {}),
    };
  }
  return { ...state, status: "refused", decidedAt: e.time, decisionReason: e.data.reason };
}

/** The consent aggregate (征求意见): asked by the referring agency, answered by the originator. */
export const consentDecider: Decider<ConsentState, ConsentCommand, ConsentEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: "none" }),
};
