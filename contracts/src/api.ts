import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { SharedAcross } from "./events-lead.ts";
import {
  EvidenceRef,
  HandlingRestriction,
  LeadFacts,
  LeadSource,
  Target,
  TargetInput,
  Violation,
} from "./lead.ts";
import { OfficerRole } from "./officer-role.ts";
import { Text } from "./text.ts";

/** Mainland resident ID number (18 characters, last may be X). */
const IdNumber = z.string().regex(/^\d{17}[\dX]$/, "ID number: 18 characters");

/**
 * The informant's identity, as the receiving officer records it. It is sealed in the
 * receiving agency's own store and never leaves it; the bus carries an opaque reference.
 */
export const InformantDetails = z.object({
  name: Text(100),
  phone: z
    .string()
    .regex(/^\+?[0-9-]{5,20}$/, "phone: digits")
    .optional(),
  idNumber: IdNumber.optional(),
  rewardEligible: z.boolean().default(true),
});
export type InformantDetails = z.infer<typeof InformantDetails>;

/** `POST /leads`: a liaison officer registers a lead (线索登记). */
export const LeadRegistration = z.object({
  source: LeadSource,
  violations: z.array(Violation).min(1),
  target: TargetInput,
  summary: Text(4000),
  evidence: z.array(EvidenceRef).max(50).default([]),
  observedAt: z.iso.datetime({ offset: true }).optional(),
  informant: InformantDetails.optional(),
  handling: z.array(HandlingRestriction).default([]),
});
export type LeadRegistration = z.infer<typeof LeadRegistration>;

export const LeadRegistered = z.object({
  leadId: z.uuid(),
  sharedWith: z.array(AgencyCode),
  /** The target's county, when it is a neighbour's, and the agencies there it went to. */
  sharedAcross: SharedAcross.optional(),
  /** An earlier lead about the same target inside the duplicate window, if any. */
  possibleDuplicateOf: z.uuid().optional(),
  informantRef: z.string().optional(),
});
export type LeadRegistered = z.infer<typeof LeadRegistered>;

export const LeadStatus = z.enum(["open", "dismissed"]);

/** A lead as the originating agency sees it. */
export const LeadView = LeadFacts.extend({
  originator: AgencyCode,
  county: z.string(),
  registeredAt: z.iso.datetime({ offset: true }),
  registeredBy: z.string(),
  sharedWith: z.array(AgencyCode),
  sharedAcross: SharedAcross.optional(),
  linkedTo: z.array(z.uuid()),
  status: LeadStatus,
});
export type LeadView = z.infer<typeof LeadView>;

/** One entry of an agency's inbox (收件箱): a lead shared with it. */
export const InboxItem = z.object({
  leadId: z.uuid(),
  from: AgencyCode,
  county: z.string(),
  reason: z.string(),
  receivedAt: z.iso.datetime({ offset: true }),
  lead: LeadFacts,
  linkedTo: z.array(z.uuid()),
  status: LeadStatus,
});
export type InboxItem = z.infer<typeof InboxItem>;

export const InboxPage = z.object({ items: z.array(InboxItem), total: z.number().int() });

export const LeadDismissal = z.object({ reason: Text(1000) });

/** `GET /me`: the officer a bearer token belongs to (every service; the web page's login). */
export const OfficerSelf = z.object({
  id: z.string(),
  agency: AgencyCode,
  name: z.string(),
  supervisor: z.boolean(),
  county: z.string(),
  /** A named officer's role (经办人); the demo's role tokens have none. */
  role: OfficerRole.optional(),
});
export type OfficerSelf = z.infer<typeof OfficerSelf>;

/** How one service of the county stands, as the office last saw it (its `/readyz`, the status strip). */
export const CountyServiceStatus = z.object({
  service: AgencyCode,
  ready: z.boolean(),
  /** Since when it has been ready, or not (ISO 8601). */
  since: z.iso.datetime({ offset: true }),
  /** How often it was started again: as its launcher says, or as the office saw it happen. */
  restarts: z.number().int().min(0),
  /** Why it is not ready when it cannot say so itself: not reachable, or not asked yet. */
  reason: z.enum(["unreachable", "not-asked"]).optional(),
});
export type CountyServiceStatus = z.infer<typeof CountyServiceStatus>;

export const Health = z.object({
  status: z.enum(["ok", "unavailable"]),
  service: z.string(),
  checks: z.record(z.string(), z.boolean()),
  /** `/readyz`: since when it has been ready, or not (ISO 8601). */
  since: z.iso.datetime({ offset: true }).optional(),
  /** `/readyz`: when this process started (ISO 8601); a new one means it was started again. */
  startedAt: z.iso.datetime({ offset: true }).optional(),
  /** `/readyz`: how often its launcher started it again after a crash. */
  restarts: z.number().int().min(0).optional(),
  /** The office's `/readyz`: every service of the county, the office first. */
  county: z.array(CountyServiceStatus).optional(),
});

export { EvidenceRef, Target, Violation };

export const RewardApproval = z.object({
  amountYuan: z.number().int().positive(),
  reason: Text(1000),
});
export const RewardPayment = z.object({ amountYuan: z.number().int().positive() });
export const UnsealRequest = z.object({ reason: Text(1000) });
/** `POST /informants/{ref}/shredding`: a supervisor destroys the identity (PIPL deletion). */
export const InformantShredding = z.object({ reason: Text(1000) });
