import { type BusEvent, deadlineBasis, type ReferralView } from "@liandong/contracts";
import { type NotRecorded, notEntitled, notRecordable, type Refusal } from "../decider.ts";
import { interned } from "../intern.ts";
import { said } from "../refusals.ts";
import { loggedStep, type StepMeta } from "../step.ts";
import {
  evolve,
  type ReferralCommand,
  type ReferralEvent,
  type ReferralState,
  referralDecider,
} from "./referral.ts";

export type ReferralBusEvent = Extract<BusEvent, { type: `referral.${string}` }>;
type Step = ReferralView["history"][number];

export function isReferralEvent(e: BusEvent): e is ReferralBusEvent {
  return e.aggregate.kind === "referral" && e.type.startsWith("referral.");
}

/**
 * What recording one step gives: the referral's record after it; or `refused`, a step its
 * publisher was not entitled to take on the state it was decided on (a dead letter, never
 * recorded); or `waiting`, a step whose predecessor has not reached this reader yet (the two
 * parties' events come by different consumers, and across a county line by different logs):
 * delivered again later.
 */
export type Recorded = { ok: true; view: ReferralView } | NotRecorded;

/**
 * Pure: a reader's record of a referral after one of its events, as it arrives from the bus.
 * Every reader (the parties, the office, the CLI) records steps with this, so all of them show
 * the same status, holder and history for the same events. Idempotent by event id.
 *
 * A step is taken into the record only if its publisher (authenticated by the subject: the
 * envelope's agency and county) could have decided it on the state it links to: it is replayed
 * through `decide`, the rule the parties themselves decide with.
 */
export function recordReferral(
  view: ReferralView | undefined,
  e: ReferralBusEvent,
  meta: StepMeta,
): Recorded {
  return record(view, e, meta, false);
}

/**
 * `recordReferral` on a record its caller owns: one it keeps for itself and hands to nobody (the
 * office's one record of each referral, folded from a year of steps at start). The same fold,
 * the same answers; only a step taken on the record's head is written into the record given,
 * not into a copy of it. A step not taken leaves the record as it was. Keep the view the answer
 * gives, not the one given: a step that resolves a fork gives a new record.
 */
export function recordOwnReferral(
  view: ReferralView | undefined,
  e: ReferralBusEvent,
  meta: StepMeta,
): Recorded {
  return record(view, e, meta, true);
}

function record(
  view: ReferralView | undefined,
  e: ReferralBusEvent,
  meta: StepMeta,
  owned: boolean,
): Recorded {
  if (view && hasStep(view, e.id)) return { ok: true, view };
  if (e.data.referralId !== e.aggregate.id)
    return notEntitled("step.wrong-aggregate", {
      type: e.type,
      id: e.data.referralId,
      aggregate: e.aggregate.id,
    });
  const step = stepOf(e, meta);
  if (e.type === "referral.offered") {
    if (view) return notEntitled("referral.offered-twice");
    const d = e.data;
    const offered: ReferralEvent = e.toCounty
      ? { type: e.type, data: d, across: { fromCounty: e.county, toCounty: e.toCounty } }
      : { type: e.type, data: d };
    const entitled = replayed(
      { type: "offer", data: d, toCounty: e.toCounty, now: new Date(e.time) },
      { status: "none" },
      e,
      offered,
    );
    if (entitled) return { ok: false, refused: entitled };
    // Built field by field, no spread: one shape for every record (a spread of records of
    // several shapes gives each copy a hidden class of its own, in memory as long as it lives).
    const v = {
      referralId: d.referralId,
      kind: interned(d.kind),
      from: interned(d.from),
      to: interned(d.to),
      about: d.about,
      reason: d.reason,
      status: "offered",
      holder: d.from,
      acceptBy: d.acceptBy,
      deadlineBasis: deadlineBasis(d),
      completeBy: d.completeBy,
      // What every record comes to hold, written here: the record keeps its fields in itself
      // (added after, they took a second object per record, for as long as the record lives).
      history: [step],
      holderCounty: undefined,
      awaiting: undefined,
      awaitingCounty: undefined,
    } as ReferralView;
    if (d.parentReferralId) v.parentReferralId = d.parentReferralId;
    if (d.resumesReferralId) v.resumesReferralId = d.resumesReferralId;
    // Across a county line: the parties' counties, from the authenticated envelope.
    if (e.toCounty) {
      v.fromCounty = e.county;
      v.toCounty = e.toCounty;
    }
    if (d.lead) v.lead = d.lead;
    return { ok: true, view: withState(v, evolve({ status: "none" }, offered)) };
  }
  if (!view) return { ok: false, waiting: `${e.type} before the referral's offer` };
  const head = view.history.at(-1);
  if (head && !head.void && e.prev === head.hash) return onHead(view, e, step, head, owned);
  const before = e.prev === null ? undefined : view.history.find((h) => h.hash === e.prev);
  if (!before) {
    // A step that follows nothing can never be taken; nor one by a party whose step it is not,
    // whatever came in between (who sent and who was addressed never changes).
    if (e.prev === null)
      return notEntitled("referral.unlinked-step", { type: e.type, referralId: view.referralId });
    const role = replayed(commandOf(e), referralState(view), e, eventOf(e));
    if (role?.refused === "forbidden") return { ok: false, refused: role };
    return { ok: false, waiting: `${e.type} before the step it follows` };
  }
  const entitled = replayed(commandOf(e), stateAt(view, before), e, eventOf(e));
  if (entitled) return { ok: false, refused: entitled };
  const next = copyOf(view);
  next.history = [...view.history, step];
  if (e.type === "referral.completed") next.feedback = e.data.feedback;
  if (e.type === "referral.referred-on") next.childReferralId = e.data.childReferralId;
  return { ok: true, view: resolve(next) };
}

