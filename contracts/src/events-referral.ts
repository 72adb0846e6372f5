import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { EvidenceRef, LeadFacts } from "./lead.ts";
import { SaidParams } from "./said.ts";

/** What a referral hands over: a lead or a case. */
export const ReferralSubject = z.object({ kind: z.enum(["lead", "case"]), id: z.uuid() });

/**
 * `handling`: an agency passes a lead or case to another for action (移交/转办).
 * `judiciary`: a criminal case transferred to the judiciary (移送司法机关, decree No. 310).
 */
export const ReferralKind = z.enum(["handling", "judiciary"]);
export type ReferralKind = z.infer<typeof ReferralKind>;

export const ReferralOffered = z.object({
  referralId: z.uuid(),
  kind: ReferralKind,
  from: AgencyCode,
  to: AgencyCode,
  about: ReferralSubject,
  reason: z.string().trim().min(1).max(2000),
  /** Acceptance expected before this instant (ISO 8601). */
  acceptBy: z.iso.datetime({ offset: true }),
  /** Feedback expected before this instant (ISO 8601). */
  completeBy: z.iso.datetime({ offset: true }),
  evidence: z.array(EvidenceRef).max(50).default([]),
  /** The referral this one continues, when it is referred on (a chain). */
  parentReferralId: z.uuid().optional(),
  /**
   * The returned or withdrawn referral this one makes again (再次移交): the chain goes on across
   * a return as it does across an onward step.
   */
  resumesReferralId: z.uuid().optional(),
  /**
   * The lead it is about (its facts), so that the addressee, in this county or a neighbour's,
   * has what it needs to act. Never an informant's identity.
   */
  lead: LeadFacts.optional(),
});

export const ReferralAccepted = z.object({ referralId: z.uuid(), by: AgencyCode });
export const ReferralReturned = z.object({
  referralId: z.uuid(),
  by: AgencyCode,
  reason: z.string().trim().min(1).max(2000),
});
export const ReferralWithdrawn = z.object({
  referralId: z.uuid(),
  by: AgencyCode,
  reason: z.string().trim().min(1).max(2000),
});
export const ReferralCompleted = z.object({
  referralId: z.uuid(),
  by: AgencyCode,
  /** 办理结果反馈: what was done and what came of it. */
  feedback: z.object({
    actions: z.string().trim().min(1).max(4000),
    outcome: z.string().trim().min(1).max(2000),
  }),
});
export const ReferralReferredOn = z.object({
  referralId: z.uuid(),
  by: AgencyCode,
  childReferralId: z.uuid(),
  to: AgencyCode,
});

/** The steps an officer can attempt on a referral. */
export const ReferralStep = z.enum([
  "offer",
  "accept",
  "return",
  "withdraw",
  "complete",
  "refer-on",
]);

/**
 * An attempted step the agency refused (未予受理的操作): not this party's step (`forbidden`),
 * or no longer possible because another step came first (`conflict`). Recorded on the bus, on
 * the attempting agency's own `attempt` aggregate for the referral (`attemptAggregateId`), so
 * that the referral's trail shows it without moving the referral's own chain.
 */
export const AttemptRefused = z.object({
  referralId: z.uuid(),
  by: AgencyCode,
  attempted: ReferralStep,
  refused: z.enum(["forbidden", "conflict"]),
  /** Why, in Chinese: what the agency's officer was told. */
  message: z.string().max(1000),
  /** The domain's code of the refusal (its catalogue `REFUSALS`), stable whatever the words. */
  code: z.string().max(80).optional(),
  /**
   * The code's parameters, when `message` is exactly what the code says with them (present, if
   * empty, for a code without any): the trail says it in its reader's language. Absent on older
   * records, and where the refusal rests on another: their `message` is shown as it is.
   */
  params: SaidParams.optional(),
  /** The referral's status when the step was refused. */
  statusSeen: z.string().max(40),
});

/** Which deadline a referral has passed. */
export const ReferralDeadline = z.enum(["acceptance", "feedback"]);
export type ReferralDeadline = z.infer<typeof ReferralDeadline>;

/**
 * The office's scheduler found a referral past a deadline (逾期): acceptance while still
 * offered, or feedback while still accepted. Recorded once per referral and deadline, on the
 * office's own `supervision` aggregate for that referral.
 */
export const ReferralOverdue = z.object({
  referralId: z.uuid(),
  deadline: ReferralDeadline,
  dueAt: z.iso.datetime({ offset: true }),
  /** The agency holding the referral when the deadline passed (当前持有). */
  holder: AgencyCode,
  /**
   * The agency whose step was due (待办方): the addressee, to accept or to feed back. The overdue
   * is counted against it. Absent in events recorded before it was added: then `holder`, which
   * those events set to the addressee.
   */
  awaiting: AgencyCode.optional(),
  statusSeen: z.string().max(40),
});
