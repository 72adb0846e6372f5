import type { AgencyCode, EventData } from "@liandong/contracts";
import { type Decider, type Refusal, refuse } from "../decider.ts";
import { checkText } from "../text.ts";

/** A request to unseal an informant's identity (解密申请), with the supervisors who approved it. */
export type UnsealRequest = {
  requestId: string;
  requestedBy: string;
  reason: string;
  approvers: string[];
  unsealed: boolean;
};

/**
 * What the holding agency knows of a sealed informant (举报人档案) besides the identity, which
 * never enters the domain: whether a reward may be paid, the reward, the unsealing requests.
 */
export type InformantFile = {
  /** The opaque reference the bus carries (`inf_…`): the aggregate's id. */
  ref: string;
  leadId: string;
  rewardEligible: boolean;
  reward?: { amountYuan: number; approvedBy: string; paid: boolean };
  requests: UnsealRequest[];
  /** The identity destroyed (PIPL deletion): by whom, when, why. Nothing unseals it again. */
  shredded?: { by: string; at: string; reason: string };
};

/** Opened by the lead that put the informant on file; held by that lead's agency alone. */
export type InformantState =
  | { status: "none" }
  | (InformantFile & { status: "open"; agency: AgencyCode });

/** An officer as the holding agency knows them: only supervisors approve. */
export type Approver = { id: string; supervisor: boolean };

/** Who acts and when: injected, never read here. */
type Step = { agency: AgencyCode; officer: Approver; at: string };

export type InformantCommand =
  | (Step & {
      type: "approve-reward";
      amountYuan: number;
      reason: string;
      /** The county's range of a reward (rewardRangeYuan). */
      range: { min: number; max: number };
    })
  | (Step & { type: "request-unseal"; requestId: string; reason: string })
  | (Step & { type: "approve-unseal"; requestId: string })
  | (Step & { type: "pay-reward"; amountYuan: number })
  | (Step & { type: "shred"; reason: string });

type Recorded<T extends `informant.${string}` & keyof InformantData> = {
  type: T;
  /** When it was recorded (ISO 8601): the command's `at`, the envelope's `time`. */
  time: string;
  /** The officer who took the step. */
  actor: string;
  /** The agency that recorded it (the envelope's, authenticated by its subject). */
  agency: AgencyCode;
  data: InformantData[T];
};
type InformantData = {
  "informant.reward-approved": EventData<"informant.reward-approved">;
  "informant.reward-paid": EventData<"informant.reward-paid">;
  "informant.unseal-requested": EventData<"informant.unseal-requested">;
  "informant.unseal-approved": EventData<"informant.unseal-approved">;
  "informant.unsealed": EventData<"informant.unsealed">;
  "informant.shredded": EventData<"informant.shredded">;
};

/**
 * The registration that put the informant on file: the lead's own event (`lead.reported`, decided
 * by the lead's rules), which carries the opaque reference and whether a reward may be paid.
 */
export type InformantOpening = {
  type: "lead.reported";
  time: string;
  actor: string;
  agency: AgencyCode;
  data: { leadId: string; informant?: { ref: string; rewardEligible: boolean } | undefined };
};

/** A file's events as decided here and as read off the bus (an envelope is one of these). */
export type InformantEvent =
  | Recorded<"informant.reward-approved">
  | Recorded<"informant.reward-paid">
  | Recorded<"informant.unseal-requested">
  | Recorded<"informant.unseal-approved">
  | Recorded<"informant.unsealed">
  | Recorded<"informant.shredded">;

/**
 * Pure: the events a command produces on an informant's file, or why it is refused. Every rule
 * of a reward and of unsealing is here. The reward: approved once, by a supervisor, for an
 * informant eligible for one, within the county's range; paid once, as approved, and only once
 * the contact is unsealed. Unsealing: two different supervisors, neither of them the requester,
 * each approving once, while the identity exists. Destroying the identity: a supervisor, with a
 * reason, once; nothing is unsealed after it.
 */
function decide(command: InformantCommand, state: InformantState): InformantEvent[] | Refusal {
  if (state.status === "none") return refuse("conflict", "informant.missing");
  const { agency, officer, at: time } = command;
  if (agency !== state.agency) return refuse("forbidden", "informant.not-holder");
  const by = { time, actor: officer.id, agency };
  const informantRef = state.ref;
  switch (command.type) {
    case "approve-reward": {
      if (!officer.supervisor) return refuse("forbidden", "informant.reward-by-supervisor");
      if (!state.rewardEligible) return refuse("conflict", "informant.not-eligible");
      if (state.reward) return refuse("conflict", "informant.reward-approved");
      const { min, max } = command.range;
      const amount = command.amountYuan;
      if (!Number.isSafeInteger(amount) || amount < min || amount > max)
        return refuse("invalid", "informant.reward-range", { min, max }, "amountYuan");
      const reason = checkText(command.reason, "reason");
      if (reason) return reason;
      return [
        {
          ...by,
          type: "informant.reward-approved",
          data: { informantRef, leadId: state.leadId, amountYuan: amount, reason: command.reason },
        },
      ];
    }
    case "request-unseal": {
      if (state.shredded) return shreddedRefusal(state.shredded);
      if (state.requests.some((r) => r.requestId === command.requestId))
        return refuse("conflict", "informant.request-exists");
      const reason = checkText(command.reason, "reason");
      if (reason) return reason;
      const { requestId } = command;
      return [
        {
          ...by,
          type: "informant.unseal-requested",
          data: { informantRef, requestId, reason: command.reason },
        },
      ];
    }
    case "approve-unseal":
      if (state.shredded) return shreddedRefusal(state.shredded);
      return decideApproval(state, command.requestId, officer, by);
    case "shred": {
      if (!officer.supervisor) return refuse("forbidden", "informant.shred-by-supervisor");
      if (state.shredded) return shreddedRefusal(state.shredded);
      const reason = checkText(command.reason, "reason");
      if (reason) return reason;
      return [
        { ...by, type: "informant.shredded", data: { informantRef, reason: command.reason } },
      ];
    }
    case "pay-reward": {
      const { reward } = state;
      if (!reward) return refuse("conflict", "informant.reward-not-approved");
      if (reward.paid) return refuse("conflict", "informant.reward-paid");
      if (command.amountYuan !== reward.amountYuan)
        return refuse(
          "invalid",
          "informant.reward-amount",
          { amount: reward.amountYuan },
          "amountYuan",
        );
      if (!state.requests.some((r) => r.unsealed)) return refuse("conflict", "informant.sealed");
      return [
        {
          ...by,
          type: "informant.reward-paid",
          data: { informantRef, leadId: state.leadId, amountYuan: reward.amountYuan },
        },
      ];
    }
  }
}

