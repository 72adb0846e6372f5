import {
  type AgencyCode,
  type BusEvent,
  type DeadlineBasis,
  deadlineBasis,
  type ReferralDeadline,
  type ReferralKind,
  type ReferralStatus,
  type ReferralView,
  type Violation,
} from "@liandong/contracts";
import { isOverdue, isReferralEvent, type Recorded, recordOwnReferral } from "@liandong/domain";
import type { Tracker as LeadTracker } from "./lead-tracker.ts";

/**
 * One referral as the leading group's office tracks it (督办台账). Status, holder and whose
 * step is due are the domain's record of the referral, the same every party holds; the rest is
 * what the office adds: its chain, its lead's violations, the deadlines recorded as passed.
 * Every field is always present (`undefined` where it does not apply; JSON leaves it out): one
 * object shape for a hundred thousand referrals keeps the tracker's filters fast.
 */
export type TrackedReferral = {
  referralId: string;
  kind: ReferralKind;
  from: AgencyCode;
  to: AgencyCode;
  /** Across a county line (区域协作): the sender's and the addressee's counties. */
  fromCounty: string | undefined;
  toCounty: string | undefined;
  about: { kind: "lead" | "case"; id: string };
  status: ReferralStatus;
  /** 当前持有: the one party that has the matter in hand now (GLOSSARY.md). */
  holder: AgencyCode;
  /** Across a county line: the county of the agency holding it now. */
  holderCounty: string | undefined;
  /** 待办方: the party whose step is due; undefined once the referral has ended. */
  awaiting: AgencyCode | undefined;
  awaitingCounty: string | undefined;
  offeredAt: string;
  /** When it last changed hands or state. */
  updatedAt: string;
  acceptBy: string;
  /** What `acceptBy` rests on: the county's deadline, or decree No. 310's (立案决定期限). */
  deadlineBasis: DeadlineBasis;
  completeBy: string;
  /** The first referral of the chain this one belongs to (itself when it starts one). */
  chainRoot: string;
  /** The lead the chain began with, when it began with a lead. */
  chainLead: string | undefined;
  parentReferralId: string | undefined;
  resumesReferralId: string | undefined;
  childReferralId: string | undefined;
  /**
   * Violations of the lead or case it is about (of its chain's, when the case is not known here):
   * the one list the tracker's filter and the statistics' breakdown both read.
   */
  violations: Violation[];
  /** Deadlines the office's scheduler has recorded as passed, with the instant they were due. */
  overdue: Partial<Record<ReferralDeadline, string>>;
};

/** The tracked referrals, and the domain's record of each, by referral id. */
export type ReferralTracker = Map<string, TrackedReferral> & {
  records?: Map<string, ReferralView>;
};

/**
 * What the office knows of what a referral is about: its leads (the lead tracker) and its cases
 * (the domain's case records). A referral's violations are read here, once, when it is offered.
 */
export type AboutSources = {
  leads: LeadTracker;
  cases: ReadonlyMap<string, { violations: Violation[] }>;
};

/** Where a referral step sits in the office's log: its sequence and SHA-256. */
export type Meta = { seq: number; hash: string };

/**
 * The tracker after one event, in stream order; the referral's own record is the domain's
 * (`recordReferral`, on the office's own copy of each record: `recordOwnReferral`). Answers with what recording the step gave, so that the office dead-letters
 * a step its publisher was not entitled to take; `undefined` for events about no referral.
 */
export function evolveReferrals(
  t: ReferralTracker,
  about: AboutSources,
  e: BusEvent,
  meta: Meta,
): Recorded | undefined {
  if (e.type === "supervision.overdue") {
    const r = t.get(e.data.referralId);
    if (r) r.overdue = { ...r.overdue, [e.data.deadline]: e.data.dueAt };
    return undefined;
  }
  if (!isReferralEvent(e)) return undefined;
  t.records ??= new Map();
  // The records are the office's alone (nothing else holds them): a step is written into its record.
  const record = t.records.get(e.aggregate.id);
  const recorded = recordOwnReferral(record, e, meta);
  if (!recorded.ok) return recorded;
  const view = recorded.view;
  // Written into in place (the common step): already there.
  if (view !== record) t.records.set(view.referralId, view);
  // The office's own projection, written in place: one object per referral, its shape fixed.
  const before = t.get(view.referralId);
  if (before) {
    follow(before, view, e.time);
    return recorded;
  }
  const chainedTo = view.parentReferralId ?? view.resumesReferralId;
  const chainFrom = chainedTo === undefined ? undefined : t.get(chainedTo);
  t.set(
    view.referralId,
    tracked(view, e.time, {
      chainRoot: chainFrom?.chainRoot ?? view.referralId,
      chainLead: chainFrom?.chainLead ?? (view.about.kind === "lead" ? view.about.id : undefined),
      violations:
        view.about.kind === "lead"
          ? (about.leads.get(view.about.id)?.violations ?? view.lead?.violations ?? [])
          : (about.cases.get(view.about.id)?.violations ?? chainFrom?.violations ?? []),
      overdue: NONE_OVERDUE,
    }),
  );
  return recorded;
}

