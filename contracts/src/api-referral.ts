import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { CountyCode } from "./county.ts";
import { DEADLINE_BASES } from "./deadline-basis.ts";
import { ConsentRequested } from "./events-consent.ts";
import { ReferralKind, ReferralSubject } from "./events-referral.ts";
import { EvidenceRef, LeadFacts, Sha256Hex } from "./lead.ts";
import { Text } from "./text.ts";

/** `POST /referrals`: hand a lead or case to another agency (移交). */
export const ReferralOffer = z.object({
  to: AgencyCode,
  /**
   * The county of the addressed agency (属地管理): this county, or a neighbour of its
   * cooperation region. Default: the county where the lead's target is located, when that is
   * a neighbour; otherwise this county.
   */
  toCounty: CountyCode.optional(),
  about: ReferralSubject,
  kind: ReferralKind.default("handling"),
  reason: Text(2000),
  evidence: z.array(EvidenceRef).max(50).default([]),
  /** Defaults: acceptance within 3 days, feedback within 30 days. */
  acceptBy: z.iso.datetime({ offset: true }).optional(),
  completeBy: z.iso.datetime({ offset: true }).optional(),
});
export type ReferralOffer = z.infer<typeof ReferralOffer>;

export const ReferralReason = z.object({ reason: Text(2000) });
export const ReferralFeedback = z.object({
  actions: Text(4000),
  outcome: Text(2000),
});
export const ReferralOnward = z.object({
  to: AgencyCode,
  /** The next agency's county, when it is a neighbour's (属地管理); default this county. */
  toCounty: CountyCode.optional(),
  reason: Text(2000),
});
export type ReferralOnward = z.infer<typeof ReferralOnward>;

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
  /** The hash of the step before it (null for the offer): the order the steps were decided in. */
  prev: Sha256Hex.nullable().optional(),
  /** The county of the agency that took the step, when the referral crosses a county line. */
  county: CountyCode.optional(),
  /**
   * Across a county line the two parties write to two logs, and the addressee's log decides
   * (DESIGN.md, Hand-offs): a sender's withdrawal that crossed the addressee's acceptance on
   * the way is void, kept in the history but without effect.
   */
  void: z.boolean().optional(),
});

/** A referral as either party sees it. */
export const ReferralView = z.object({
  referralId: z.uuid(),
  kind: ReferralKind,
  from: AgencyCode,
  to: AgencyCode,
  /** Set when the referral crosses a county line (区域协作): the sender's county. */
  fromCounty: CountyCode.optional(),
  /** Set when the referral crosses a county line: the addressee's county. */
  toCounty: CountyCode.optional(),
  about: ReferralSubject,
  /** The lead it is about, as the sending agency shares it (never an informant's identity). */
  lead: LeadFacts.optional(),
  reason: z.string(),
  status: ReferralStatus,
  /** 当前持有 (GLOSSARY.md `holder`): the one party that has the matter in hand now. */
  holder: AgencyCode,
  /** Across a county line: the county of the party holding it. */
  holderCounty: CountyCode.optional(),
  /**
   * 待办方: the party whose step is due (the addressee, to accept or return while it is offered
   * and to complete while it is accepted); absent once the referral has ended.
   */
  awaiting: AgencyCode.optional(),
  /** Across a county line: the county of the party whose step is due. */
  awaitingCounty: CountyCode.optional(),
  acceptBy: z.string(),
  /**
   * What `acceptBy` rests on: the county's hand-off deadline (接收期限), or, for a transfer to
   * the judiciary, decree No. 310's filing decision within 3 days (立案决定期限).
   */
  deadlineBasis: z.enum(DEADLINE_BASES).optional(),
  completeBy: z.string(),
  parentReferralId: z.uuid().optional(),
  /** The returned or withdrawn referral this one makes again. */
  resumesReferralId: z.uuid().optional(),
  childReferralId: z.uuid().optional(),
  feedback: ReferralFeedback.optional(),
  history: z.array(HandoffStep),
});
export type ReferralView = z.infer<typeof ReferralView>;

/** `POST /consents/{referralId}/decision`: the originator's answer (reason required to refuse). */
export const ConsentDecision = z
  .object({
    granted: z.boolean(),
    reason: Text(2000).optional(),
  })
  .refine((d) => d.granted || d.reason !== undefined, {
    path: ["reason"],
    message: "a refusal needs a reason",
  });

/**
 * A restricted lead's crossing, waiting for or answered by its originator (跨区转递征求意见).
 * Both the agency that asked and the originator hold it.
 */
export const ConsentView = ConsentRequested.extend({
  status: z.enum(["pending", "given", "refused"]),
  requestedAt: z.iso.datetime({ offset: true }),
  decidedAt: z.iso.datetime({ offset: true }).optional(),
  decisionReason: z.string().optional(),
});
export type ConsentView = z.infer<typeof ConsentView>;
