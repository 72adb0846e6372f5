import { type AgencyCode, type EventData, REFERRAL_STATUS_LABELS } from "@liandong/contracts";
import { openedBy, type Refusal, refuse } from "../decider.ts";
import { checkReferralDeadlines } from "../referral-deadlines.ts";
import { named } from "../refusals.ts";

/**
 * A party to a referral: an agency of a county. Across a county line health may refer to
 * health, so the county is part of who a party is; within one county it may be left out.
 */
export type Party = { agency: AgencyCode; county?: string | undefined };

export type ReferralStatus =
  | "offered"
  | "accepted"
  | "returned"
  | "withdrawn"
  | "completed"
  | "referred-on";

/**
 * A referral's hand-off state. `holder` (当前持有, GLOSSARY.md) is the one party that has the
 * matter in hand: the sender until the addressee accepts, the addressee from then on, the sender
 * again once it is returned or withdrawn; a completed referral rests with the addressee that
 * completed it, one referred on with the agency that passed it on (which holds the next
 * referral of the chain until that one is accepted). `awaiting` (待办方) is the party whose
 * step is due: the addressee while it is offered (accept or return) and while it is accepted
 * (feedback); nobody once it has ended.
 */
export type ReferralState =
  | { status: "none" }
  | {
      status: ReferralStatus;
      referralId: string;
      from: AgencyCode;
      to: AgencyCode;
      /** Across a county line (区域协作): the parties' counties. */
      fromCounty?: string | undefined;
      toCounty?: string | undefined;
      holder: AgencyCode;
      holderCounty?: string | undefined;
      awaiting?: AgencyCode | undefined;
      awaitingCounty?: string | undefined;
      /** Steps that count (the offer is 1). */
      version: number;
    };

export type ReferralCommand =
  | {
      type: "offer";
      data: EventData<"referral.offered">;
      /** The addressee's county when it is not the sender's. */
      toCounty?: string | undefined;
      /** When the command is decided: deadlines must lie ahead of it. */
      now: Date;
    }
  | { type: "accept" }
  | { type: "return"; reason: string }
  | { type: "withdraw"; reason: string }
  | { type: "complete"; feedback: { actions: string; outcome: string } }
  | {
      type: "refer-on";
      childReferralId: string;
      to: AgencyCode;
      /** The next addressee's county, when onward across a county line. */
      toCounty?: string | undefined;
    };

export type ReferralEvent =
  | {
      type: "referral.offered";
      data: EventData<"referral.offered">;
      /** Across a county line: the parties' counties (the envelope's `county` and `toCounty`). */
      across?: { fromCounty: string; toCounty: string };
    }
  | { type: "referral.accepted"; data: EventData<"referral.accepted"> }
  | { type: "referral.returned"; data: EventData<"referral.returned"> }
  | { type: "referral.withdrawn"; data: EventData<"referral.withdrawn"> }
  | { type: "referral.completed"; data: EventData<"referral.completed"> }
  | { type: "referral.referred-on"; data: EventData<"referral.referred-on"> };

/** Where a referral's steps end: no party can take another. */
export const ENDED: ReadonlySet<ReferralStatus> = new Set([
  "returned",
  "withdrawn",
  "completed",
  "referred-on",
]);

/** Whether `actor` is the party `agency` of `county` (a county left out matches any). */
function is(actor: Party, agency: AgencyCode, county: string | undefined): boolean {
  return actor.agency === agency && (county === undefined || county === actor.county);
}

/**
 * Pure: the events a command by `actor` produces on an offered referral, or why it is refused.
 * With `decideOffer`, every rule of a hand-off: who may take which step, in which state.
 */
