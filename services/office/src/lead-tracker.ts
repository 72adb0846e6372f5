import type { AgencyCode, BusEvent, LeadSource, Violation } from "@liandong/contracts";

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

export type Tracker = Map<string, TrackedLead>;

/** Pure: the tracker after one event. Events are applied in stream order; unknown leads are ignored. */
export function evolve(tracker: Tracker, e: BusEvent): void {
  if (e.aggregate.kind !== "lead") return;
  const lead = tracker.get(e.aggregate.id);
  switch (e.type) {
    case "lead.reported":
      if (e.to !== undefined || lead) return;
      tracker.set(e.data.leadId, {
        leadId: e.data.leadId,
        county: e.county,
        originator: e.agency,
        source: e.data.source,
        violations: e.data.violations,
        targetCounty: e.data.target.county,
        registeredAt: e.time,
        sharedWith: e.data.recipients,
        deliveredTo: [],
        linkedTo: [],
        status: "open",
        informantOnFile: e.data.informant !== undefined,
      });
      return;
    case "lead.shared": {
      if (e.toCounty !== undefined && !lead) {
        // A neighbour's lead reaching this county (its lead.reported stays in its own log).
        const l = e.data.lead;
        tracker.set(l.leadId, {
          leadId: l.leadId,
          county: e.county,
          originator: e.agency,
          source: l.source,
          violations: l.violations,
          targetCounty: l.target.county,
          registeredAt: e.time,
          sharedWith: [],
          deliveredTo: [e.data.to],
          linkedTo: [],
          status: "open",
          informantOnFile: false,
          fromNeighbour: true,
        });
        return;
      }
      if (!lead) return;
      if (e.toCounty !== undefined && !lead.fromNeighbour) {
        lead.sentAcross ??= { county: e.toCounty, agencies: [] };
        if (!lead.sentAcross.agencies.includes(e.data.to)) lead.sentAcross.agencies.push(e.data.to);
        return;
      }
      if (!lead.deliveredTo.includes(e.data.to)) lead.deliveredTo.push(e.data.to);
      return;
    }
    case "lead.linked":
      if (lead && e.to === undefined && !lead.linkedTo.includes(e.data.earlierLeadId))
        lead.linkedTo.push(e.data.earlierLeadId);
      return;
    case "lead.dismissed":
      if (lead && e.to === undefined) lead.status = "dismissed";
      return;
  }
}
