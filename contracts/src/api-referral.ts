import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { ReferralKind, ReferralSubject } from "./events-referral.ts";
import { EvidenceRef, Sha256Hex } from "./lead.ts";

/** `POST /referrals`: hand a lead or case to another agency (移交). */
export const ReferralOffer = z.object({
  to: AgencyCode,
  about: ReferralSubject,
  kind: ReferralKind.default("handling"),
  reason: z.string().trim().min(1).max(2000),
  evidence: z.array(EvidenceRef).max(50).default([]),
  /** Defaults: acceptance within 3 days, feedback within 30 days. */
  acceptBy: z.iso.datetime({ offset: true }).optional(),
  completeBy: z.iso.datetime({ offset: true }).optional(),
});
export type ReferralOffer = z.infer<typeof ReferralOffer>;

export const ReferralReason = z.object({ reason: z.string().trim().min(1).max(2000) });
export const ReferralFeedback = z.object({
  actions: z.string().trim().min(1).max(4000),
  outcome: z.string().trim().min(1).max(2000),
});
export const ReferralOnward = z.object({
  to: AgencyCode,
  reason: z.string().trim().min(1).max(2000),
});

export const ReferralStatus = z.enum([
  "offered",
  "accepted",
  "returned",
  "withdrawn",
  "completed",
  "referred-on",
]);
export type ReferralStatus = z.infer<typeof ReferralStatus>;

/** One step of a referral's history, as both parties record it. */
export const HandoffStep = z.object({
  eventId: z.uuid(),
  type: z.string(),
  agency: AgencyCode,
  actor: z.string(),
  at: z.iso.datetime({ offset: true }),
  /** Stream sequence of the event on EVENTS: the order the bus decided. */
  seq: z.number().int(),
  /** SHA-256 of the stored event: the next step links to it. */
  hash: Sha256Hex,
  reason: z.string().optional(),
});

/** A referral as either party sees it. */
export const ReferralView = z.object({
  referralId: z.uuid(),
  kind: ReferralKind,
  from: AgencyCode,
  to: AgencyCode,
  about: ReferralSubject,
  reason: z.string(),
  status: ReferralStatus,
  /** The one party holding it now. */
  holder: AgencyCode,
  acceptBy: z.string(),
  completeBy: z.string(),
  parentReferralId: z.uuid().optional(),
  childReferralId: z.uuid().optional(),
  feedback: ReferralFeedback.optional(),
  history: z.array(HandoffStep),
});
export type ReferralView = z.infer<typeof ReferralView>;
