import type { BusEvent, ReferralView } from "@liandong/contracts";
import { evolve, type ReferralEvent, type ReferralState } from "./referral-state.ts";

export type ReferralBusEvent = Extract<BusEvent, { type: `referral.${string}` }>;

export function isReferralEvent(e: BusEvent): e is ReferralBusEvent {
  return e.aggregate.kind === "referral";
}

export function stateOf(view: ReferralView | undefined): ReferralState {
  if (!view) return { status: "none" };
  const { referralId, from, to, holder, status } = view;
  return { status, referralId, from, to, holder, version: view.history.length };
}

/**
 * Pure: a party's record of a referral after one event, as it arrives from the bus (its own
 * events and the other party's). Idempotent by event id; history kept in the order the
 * stream decided (its sequence), so both parties converge to the same history.
 */
export function applyReferral(
  view: ReferralView | undefined,
  e: ReferralBusEvent,
  seq: number,
  hash: string,
): ReferralView | undefined {
  if (view?.history.some((h) => h.eventId === e.id)) return view;
  const step = {
    eventId: e.id,
    type: e.type,
    agency: e.agency,
    actor: e.actor,
    at: e.time,
    seq,
    hash,
    ...("reason" in e.data && typeof e.data.reason === "string" ? { reason: e.data.reason } : {}),
  };
  if (e.type === "referral.offered") {
    const d = e.data;
    const base: ReferralView = view ?? {
      referralId: d.referralId,
      kind: d.kind,
      from: d.from,
      to: d.to,
      about: d.about,
      reason: d.reason,
      status: "offered",
      holder: d.from,
      acceptBy: d.acceptBy,
      completeBy: d.completeBy,
      ...(d.parentReferralId ? { parentReferralId: d.parentReferralId } : {}),
      history: [],
    };
    return replay({ ...base, history: [...base.history, step] });
  }
  // A later step that arrived before the offer (the two parties' streams are read separately):
  // keep nothing until the offer is there; the consumer retries it.
  if (!view) return undefined;
  const next = { ...view, history: [...view.history, step] };
  if (e.type === "referral.completed") next.feedback = e.data.feedback;
  if (e.type === "referral.referred-on") next.childReferralId = e.data.childReferralId;
  return replay(next);
}

/** Status and holder follow from the history in stream order. */
function replay(view: ReferralView): ReferralView {
  const history = [...view.history].sort((a, b) => a.seq - b.seq);
  let state: ReferralState = { status: "none" };
  for (const h of history) {
    const data =
      h.type === "referral.offered"
        ? { referralId: view.referralId, from: view.from, to: view.to }
        : { referralId: view.referralId };
    state = evolve(state, { type: h.type, data } as ReferralEvent);
  }
  return state.status === "none"
    ? { ...view, history }
    : { ...view, history, status: state.status, holder: state.holder };
}

/** The last recorded step: the head a new step must link to. */
export function headOf(view: ReferralView | undefined): { seq: number; hash: string | null } {
  const last = view?.history.at(-1);
  return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: null };
}