function hasStep(view: ReferralView, eventId: string): boolean {
  for (const h of view.history) if (h.eventId === eventId) return true;
  return false;
}

/** The step an event records, one shape for all (its optional fields added in one order). */
function stepOf(e: ReferralBusEvent, meta: StepMeta): Step {
  const logged = loggedStep(e, meta);
  const reason =
    "reason" in e.data && typeof e.data.reason === "string" ? e.data.reason : undefined;
  // Every field a step comes to hold written at once (`void` added after took a second object;
  // so did `reason`, on every offer). Across a county line (rare), its county and reason after,
  // in the same order.
  if (reason !== undefined && !e.toCounty)
    return {
      eventId: logged.eventId,
      type: logged.type,
      agency: logged.agency,
      actor: logged.actor,
      at: logged.at,
      seq: logged.seq,
      hash: logged.hash,
      prev: logged.prev,
      void: false,
      reason,
    };
  const step: Step = {
    eventId: logged.eventId,
    type: logged.type,
    agency: logged.agency,
    actor: logged.actor,
    at: logged.at,
    seq: logged.seq,
    hash: logged.hash,
    prev: logged.prev,
    void: false,
  };
  if (e.toCounty) step.county = interned(e.county);
  if (reason !== undefined) step.reason = reason;
  return step;
}

/** A shallow copy keeping the record's shape (`Object.assign`, not a spread: see above). */
function copyOf<T extends object>(o: T): T {
  return Object.assign({}, o);
}

/**
 * The common case, on every reader's hot path (the office folds a year of steps at start): a
 * step that links to the last one, with no fork in the record. The state it was decided on is
 * the record's own, and the step goes last in chain order: no replay of the history. On an
 * owned record the step is written into it; otherwise into a copy.
 */
function onHead(
  view: ReferralView,
  e: Exclude<ReferralBusEvent, { type: "referral.offered" }>,
  step: Step,
  head: Step,
  owned: boolean,
): Recorded {
  const state = stateOfRecord(view);
  const event = eventOf(e);
  const entitled = replayed(commandOf(e), state, e, event);
  if (entitled) return { ok: false, refused: entitled };
  // The same hash as the head's: one string kept, not two.
  step.prev = head.hash;
  let next: ReferralView;
  if (owned) {
    next = view;
    // A new list of the steps' length, not a push: a pushed list grows room for 16 more, held
    // for as long as the record (a year of records at the office).
    next.history = [...view.history, step];
  } else {
    next = copyOf(view);
    next.history = [...view.history, step];
  }
  if (e.type === "referral.completed") next.feedback = e.data.feedback;
  if (e.type === "referral.referred-on") next.childReferralId = e.data.childReferralId;
  return { ok: true, view: withState(next, evolve(state, event)) };
}

/** A record with the fields the decider's state gives it: status, holder, whose step is due. */
function withState(view: ReferralView, state: ReferralState): ReferralView {
  if (state.status === "none") return view;
  view.status = state.status;
  view.holder = state.holder;
  view.holderCounty = state.holderCounty;
  view.awaiting = state.awaiting;
  view.awaitingCounty = state.awaitingCounty;
  return view;
}

/** The decider's state as a resolved record states it (what `referralState` folds to). */
function stateOfRecord(v: ReferralView): ReferralState {
  let version = 0;
  for (const h of v.history) if (!h.void) version++;
  // Every field present, as `evolve` writes a state: one shape.
  return {
    status: v.status,
    referralId: v.referralId,
    from: v.from,
    to: v.to,
    fromCounty: v.fromCounty,
    toCounty: v.toCounty,
    holder: v.holder,
    holderCounty: v.holderCounty,
    awaiting: v.awaiting,
    awaitingCounty: v.awaitingCounty,
    version,
  };
}

/**
 * Whether `decide`, given the command the step records, by its publisher, on the state it was
 * decided on, gives this very step; the refusal if it does not.
 */
