import type { AgencyCode, BusEvent, LeadSource, Violation } from "@liandong/contracts";
import { evolveLead, type Lead, type LeadEvent } from "@liandong/domain";

/** One lead as the office tracks it: never its contents beyond what tracking needs. */
export type TrackedLead = {
  leadId: string;
  county: string;
  originator: AgencyCode;
  source: LeadSource;
  violations: Violation[];
  targetCounty: string;
  registeredAt: string;
  sharedWith: AgencyCode[];
  /** Agencies whose inbox copy is on the bus. */
  deliveredTo: AgencyCode[];
  /** A lead of ours about a neighbour's target: the agencies there it was sent to. */
  sentAcross?: { county: string; agencies: AgencyCode[] };
  /** A neighbour's lead about a target here, shared with our agencies across the line. */
  fromNeighbour?: true;
  linkedTo: string[];
  status: "open" | "dismissed";
  informantOnFile: boolean;
};

/** Every lead of the county's stream, as the domain's `evolveLead` folds it. */
export type Tracker = Map<string, Lead>;

/**
 * The tracker after one event, in stream order: the lead's state replaced by what the domain's
 * `evolveLead` makes of it (a new object only when the event changed it; the map itself is
 * never copied: a rebuild folds a year of events).
 */
export function evolve(tracker: Tracker, e: BusEvent): void {
  if (e.aggregate.kind !== "lead") return;
  const before = tracker.get(e.aggregate.id);
  const after = evolveLead(before, e as LeadEvent);
  if (after === before || !after) return;
  // Keyed by the lead's own id string where it is the same (one copy kept, not two).
  tracker.set(after.leadId === e.aggregate.id ? after.leadId : e.aggregate.id, after);
}

/** What the office shows of a lead: who, when, with whom it was shared; not what it says. */
export function trackedLead(l: Lead): TrackedLead {
  return {
    leadId: l.leadId,
    county: l.county,
    originator: l.originator,
    source: l.source,
    violations: l.violations,
    targetCounty: l.target.county,
    registeredAt: l.at,
    sharedWith: l.sharedWith,
    deliveredTo: l.deliveredTo,
    ...(l.sentAcross ? { sentAcross: l.sentAcross } : {}),
    // The office knows a lead by a share only when a neighbour's agency sent it here.
    ...(l.knownBy === "share" ? { fromNeighbour: true as const } : {}),
    linkedTo: l.linkedTo,
    status: l.status,
    informantOnFile: l.informant !== undefined,
  };
}
