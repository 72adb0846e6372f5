// What the leading group's office serves (领导小组办公室): the tracker, trails, statistics,
// monthly reports, the inspections it plans and the page's configuration. The shapes are the
// ones the office answers with today; the office's projections build them.
import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { ReferralStatus, ReferralView } from "./api-referral.ts";
import { CountyCode } from "./county.ts";
import { DEADLINE_BASES } from "./deadline-basis.ts";
import { AggregateKind } from "./envelope.ts";
import { BreakGlassObserved, BreakGlassUsed } from "./events-break-glass.ts";
import { InspectionFindings } from "./events-inspection.ts";
import { ReferralDeadline } from "./events-referral.ts";
import { ReportMonth } from "./events-report.ts";
import { LeadSource, Violation } from "./lead.ts";
import { ComparisonFound, MatchRule } from "./match.ts";
import { OfficerName } from "./officer-role.ts";

const Instant = z.string();

/** One referral as the office tracks it (移交督办台账), with its age and whether it is overdue now. */
export const TrackedReferralView = ReferralView.pick({
  referralId: true,
  kind: true,
  from: true,
  to: true,
  fromCounty: true,
  toCounty: true,
  about: true,
  status: true,
  holder: true,
  holderCounty: true,
  awaiting: true,
  awaitingCounty: true,
  acceptBy: true,
  completeBy: true,
  parentReferralId: true,
  resumesReferralId: true,
  childReferralId: true,
}).extend({
  offeredAt: Instant,
  /** When it last changed hands or state. */
  updatedAt: Instant,
  /** What `acceptBy` rests on: the county's deadline, or decree No. 310's (立案决定期限). */
  deadlineBasis: z.enum(DEADLINE_BASES),
  /** The first referral of the chain this one belongs to (itself when it starts one). */
  chainRoot: z.uuid(),
  /** The lead the chain began with, when it began with a lead. */
  chainLead: z.uuid().optional(),
  /** Violations of the lead or case it is about (of its chain's lead, when the case is not known). */
  violations: z.array(Violation),
  /** Deadlines the office's scheduler has recorded as passed, with the instant each was due. */
  overdue: z.partialRecord(ReferralDeadline, Instant),
  /** A recorded deadline passed and not yet met. */
  overdueNow: z.boolean(),
  /** Whole days since the offer, on the office's clock. */
  ageDays: z.number().int(),
});
export type TrackedReferralView = z.infer<typeof TrackedReferralView>;

export const TrackerPage = z.object({
  items: z.array(TrackedReferralView),
  total: z.number().int(),
});

/** `GET /tracker/referrals`: every referral of the county, filtered, newest offer first. */
export const TrackerQuery = z.object({
  agency: z.string().optional(),
  status: ReferralStatus.optional(),
  violation: Violation.optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  overdue: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
  /** The referrals of the chains that began with this lead (a lead's whole chain). */
  lead: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});

/** One lead as the office tracks it: never its contents beyond what tracking needs. */
export const TrackedLeadView = z.object({
  leadId: z.uuid(),
  county: CountyCode,
  originator: AgencyCode,
  source: LeadSource,
  violations: z.array(Violation),
  targetCounty: CountyCode,
  registeredAt: Instant,
  sharedWith: z.array(AgencyCode),
  /** Agencies whose inbox copy is on the bus. */
  deliveredTo: z.array(AgencyCode),
  /** A lead of this county about a neighbour's target: the agencies there it was sent to. */
  sentAcross: z.object({ county: CountyCode, agencies: z.array(AgencyCode) }).optional(),
  /** A neighbour's lead about a target here, shared with this county's agencies. */
  fromNeighbour: z.literal(true).optional(),
  linkedTo: z.array(z.uuid()),
  status: z.enum(["open", "dismissed"]),
  informantOnFile: z.boolean(),
});

export const TrackedLeadPage = z.object({
  items: z.array(TrackedLeadView),
  total: z.number().int(),
});

export const TrackedLeadQuery = z.object({
  agency: z.string().optional(),
  status: z.enum(["open", "dismissed"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});

/** `GET /overview`: leads registered and received, per agency. */
export const Overview = z.object({
  county: CountyCode,
  leads: z.number().int(),
  byAgency: z.record(
    AgencyCode,
    z.object({ registered: z.number().int(), received: z.number().int() }),
  ),
});

/** The verification of a trail's hash chains: sound, or the first bad event. */
export const TrailVerification = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), checked: z.number().int(), head: z.string().nullable() }),
  z.object({
    ok: z.literal(false),
    checked: z.number().int(),
    /** Stream sequence of the first bad event. */
    seq: z.number().int(),
    reason: z.enum(["unreadable", "broken-link", "bad-start"]),
  }),
]);