function replayed(
  cmd: ReferralCommand,
  state: ReferralState,
  e: ReferralBusEvent,
  recorded: ReferralEvent,
): Refusal | undefined {
  const actor = { agency: e.agency, county: e.county };
  const decided = referralDecider.decide({ command: cmd, actor }, state);
  if (!Array.isArray(decided)) return notRecordable(e.agency, e.type, decided);
  const [event] = decided;
  const by = "by" in recorded.data ? recorded.data.by : undefined;
  if (event?.type !== recorded.type || (by !== undefined && by !== e.agency))
    return {
      refused: "forbidden",
      ...said("step.recorded-as", { agency: e.agency, type: e.type, by: by ?? "—" }),
    };
  return undefined;
}

function commandOf(e: Exclude<ReferralBusEvent, { type: "referral.offered" }>): ReferralCommand {
  switch (e.type) {
    case "referral.accepted":
      return { type: "accept" };
    case "referral.returned":
      return { type: "return", reason: e.data.reason };
    case "referral.withdrawn":
      return { type: "withdraw", reason: e.data.reason };
    case "referral.completed":
      return { type: "complete", feedback: e.data.feedback };
    case "referral.referred-on":
      return { type: "refer-on", childReferralId: e.data.childReferralId, to: e.data.to };
  }
}

function eventOf(e: Exclude<ReferralBusEvent, { type: "referral.offered" }>): ReferralEvent {
  return { type: e.type, data: e.data } as ReferralEvent;
}

/** The event a recorded step stands for, as `evolve` takes it. */
function stepEvent(view: ReferralView, h: Step): ReferralEvent {
  if (h.type === "referral.offered") {
    return {
      type: "referral.offered",
      data: view as unknown as ReferralEvent["data"] & { referralId: string },
      ...(view.fromCounty && view.toCounty
        ? { across: { fromCounty: view.fromCounty, toCounty: view.toCounty } }
        : {}),
    } as ReferralEvent;
  }
  return { type: h.type, data: { referralId: view.referralId } } as ReferralEvent;
}

/** The state a step was decided on: its predecessors, from the offer, folded. */
function stateAt(view: ReferralView, last: Step): ReferralState {
  const byHash = new Map(view.history.map((h) => [h.hash, h]));
  const path: Step[] = [];
  for (let h: Step | undefined = last; h; h = h.prev ? byHash.get(h.prev) : undefined) {
    path.push(h);
    if (path.length > view.history.length) break;
  }
  let state: ReferralState = { status: "none" };
  for (const h of path.reverse()) state = evolve(state, stepEvent(view, h));
  return state;
}

/** Pure: the state of a recorded referral, its steps folded in the order they were decided. */
export function referralState(view: ReferralView): ReferralState {
  let state: ReferralState = { status: "none" };
  for (const h of view.history) if (!h.void) state = evolve(state, stepEvent(view, h));
  return state;
}

/**
 * Status, holder and whose step is due follow from the history in the order it was decided:
 * the hash chain's (each step links to the one it was decided on). In one county that is the
 * stream's order. Across a county line each party writes to its own log, so a withdrawal may
 * cross an acceptance on the way: where two steps link to the same one, the addressee's wins,
 * the other stays on the record, void (the addressee's log is the arbiter; DESIGN.md,
 * Hand-offs). Whatever order the steps arrive in, the same steps resolve to the same record.
 */
function resolve(view: ReferralView): ReferralView {
  const next = copyOf(view);
  next.history = chainOrder(view);
  return withState(next, referralState(next));
}

/** The steps in chain order, the losing branch of a fork marked void. */
function chainOrder(view: ReferralView): Step[] {
  const children = new Map<string | null, Step[]>();
  for (const h of view.history) {
    const key = h.prev ?? null;
    children.set(key, [...(children.get(key) ?? []), withVoid(h, false)]);
  }
  const byAddressee = (h: Step) =>
    h.agency === view.to && (view.toCounty === undefined || h.county === view.toCounty);
  const ordered: Step[] = [];
  const voided = (h: Step) => {
    ordered.push(withVoid(h, true));
    for (const c of children.get(h.hash) ?? []) voided(c);
  };
  let next = children.get(null) ?? [];
  while (next.length > 0) {
    // The addressee's step first; of two by the same side (never decided so), the lower hash:
    // an order every reader agrees on, whatever the order of arrival.
    const [winner, ...losers] = [...next].sort(
      (a, b) =>
        Number(byAddressee(b)) - Number(byAddressee(a)) ||
        (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0),
    );
    ordered.push(winner!);
    for (const l of losers) voided(l);
    next = children.get(winner!.hash) ?? [];
  }
  return ordered;
}

function withVoid(h: Step, isVoid: boolean): Step {
  const step = copyOf(h);
  step.void = isVoid;
  return step;
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