function decideOn(
  cmd: Exclude<ReferralCommand, { type: "offer" }>,
  state: Exclude<ReferralState, { status: "none" }>,
  actor: Party,
): ReferralEvent[] | Refusal {
  const { referralId } = state;
  const addressee = is(actor, state.to, state.toCounty);
  const sender = is(actor, state.from, state.fromCounty);
  const by = actor.agency;
  switch (cmd.type) {
    case "accept":
    case "return":
      if (!addressee) return refuse("forbidden", "referral.not-addressee");
      if (state.status !== "offered")
        return refuse("conflict", "referral.status", {
          status: named(REFERRAL_STATUS_LABELS, state.status),
        });
      return cmd.type === "accept"
        ? [{ type: "referral.accepted", data: { referralId, by } }]
        : [{ type: "referral.returned", data: { referralId, by, reason: cmd.reason } }];
    case "withdraw":
      if (!sender) return refuse("forbidden", "referral.not-sender");
      if (state.status !== "offered")
        return refuse("conflict", "referral.status", {
          status: named(REFERRAL_STATUS_LABELS, state.status),
        });
      return [{ type: "referral.withdrawn", data: { referralId, by, reason: cmd.reason } }];
    case "complete":
    case "refer-on": {
      if (!addressee) return refuse("forbidden", "referral.not-holder");
      if (state.status !== "accepted")
        return refuse("conflict", "referral.status", {
          status: named(REFERRAL_STATUS_LABELS, state.status),
        });
      if (cmd.type === "complete")
        return [{ type: "referral.completed", data: { referralId, by, feedback: cmd.feedback } }];
      if (cmd.to === by && (cmd.toCounty === undefined || cmd.toCounty === actor.county))
        return refuse("invalid", "referral.to-self", "to");
      return [
        {
          type: "referral.referred-on",
          data: { referralId, by, childReferralId: cmd.childReferralId, to: cmd.to },
        },
      ];
    }
  }
}

function decideOffer(
  cmd: Extract<ReferralCommand, { type: "offer" }>,
  state: ReferralState,
  actor: Party,
): ReferralEvent[] | Refusal {
  if (state.status !== "none") return refuse("conflict", "referral.exists");
  const { data } = cmd;
  if (data.from !== actor.agency) return refuse("forbidden", "referral.offer-as-other");
  if (data.to === actor.agency && (cmd.toCounty === undefined || cmd.toCounty === actor.county))
    return refuse("invalid", "referral.to-self", "to");
  if (data.about.kind === "lead" && data.kind === "judiciary")
    return refuse("invalid", "referral.judiciary-lead", "about.kind");
  const deadlines = checkReferralDeadlines(data, cmd.now);
  if (deadlines) return deadlines;
  const across =
    cmd.toCounty !== undefined && actor.county !== undefined && cmd.toCounty !== actor.county
      ? { across: { fromCounty: actor.county, toCounty: cmd.toCounty } }
      : {};
  return [{ type: "referral.offered", data, ...across }];
}

/**
 * Pure: the state after one event. Written out field by field, one shape for every state: every
 * reader folds this on its hot path (the office, a year of steps at start).
 */
export function evolve(state: ReferralState, e: ReferralEvent): ReferralState {
  if (e.type === "referral.offered") {
    if (state.status !== "none") return state;
    const { referralId, from, to } = e.data;
    return at(
      { status: "none" },
      "offered",
      { referralId, from, to, fromCounty: e.across?.fromCounty, toCounty: e.across?.toCounty },
      "from",
      true,
      1,
    );
  }
  if (state.status === "none") return state;
  const v = state.version + 1;
  switch (e.type) {
    case "referral.accepted":
      return at(state, "accepted", state, "to", true, v);
    case "referral.returned":
      return at(state, "returned", state, "from", false, v);
    case "referral.withdrawn":
      return at(state, "withdrawn", state, "from", false, v);
    case "referral.completed":
      return at(state, "completed", state, "to", false, v);
    case "referral.referred-on":
      return at(state, "referred-on", state, "to", false, v);
  }
}

type Parties = {
  referralId: string;
  from: AgencyCode;
  to: AgencyCode;
  fromCounty?: string | undefined;
  toCounty?: string | undefined;
};

/** A state held by one side (`from` or `to`), with the addressee's step due or not. */
function at(
  _before: ReferralState,
  status: ReferralStatus,
  p: Parties,
  side: "from" | "to",
  addresseeDue: boolean,
  version: number,
): ReferralState {
  return {
    status,
    referralId: p.referralId,
    from: p.from,
    to: p.to,
    fromCounty: p.fromCounty,
    toCounty: p.toCounty,
    holder: side === "from" ? p.from : p.to,
    holderCounty: side === "from" ? p.fromCounty : p.toCounty,
    awaiting: addresseeDue ? p.to : undefined,
    awaitingCounty: addresseeDue ? p.toCounty : undefined,
    version,
  };
}

/**
 * The referral aggregate: opened by its offer, stepped on by its two parties. Its `decide` gives
 * the events a command by an actor produces on a state, or why it is refused.
 */
export const referralDecider = openedBy({
  opens: "offer",
  open: decideOffer,
  decide: decideOn,
  missing: "referral.missing",
  evolve,
});