/** One step of a trail: who did what, when and why. */
export const TrailStep = z.object({
  seq: z.number().int(),
  /** An event type of the catalogue, or `invalid` for an event that does not parse. */
  type: z.string(),
  agency: z.string(),
  actor: z.string(),
  /** The person `actor` stands for (经办人), as the event names them; absent for a service's step. */
  officer: OfficerName.optional(),
  time: z.string(),
  to: AgencyCode.optional(),
  /**
   * Why, as the step gives it. For a refused attempt: in the reader's language (`Accept-Language`)
   * where the record keeps its code's parameters, else the Chinese words the officer was told.
   */
  reason: z.string().optional(),
  /** For a refused attempt: the step tried and why it was refused. */
  attempted: z.string().optional(),
  refused: z.string().optional(),
});
export type TrailStep = z.infer<typeof TrailStep>;

/** `GET /trail/{kind}/{id}`: the whole history of an aggregate, verified (留痕). */
export const Trail = z.object({
  aggregate: z.object({ kind: AggregateKind, id: z.string() }),
  verification: TrailVerification,
  steps: z.array(TrailStep),
  /**
   * A referral's record, folded from the same steps with the domain's record fold (the one every
   * party and the tracker fold): its status, 当前持有 `holder` and 待办方 `awaiting`.
   */
  referral: ReferralView.optional(),
});
export type Trail = z.infer<typeof Trail>;

export const StatisticsQuery = z.object({ month: ReportMonth });

/** A joint inspection as the office tracks it, with each participant's findings. */
export const OfficeInspection = z.object({
  inspectionId: z.uuid(),
  title: z.string(),
  agencies: z.array(AgencyCode),
  targets: z.array(z.object({ kind: z.string(), name: z.string(), county: z.string() })),
  startsOn: z.string(),
  endsOn: z.string(),
  plannedAt: Instant,
  findings: z.record(AgencyCode, InspectionFindings.extend({ recordedAt: Instant })),
});

export const OfficeInspectionList = z.object({
  items: z.array(OfficeInspection),
  total: z.number().int(),
});

/**
 * `POST /audit/break-glass`: an office supervisor records that the break-glass identity (`key`)
 * is about to be used, what for and why (`liandong break-glass` does, before it acts).
 */
export const BreakGlassRequest = BreakGlassUsed;

/** One use of the break-glass identity as the office keeps it (the event on the log). */
export const BreakGlassRecord = BreakGlassUsed.extend({
  /** The event's id and its place in EVENTS. */
  eventId: z.uuid(),
  streamSeq: z.number().int().positive(),
  /** The office officer who recorded it. */
  actor: z.string(),
  at: Instant,
});
export type BreakGlassRecord = z.infer<typeof BreakGlassRecord>;

/** A rewrite of a stream the office saw the server carry out, as it recorded it. */
export const BreakGlassObservedRecord = BreakGlassObserved.extend({
  eventId: z.uuid(),
  streamSeq: z.number().int().positive(),
  at: Instant,
});
export type BreakGlassObservedRecord = z.infer<typeof BreakGlassObservedRecord>;

export const BreakGlassList = z.object({
  items: z.array(BreakGlassRecord),
  total: z.number().int(),
  /** Every rewrite the office saw carried out, newest first; one without `announced` bypassed the CLI. */
  observed: z.array(BreakGlassObservedRecord),
});
export type BreakGlassList = z.infer<typeof BreakGlassList>;

/** `GET /ui/config.json`: the county and the services the page may talk to. */
export const UiConfig = z.object({
  county: CountyCode,
  services: z.array(
    z.object({
      code: AgencyCode,
      name: z.string(),
      /** As a step names its officer: 张三（卫健联络员）. */
      shortName: z.string().optional(),
      /** The service's base URL; empty for the office itself (the page's own origin). */
      url: z.string(),
    }),
  ),
});
export type UiConfig = z.infer<typeof UiConfig>;

/** `GET /comparison/findings`: which month (YYYY-MM) and rule, a page of them. */
export const OfficeFindingQuery = z.object({
  month: ReportMonth.optional(),
  rule: MatchRule.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});

/**
 * One finding of the rules as the office sees it (比对发现): what the comparison service recorded
 * (each side's facts, no pseudonym, no record reference) and the lead its originator registered
 * for it, as the office tracks that lead (null while the originator has not registered it).
 */
export const OfficeFindingView = ComparisonFound.extend({
  foundAt: Instant,
  lead: z
    .object({
      leadId: z.uuid(),
      originator: AgencyCode,
      sharedWith: z.array(AgencyCode),
      deliveredTo: z.array(AgencyCode),
      status: z.enum(["open", "dismissed"]),
    })
    .nullable(),
});
export type OfficeFindingView = z.infer<typeof OfficeFindingView>;

/** `GET /comparison/findings`: the county's findings counted by month and rule, and a page of them. */
export const OfficeFindings = z.object({
  county: CountyCode,
  /** Every month with a finding, newest first: how many, by rule. */
  months: z.array(
    z.object({
      month: ReportMonth,
      total: z.number().int(),
      byRule: z.object(
        Object.fromEntries(MatchRule.options.map((r) => [r, z.number().int()])) as Record<
          MatchRule,
          z.ZodNumber
        >,
      ),
    }),
  ),
  items: z.array(OfficeFindingView),
  total: z.number().int(),
});
export type OfficeFindings = z.infer<typeof OfficeFindings>;
