import type { BusEvent, ReferralView } from "@liandong/contracts";
import { evolve, type ReferralEvent, type ReferralState } from "./referral-state.ts";

export type ReferralBusEvent = Extract<BusEvent, { type: `referral.${string}` }>;

export function isReferralEvent(e: BusEvent): e is ReferralBusEvent {
  return e.aggregate.kind === "referral";
}

export function stateOf(view: ReferralView | undefined): ReferralState {
  if (!view) return { status: "none" };
  const { referralId, from, to, holder, status, fromCounty, toCounty } = view;
  const state: ReferralState = {
    status,
    referralId,
    from,
    to,
    holder,
    version: view.history.length,
  };
  return fromCounty && toCounty ? { ...state, fromCounty, toCounty } : state;
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
    prev: e.prev,
    ...(e.toCounty ? { county: e.county } : {}),
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
      // Across a county line: the parties' counties, from the authenticated envelope.
      ...(e.toCounty ? { fromCounty: e.county, toCounty: e.toCounty } : {}),
      ...(d.lead ? { lead: d.lead } : {}),
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

/**
 * Status and holder follow from the history in the order it was decided. In one county that is
 * the stream's order. Across a county line each party's log holds the steps in the order they
 * reached it, so the order is the hash chain's (each step links to the one it was decided on),
 * and where two steps link to the same one (a withdrawal crossing an acceptance on the way)
 * the addressee's step wins: the addressee's log is the arbiter (DESIGN.md, Hand-offs).
 */
function replay(view: ReferralView): ReferralView {
  const history = view.toCounty
    ? chainOrder(view)
    : [...view.history].sort((a, b) => a.seq - b.seq);
  let state: ReferralState = { status: "none" };
  for (const h of history) {
    if (h.void) continue;
    const data =
      h.type === "referral.offered"
        ? { referralId: view.referralId, from: view.from, to: view.to }
        : { referralId: view.referralId };
    state = evolve(state, { type: h.type, data } as ReferralEvent);
  }
  if (state.status === "none") return { ...view, history };
  const holderCounty = view.toCounty
    ? {
        holderCounty:
          state.holder === view.to &&
          ["accepted", "completed", "referred-on"].includes(state.status)
            ? view.toCounty
            : view.fromCounty,
      }
    : {};
  return { ...view, history, status: state.status, holder: state.holder, ...holderCounty };
}

type Step = ReferralView["history"][number];

/** The steps in chain order, the losing branch of a fork marked void; steps not yet linked last. */
function chainOrder(view: ReferralView): Step[] {
  const children = new Map<string | null, Step[]>();
  for (const h of view.history) {
    const key = h.prev ?? null;
    children.set(key, [...(children.get(key) ?? []), { ...h, void: false }]);
  }
  const byAddressee = (h: Step) => h.agency === view.to && h.county === view.toCounty;
  const ordered: Step[] = [];
  const voided = (h: Step) => {
    ordered.push({ ...h, void: true });
    for (const c of children.get(h.hash) ?? []) voided(c);
  };
  let next = children.get(null) ?? [];
  while (next.length > 0) {
    // The addressee's step first; of two by the same side (never decided so), the earlier.
    const [winner, ...losers] = [...next].sort(
      (a, b) => Number(byAddressee(b)) - Number(byAddressee(a)) || a.seq - b.seq,
    );
    ordered.push(winner!);
    for (const l of losers) voided(l);
    next = children.get(winner!.hash) ?? [];
  }
  const placed = new Set(ordered.map((h) => h.eventId));
  const waiting = view.history.filter((h) => !placed.has(h.eventId)).sort((a, b) => a.seq - b.seq);
  return [...ordered, ...waiting.map((h) => ({ ...h, void: false }))];
}

/**
 * The head a new step must link to: the hash of the last step that counts, and the sequence of
 * the last one this log stored (the stream compares that; a void step is stored all the same).
 */
export function headOf(view: ReferralView | undefined): { seq: number; hash: string | null } {
  const last = view?.history.filter((h) => !h.void).at(-1);
  if (!view || !last) return { seq: 0, hash: null };
  return { seq: Math.max(...view.history.map((h) => h.seq)), hash: last.hash };
}
