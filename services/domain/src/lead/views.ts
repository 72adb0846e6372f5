import type { InboxItem, LeadFacts, LeadRegistered, LeadView } from "@liandong/contracts";
import type { Lead } from "./state.ts";

/** The lead's facts alone, as the bus shares them. */
export function leadFacts(l: Lead): LeadFacts {
  return {
    leadId: l.leadId,
    source: l.source,
    violations: l.violations,
    target: l.target,
    summary: l.summary,
    evidence: l.evidence,
    ...(l.observedAt !== undefined ? { observedAt: l.observedAt } : {}),
    ...(l.informant !== undefined ? { informant: l.informant } : {}),
    handling: l.handling,
  };
}

/** The originating agency's view of its lead (`GET /leads/{id}`). */
export function leadView(l: Lead): LeadView {
  return {
    ...leadFacts(l),
    originator: l.originator,
    county: l.county,
    registeredAt: l.at,
    registeredBy: l.by,
    sharedWith: l.sharedWith,
    ...(l.sharedAcross ? { sharedAcross: l.sharedAcross } : {}),
    linkedTo: l.linkedTo,
    status: l.status,
  };
}

/** An addressee's view of a lead shared with it (`GET /inbox/{id}`). */
export function inboxItem(l: Lead): InboxItem {
  return {
    leadId: l.leadId,
    from: l.originator,
    county: l.county,
    reason: l.shareReason ?? "",
    receivedAt: l.at,
    lead: leadFacts(l),
    linkedTo: l.linkedTo,
    status: l.status,
  };
}

/**
 * The answer to the registration that made the lead: the same for its retry, from the lead as it
 * was recorded. The lead it was linked to at registration is the first it was linked to.
 */
export function registrationAnswer(l: Lead): LeadRegistered {
  const duplicateOf = l.linkedTo[0];
  return {
    leadId: l.leadId,
    sharedWith: l.sharedWith,
    ...(l.sharedAcross ? { sharedAcross: l.sharedAcross } : {}),
    ...(duplicateOf !== undefined ? { possibleDuplicateOf: duplicateOf } : {}),
    ...(l.informant ? { informantRef: l.informant.ref } : {}),
  };
}
