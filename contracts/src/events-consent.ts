import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { CountyCode } from "./county.ts";

/**
 * A lead restricted to "not to be passed on without the originator's consent" is about to be
 * passed on by another agency (to one of the county's, or across a county line): the referring
 * agency asks the originator first. Recorded on the `consent` aggregate of the referral it
 * would become (same id), addressed to the originator.
 */
export const ConsentRequested = z.object({
  referralId: z.uuid(),
  leadId: z.uuid(),
  requestedBy: AgencyCode,
  originator: AgencyCode,
  /** Where the referral would go: an agency of this county, or of `toCounty` across the line. */
  to: AgencyCode,
  toCounty: CountyCode.optional(),
  reason: z.string().trim().min(1).max(2000),
});

/** The originator's answer, addressed back to the agency that asked. */
export const ConsentGiven = z.object({
  referralId: z.uuid(),
  leadId: z.uuid(),
  by: AgencyCode,
  note: z.string().trim().max(2000).optional(),
});
export const ConsentRefused = z.object({
  referralId: z.uuid(),
  leadId: z.uuid(),
  by: AgencyCode,
  reason: z.string().trim().min(1).max(2000),
});
