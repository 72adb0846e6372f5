import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { CountyCode } from "./county.ts";
import { LeadFacts, TargetKey } from "./lead.ts";

/**
 * A lead whose target lies in a neighbouring county of the region (属地管理) is shared with
 * that county's agencies too, and with that county only: the counterpart of the originating
 * agency and the agencies the routing table names. Not a lead its originator restricted
 * (`no-forward-without-consent`): that one crosses only by a referral, with consent.
 */
export const SharedAcross = z.object({ county: CountyCode, agencies: z.array(AgencyCode) });
export type SharedAcross = z.infer<typeof SharedAcross>;

export const LeadReported = LeadFacts.extend({
  targetKey: TargetKey,
  /** The agencies the routing table shares it with, decided at registration. */
  recipients: z.array(AgencyCode),
  sharedAcross: SharedAcross.optional(),
});

export const LeadShared = z.object({
  leadId: z.uuid(),
  to: AgencyCode,
  originator: AgencyCode,
  /** The routing rule that decided this share, e.g. `source:record-audit` (`shareReasonOf`). */
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