/** No deadline recorded as passed: one object for every referral (replaced, never written into). */
const NONE_OVERDUE: TrackedReferral["overdue"] = Object.freeze({});

/** What the tracker shows of the domain's record, with what the office adds; one shape always. */
function tracked(
  v: ReferralView,
  at: string,
  office: Pick<TrackedReferral, "chainRoot" | "chainLead" | "violations" | "overdue">,
): TrackedReferral {
  const r: TrackedReferral = {
    referralId: v.referralId,
    kind: v.kind,
    from: v.from,
    to: v.to,
    fromCounty: v.fromCounty,
    toCounty: v.toCounty,
    about: v.about,
    status: v.status,
    holder: v.holder,
    holderCounty: v.holderCounty,
    awaiting: v.awaiting,
    awaitingCounty: v.awaitingCounty,
    offeredAt: v.history[0]?.at ?? at,
    updatedAt: at,
    acceptBy: v.acceptBy,
    deadlineBasis: deadlineBasis(v),
    completeBy: v.completeBy,
    chainRoot: office.chainRoot,
    chainLead: office.chainLead,
    parentReferralId: v.parentReferralId,
    resumesReferralId: v.resumesReferralId,
    childReferralId: v.childReferralId,
    violations: office.violations,
    overdue: office.overdue,
  };
  follow(r, v, at);
  return r;
}

/** The tracked referral follows its record: what changes as steps are taken. */
function follow(r: TrackedReferral, v: ReferralView, at: string): void {
  r.status = v.status;
  r.holder = v.holder;
  r.holderCounty = v.holderCounty;
  r.awaiting = v.awaiting;
  r.awaitingCounty = v.awaitingCounty;
  r.childReferralId = v.childReferralId;
  const history = v.history;
  r.updatedAt = at;
  for (let i = history.length - 1; i >= 0; i--) {
    if (!history[i]!.void) {
      r.updatedAt = history[i]!.at;
      break;
    }
  }
}

export type ReferralFilter = {
  agency?: string | undefined;
  status?: ReferralStatus | undefined;
  violation?: Violation | undefined;
  since?: string | undefined;
  until?: string | undefined;
  overdue?: boolean | undefined;
  /** The referrals of the chains that began with this lead. */
  lead?: string | undefined;
};

/**
 * Pure: the ids of the referrals matching a filter, newest offer first. The tracker is filled in
 * stream order, so its insertion order is the order of offers: reversed, not sorted. A filter of
 * nothing matches every referral without reading one: a tracker restored from a snapshot
 * (`LazyMap`) reads each referral when first asked for, and a page of it asks for a page.
 */
export function referralsMatching(t: ReferralTracker, f: ReferralFilter): string[] {
  // Event times are UTC ISO strings of one length: compared as strings, once normalised.
  const since = f.since ? new Date(f.since).toISOString() : undefined;
  const until = f.until ? new Date(f.until).toISOString() : undefined;
  // One test per filter given: none given, none to pass.
  const tests: ((r: TrackedReferral) => boolean)[] = [];
  const { agency, status, violation, overdue, lead } = f;
  if (agency) tests.push((r) => r.from === agency || r.to === agency || r.holder === agency);
  if (status) tests.push((r) => r.status === status);
  if (violation) tests.push((r) => r.violations.includes(violation));
  if (since) tests.push((r) => r.offeredAt >= since);
  if (until) tests.push((r) => r.offeredAt <= until);
  if (overdue !== undefined) tests.push((r) => isOverdue(r) === overdue);
  if (lead) tests.push((r) => r.chainLead === lead || r.about.id === lead);
  // No test: the ids alone, no referral read.
  if (tests.length === 0) return Array.from(t.keys()).reverse();
  const out: string[] = [];
  for (const [id, r] of t) if (tests.every((test) => test(r))) out.push(id);
  return out.reverse();
}
