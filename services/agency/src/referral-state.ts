import type { AgencyCode, EventData } from "@liandong/contracts";

/**
 * A referral's hand-off state. At every moment exactly one party holds it: the sender until
 * the addressee accepts, the addressee from then on, the sender again when it is returned
 * or withdrawn.
 */
export type ReferralState =
  | { status: "none" }
  | {
      status: "offered" | "accepted" | "returned" | "withdrawn" | "completed" | "referred-on";
      referralId: string;
      from: AgencyCode;
      to: AgencyCode;
      holder: AgencyCode;
      version: number;
      /** Across a county line (区域协作): the parties' counties. */
      fromCounty?: string;
      toCounty?: string;
    };

export type ReferralCommand =
  | { type: "offer"; data: EventData<"referral.offered">; toCounty?: string | undefined }
  | { type: "accept" }
  | { type: "return"; reason: string }
  | { type: "withdraw"; reason: string }
  | { type: "complete"; feedback: { actions: string; outcome: string } }
  | { type: "refer-on"; childReferralId: string; to: AgencyCode };

export type ReferralEvent =
  | { type: "referral.offered"; data: EventData<"referral.offered"> }
  | { type: "referral.accepted"; data: EventData<"referral.accepted"> }
  | { type: "referral.returned"; data: EventData<"referral.returned"> }
  | { type: "referral.withdrawn"; data: EventData<"referral.withdrawn"> }
  | { type: "referral.completed"; data: EventData<"referral.completed"> }
  | { type: "referral.referred-on"; data: EventData<"referral.referred-on"> };

/** Why a command is refused: `forbidden` (not this party's step) or `conflict` (not in this state). */
export type Refusal = { refused: "forbidden" | "conflict"; message: string };

/**
 * Pure: the events a command by `actor` produces in `state`, or why it is refused. A party is
 * an agency of a county: across a county line health may refer to health. `actorCounty` is
 * the acting agency's county (needed only for referrals that cross a county line).
 */
export function decide(
  state: ReferralState,
  cmd: ReferralCommand,
  actor: AgencyCode,
  actorCounty?: string,
): ReferralEvent[] | Refusal {
  if (cmd.type === "offer") {
    if (state.status !== "none") return { refused: "conflict", message: "referral already exists" };
    if (cmd.data.from !== actor)
      return { refused: "forbidden", message: "an agency offers only as itself" };
    if (cmd.data.to === actor && (cmd.toCounty === undefined || cmd.toCounty === actorCounty))
      return { refused: "conflict", message: "cannot refer to oneself" };
    return [{ type: "referral.offered", data: cmd.data }];
  }
  if (state.status === "none") return { refused: "conflict", message: "no such referral" };
  const { referralId } = state;
  const addressee =
    actor === state.to && (state.toCounty === undefined || state.toCounty === actorCounty);
  const sender =
    actor === state.from && (state.fromCounty === undefined || state.fromCounty === actorCounty);
  switch (cmd.type) {
    case "accept":
    case "return":
      if (!addressee)
        return { refused: "forbidden", message: "only the addressee accepts or returns" };
      if (state.status !== "offered")
        return { refused: "conflict", message: `referral is ${state.status}` };
      return cmd.type === "accept"
        ? [{ type: "referral.accepted", data: { referralId, by: actor } }]
        : [{ type: "referral.returned", data: { referralId, by: actor, reason: cmd.reason } }];
    case "withdraw":
      if (!sender) return { refused: "forbidden", message: "only the sender withdraws" };
      if (state.status !== "offered")
        return { refused: "conflict", message: `referral is ${state.status}` };
      return [{ type: "referral.withdrawn", data: { referralId, by: actor, reason: cmd.reason } }];
    case "complete":
    case "refer-on":
      if (!addressee)
        return {
          refused: "forbidden",
          message: "only the agency holding it completes or refers it on",
        };
      if (state.status !== "accepted")
        return { refused: "conflict", message: `referral is ${state.status}` };
      if (cmd.type === "complete")
        return [
          { type: "referral.completed", data: { referralId, by: actor, feedback: cmd.feedback } },
        ];
      if (cmd.to === actor) return { refused: "conflict", message: "cannot refer to oneself" };
      return [
        {
          type: "referral.referred-on",
          data: { referralId, by: actor, childReferralId: cmd.childReferralId, to: cmd.to },
        },
      ];
  }
}

/** Pure: the state after one event. */
export function evolve(state: ReferralState, e: ReferralEvent): ReferralState {
  if (e.type === "referral.offered") {
    const { referralId, from, to } = e.data;
    return { status: "offered", referralId, from, to, holder: from, version: 1 };
  }
  if (state.status === "none") return state;
  const next = { ...state, version: state.version + 1 };
  switch (e.type) {
    case "referral.accepted":
      return { ...next, status: "accepted", holder: state.to };
    case "referral.returned":
      return { ...next, status: "returned", holder: state.from };
    case "referral.withdrawn":
      return { ...next, status: "withdrawn", holder: state.from };
    case "referral.completed":
      return { ...next, status: "completed", holder: state.to };
    case "referral.referred-on":
      return { ...next, status: "referred-on", holder: state.to };
  }
}