/** Why nothing about the identity can be done any more. */
const shreddedRefusal = ({ by, at }: { by: string; at: string }) =>
  refuse("conflict", "informant.shredded", { by, at });

function decideApproval(
  state: Extract<InformantState, { status: "open" }>,
  requestId: string,
  officer: Approver,
  by: { time: string; actor: string; agency: AgencyCode },
): InformantEvent[] | Refusal {
  const request = state.requests.find((r) => r.requestId === requestId);
  if (!request) return refuse("conflict", "informant.no-request");
  if (!officer.supervisor) return refuse("forbidden", "informant.unseal-by-supervisor");
  if (officer.id === request.requestedBy) return refuse("conflict", "informant.own-request");
  if (request.unsealed) return refuse("conflict", "informant.unsealed");
  const informantRef = state.ref;
  const unsealed = (approvers: string[]): InformantEvent => ({
    ...by,
    type: "informant.unsealed",
    data: { informantRef, requestId, approvers: [approvers[0]!, approvers[1]!] },
  });
  if (request.approvers.includes(officer.id)) {
    // Approved by two already, the unsealing itself not recorded (the service stopped in
    // between): either approver's approval completes it.
    if (request.approvers.length >= 2) return [unsealed(request.approvers)];
    return refuse("conflict", "informant.approved-by-you");
  }
  const approvers = [...request.approvers, officer.id];
  const approved: InformantEvent = {
    ...by,
    type: "informant.unseal-approved",
    data: { informantRef, requestId },
  };
  return approvers.length >= 2 ? [approved, unsealed(approvers)] : [approved];
}

/**
 * Pure: the file after one event. What `decide` would have refused changes nothing: an event of
 * another file or agency, a second reward, a payment before approval, a second approval by one
 * supervisor.
 */
function evolve(state: InformantState, e: InformantEvent | InformantOpening): InformantState {
  if (e.type === "lead.reported") {
    const informant = e.data.informant;
    if (state.status !== "none" || !informant) return state;
    return {
      status: "open",
      agency: e.agency,
      ref: informant.ref,
      leadId: e.data.leadId,
      rewardEligible: informant.rewardEligible,
      requests: [],
    };
  }
  if (state.status === "none" || e.agency !== state.agency || e.data.informantRef !== state.ref)
    return state;
  switch (e.type) {
    case "informant.reward-approved":
      if (state.reward) return state;
      return {
        ...state,
        reward: { amountYuan: e.data.amountYuan, approvedBy: e.actor, paid: false },
      };
    case "informant.reward-paid":
      if (!state.reward || state.reward.paid) return state;
      return { ...state, reward: { ...state.reward, paid: true } };
    case "informant.unseal-requested": {
      const { requestId, reason } = e.data;
      if (state.requests.some((r) => r.requestId === requestId)) return state;
      const request = { requestId, requestedBy: e.actor, reason, approvers: [], unsealed: false };
      return { ...state, requests: [...state.requests, request] };
    }
    case "informant.unseal-approved":
      return withRequest(state, e.data.requestId, (r) =>
        r.unsealed || r.approvers.includes(e.actor)
          ? r
          : { ...r, approvers: [...r.approvers, e.actor] },
      );
    case "informant.unsealed":
      if (state.shredded) return state;
      return withRequest(state, e.data.requestId, (r) => ({ ...r, unsealed: true }));
    case "informant.shredded":
      if (state.shredded) return state;
      return { ...state, shredded: { by: e.actor, at: e.time, reason: e.data.reason } };
  }
}

function withRequest(
  state: Extract<InformantState, { status: "open" }>,
  requestId: string,
  change: (r: UnsealRequest) => UnsealRequest,
): InformantState {
  if (!state.requests.some((r) => r.requestId === requestId)) return state;
  return {
    ...state,
    requests: state.requests.map((r) => (r.requestId === requestId ? change(r) : r)),
  };
}

/** The informant file aggregate (举报人档案): a reward, and unsealing by two supervisors. */
export const informantDecider = {
  decide,
  evolve,
  initialState: (): InformantState => ({ status: "none" }),
} satisfies Decider<InformantState, InformantCommand, InformantEvent | InformantOpening>;
