import type {
  AgencyCode,
  BusEvent,
  ReferralDeadline,
  ReferralKind,
  ReferralStatus,
  Violation,
} from "@liandong/contracts";
import type { Tracker as LeadTracker } from "./lead-tracker.ts";

/** One referral as the leading group's office tracks it (督办台账). */
export type TrackedReferral = {
  referralId: string;
  kind: ReferralKind;
  from: AgencyCode;
  to: AgencyCode;
  /** Across a county line (区域协作): the sender's and the addressee's counties. */
  fromCounty?: string;
  toCounty?: string;
  about: { kind: "lead" | "case"; id: string };
  status: ReferralStatus;
  /** The one party holding it now. */
  holder: AgencyCode;
  /** Across a county line: the county of the agency holding it now. */
  holderCounty?: string;
  offeredAt: string;
  /** When it last changed hands or state. */
  updatedAt: string;
  acceptBy: string;
  completeBy: string;
  /** The first referral of the chain this one belongs to (itself when it starts one). */
  chainRoot: string;
  parentReferralId?: string;
  childReferralId?: string;
  /** Violations of the lead it is about (of a case's first lead, when known). */
  violations: Violation[];
  /** Deadlines the office's scheduler has recorded as passed, with the instant they were due. */
  overdue: Partial<Record<ReferralDeadline, string>>;
};

export type ReferralTracker = Map<string, TrackedReferral>;

const TERMINAL = new Set<ReferralStatus>(["returned", "withdrawn", "completed", "referred-on"]);

/** Pure: the tracker after one event, in stream order. */
export function evolveReferrals(t: ReferralTracker, leads: LeadTracker, e: BusEvent): void {
  if (e.type === "supervision.overdue") {
    const r = t.get(e.data.referralId);
    if (r) r.overdue = { ...r.overdue, [e.data.deadline]: e.data.dueAt };
    return;
  }
  if (e.aggregate.kind !== "referral") return;
  const r = t.get(e.aggregate.id);
  switch (e.type) {
    case "referral.offered": {
      if (r) return;
      const d = e.data;
      const parent = d.parentReferralId ? t.get(d.parentReferralId) : undefined;
      t.set(d.referralId, {
        referralId: d.referralId,
        kind: d.kind,
        from: d.from,
        to: d.to,
        ...(e.toCounty
          ? { fromCounty: e.county, toCounty: e.toCounty, holderCounty: e.toCounty }
          : {}),
        about: d.about,
        status: "offered",
        holder: d.to,
        offeredAt: e.time,
        updatedAt: e.time,
        acceptBy: d.acceptBy,
        completeBy: d.completeBy,
        chainRoot: parent?.chainRoot ?? d.referralId,
        ...(d.parentReferralId ? { parentReferralId: d.parentReferralId } : {}),
        violations:
          d.about.kind === "lead"
            ? (leads.get(d.about.id)?.violations ?? d.lead?.violations ?? [])
            : (parent?.violations ?? []),
        overdue: {},
      });
      return;
    }
    case "referral.accepted":
      if (r?.status === "offered") moved(r, "accepted", r.holder, e.time);
      return;
    case "referral.returned":
      if (r?.status === "offered") moved(r, "returned", r.from, e.time, r.fromCounty);
      return;
    case "referral.withdrawn":
      if (r?.status === "offered") moved(r, "withdrawn", r.from, e.time, r.fromCounty);
      return;
    case "referral.completed":
      if (r?.status === "accepted") moved(r, "completed", r.from, e.time, r.fromCounty);
      return;
    case "referral.referred-on":
      if (r?.status === "accepted") {
        moved(r, "referred-on", e.data.to, e.time, e.county);
        r.childReferralId = e.data.childReferralId;
      }
      return;
    default:
      return;
  }
}

/** A referral changes state and, maybe, hands: written in place, on the hot path of a rebuild. */
/** A referral changing hands or state; across a county line, its holder's county with it. */
function moved(
  r: TrackedReferral,
  status: ReferralStatus,
  holder: AgencyCode,
  at: string,
  holderCounty?: string,
): void {
  r.status = status;
  r.holder = holder;
  if (r.holderCounty !== undefined && holderCounty !== undefined) r.holderCounty = holderCounty;
  r.updatedAt = at;
}

/** Pure: the deadlines a referral has passed at `now` that are not yet on the record. */
export function duePassed(
  r: TrackedReferral,
  now: Date,
): { deadline: ReferralDeadline; dueAt: string }[] {
  if (TERMINAL.has(r.status)) return [];
  const out: { deadline: ReferralDeadline; dueAt: string }[] = [];
  const t = now.getTime();
  if (r.status === "offered" && !r.overdue.acceptance && Date.parse(r.acceptBy) <= t)
    out.push({ deadline: "acceptance", dueAt: r.acceptBy });
  if (r.status === "accepted" && !r.overdue.feedback && Date.parse(r.completeBy) <= t)
    out.push({ deadline: "feedback", dueAt: r.completeBy });
  return out;
}

/** Whether a referral is overdue now: a recorded deadline passed and not yet met. */
export function isOverdue(r: TrackedReferral): boolean {
  return (
    (r.status === "offered" && r.overdue.acceptance !== undefined) ||
    (r.status === "accepted" && r.overdue.feedback !== undefined)
  );
}

export type ReferralFilter = {
  agency?: string | undefined;
  status?: ReferralStatus | undefined;
  violation?: Violation | undefined;
  since?: string | undefined;
  until?: string | undefined;
  overdue?: boolean | undefined;
};

/**
 * Pure: the referrals matching a filter, newest offer first. The tracker is filled in stream
 * order, so its insertion order is the order of offers: reversed, not sorted.
 */
export function filterReferrals(t: ReferralTracker, f: ReferralFilter): TrackedReferral[] {
  // Event times are UTC ISO strings of one length: compared as strings, once normalised.
  const since = f.since ? new Date(f.since).toISOString() : undefined;
  const until = f.until ? new Date(f.until).toISOString() : undefined;
  const out: TrackedReferral[] = [];
  for (const r of t.values()) {
    if (f.agency && r.from !== f.agency && r.to !== f.agency && r.holder !== f.agency) continue;
    if (f.status && r.status !== f.status) continue;
    if (f.violation && !r.violations.includes(f.violation)) continue;
    if ((since && r.offeredAt < since) || (until && r.offeredAt > until)) continue;
    if (f.overdue !== undefined && isOverdue(r) !== f.overdue) continue;
    out.push(r);
  }
  return out.reverse();
}
