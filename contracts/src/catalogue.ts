import type { z } from "zod";
import type { Envelope } from "./envelope.ts";
import { AuditCheckpoint } from "./events-audit.ts";
import { BreakGlassObserved, BreakGlassUsed } from "./events-break-glass.ts";
import { CaseClosed, CaseOpened, CaseStepRecorded } from "./events-case.ts";
import {
  CountyReportClosed,
  MajorCaseAcknowledged,
  MajorCaseChased,
  MajorCaseReported,
} from "./events-city.ts";
import { ConsentGiven, ConsentRefused, ConsentRequested } from "./events-consent.ts";
import {
  InformantShredded,
  InformantUnsealed,
  RewardApproved,
  RewardPaid,
  UnsealApproved,
  UnsealRequested,
} from "./events-informant.ts";
import { InspectionFindingsRecorded, InspectionPlanned } from "./events-inspection.ts";
import { LeadDismissed, LeadLinked, LeadReported, LeadShared } from "./events-lead.ts";
import { OfficerRegistered, OfficerRenewed, OfficerRevoked } from "./events-officer.ts";
import {
  AttemptRefused,
  ReferralAccepted,
  ReferralCompleted,
  ReferralOffered,
  ReferralOverdue,
  ReferralReferredOn,
  ReferralReturned,
  ReferralWithdrawn,
} from "./events-referral.ts";
import { ReportSubmitted } from "./events-report.ts";
import {
  SupervisionAnswered,
  SupervisionEscalated,
  SupervisionOrdered,
} from "./events-supervision.ts";
import { WitnessCosignature, WitnessHeadsSent, WitnessRefusal } from "./events-witness.ts";
import { ComparisonFound, ComparisonReidentified, ComparisonRequested } from "./match.ts";

/** The one map from event type to the schema of its `data`. */
export const CATALOGUE = {
  "lead.reported": LeadReported,
  "lead.shared": LeadShared,
  "lead.linked": LeadLinked,
  "lead.dismissed": LeadDismissed,
  "referral.offered": ReferralOffered,
  "referral.accepted": ReferralAccepted,
  "referral.returned": ReferralReturned,
  "referral.withdrawn": ReferralWithdrawn,
  "referral.completed": ReferralCompleted,
  "referral.referred-on": ReferralReferredOn,
  "case.opened": CaseOpened,
  "case.step-recorded": CaseStepRecorded,
  "case.closed": CaseClosed,
  "informant.reward-approved": RewardApproved,
  "informant.reward-paid": RewardPaid,
  "informant.unseal-requested": UnsealRequested,
  "informant.unseal-approved": UnsealApproved,
  "informant.unsealed": InformantUnsealed,
  "informant.shredded": InformantShredded,
  "audit.checkpoint": AuditCheckpoint,
  "break-glass.used": BreakGlassUsed,
  "break-glass.observed": BreakGlassObserved,
  "witness.heads-sent": WitnessHeadsSent,
  "witness.cosigned": WitnessCosignature,
  "witness.refused": WitnessRefusal,
  "attempt.refused": AttemptRefused,
  "supervision.overdue": ReferralOverdue,
  "supervision.ordered": SupervisionOrdered,
  "supervision.answered": SupervisionAnswered,
  "supervision.escalated": SupervisionEscalated,
  "report.submitted": ReportSubmitted,
  "report.closed": CountyReportClosed,
  "major-case.reported": MajorCaseReported,
  "major-case.acknowledged": MajorCaseAcknowledged,
  "major-case.chased": MajorCaseChased,
  "inspection.planned": InspectionPlanned,
  "inspection.findings-recorded": InspectionFindingsRecorded,
  "consent.requested": ConsentRequested,
  "consent.given": ConsentGiven,
  "consent.refused": ConsentRefused,
  "officer.registered": OfficerRegistered,
  "officer.renewed": OfficerRenewed,
  "officer.revoked": OfficerRevoked,
  "comparison.requested": ComparisonRequested,
  "comparison.reidentified": ComparisonReidentified,
  "comparison.found": ComparisonFound,
} as const;

export type EventType = keyof typeof CATALOGUE;
export type EventData<T extends EventType> = z.infer<(typeof CATALOGUE)[T]>;

/** A validated event: the envelope with `type` and `data` tied together. */
export type BusEvent<T extends EventType = EventType> = {
  [K in T]: Omit<Envelope, "type" | "data"> & { type: K; data: EventData<K> };
}[T];

export const EVENT_TYPES = Object.keys(CATALOGUE) as EventType[];

export function isEventType(t: string): t is EventType {
  return Object.hasOwn(CATALOGUE, t);
}

/** Aggregate kind and event types that belong to it. */
export const LEAD_EVENTS = EVENT_TYPES.filter((t) => t.startsWith("lead."));
