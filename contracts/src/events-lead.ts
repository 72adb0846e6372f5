import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { LeadFacts, TargetKey } from "./lead.ts";

export const LeadReported = LeadFacts.extend({
  targetKey: TargetKey,
  /** The agencies the routing table shares it with, decided at registration. */
  recipients: z.array(AgencyCode),
});

export const LeadShared = z.object({
  leadId: z.uuid(),
  to: AgencyCode,
  originator: AgencyCode,
  /** The routing rule that decided this share, e.g. `source:record-audit`. */
  reason: z.string().min(1).max(200),
  lead: LeadFacts,
});

export const LeadLinked = z.object({
  leadId: z.uuid(),
  earlierLeadId: z.uuid(),
  reason: z.enum(["same-target"]),
  targetKey: TargetKey,
});

export const LeadDismissed = z.object({
  leadId: z.uuid(),
  reason: z.string().trim().min(1).max(1000),
});
