// The city level (上下联动): what a county's office sends up to its city's office, and what the
// city's office answers down. Each county still owns its data: the city receives only these.
import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { ReportStatus } from "./api-report.ts";
import { CountyCode } from "./county.ts";
import { Sanction } from "./events-case.ts";
import { MonthlyFigures, ReportMonth } from "./events-report.ts";
import { Violation } from "./lead.ts";
import { PlainText, Text } from "./text.ts";

/** The city's leading-group office (市领导小组办公室): the agency code of its service on the city's bus. */
export const CITY_OFFICE = "city-office" as const;

/**
 * A county's office closes its monthly report (月报) and sends it up: the county's figures as its
 * report states them (合计), and each agency's row. Sent again when the county corrects it.
 */
export const CountyReportClosed = z.object({
  month: ReportMonth,
  county: CountyCode,
  /** The county's total (合计) as its report states it. */
  figures: MonthlyFigures,
  agencies: z
    .array(
      z.object({
        agency: AgencyCode,
        name: z.string().min(1).max(100),
        status: ReportStatus,
        figures: MonthlyFigures,
      }),
    )
    .max(50),
  /** The county's agencies that had not reported in time when it closed. */
  flagged: z.array(AgencyCode).max(50),
});

/** Why a case is a major case (重大案件), by the county's configured criteria. */
export const MajorCaseGround = z.enum([
  "transfer-to-judiciary",
  "fine-at-least",
  "institution-licence-revoked",
  "several-counties",
]);
export type MajorCaseGround = z.infer<typeof MajorCaseGround>;

/**
 * A county's office reports a major case to its city's office at once (重大案件及时通报): the
 * case's facts, never an informant's identity nor the case's leads (what the county keeps).
 */
export const MajorCaseReported = z.object({
  caseId: z.uuid(),
  county: CountyCode,
  /** The agency that opened the case. */
  agency: AgencyCode,
  title: z.string().trim().min(1).max(200),
  violations: z.array(Violation).min(1),
  /** Who or what the case is against: kind, name and the county it is in (属地). */
  target: z.object({
    kind: z.enum(["institution", "person"]),
    name: z.string().min(1).max(200),
    county: CountyCode,
  }),
  status: z.enum(["open", "closed"]),
  openedAt: z.iso.datetime({ offset: true }),
  closedAt: z.iso.datetime({ offset: true }).optional(),
  sanctions: z.array(Sanction).max(50),
  grounds: z.array(MajorCaseGround).min(1),
  /** Every county the case involves (the target's, the referrals'). */
  counties: z.array(CountyCode).min(1).max(50),
});

/** The city's office acknowledges a major case reported to it (已收悉). */
export const MajorCaseAcknowledged = z.object({
  caseId: z.uuid(),
  county: CountyCode,
  note: PlainText(1000).optional(),
});

/** The county's office chases an unacknowledged report (催复): `level` 1 for the first. */
export const MajorCaseChased = z.object({
  caseId: z.uuid(),
  county: CountyCode,
  level: z.number().int().min(1).max(99),
});

const Instant = z.iso.datetime({ offset: true });

/** A major case as the county that reported it and the city both show it. */
export const MajorCaseView = z.object({
  facts: MajorCaseReported,
  reportedAt: Instant,
  /** When the facts last changed (reported again). */
  updatedAt: Instant,
  acknowledged: z.boolean(),
  acknowledgedAt: Instant.optional(),
  acknowledgeNote: z.string().optional(),
  /** How often the county chased it unacknowledged. */
  chases: z.number().int().min(0),
  lastChasedAt: Instant.optional(),
});
export const MajorCaseList = z.object({
  items: z.array(MajorCaseView),
  total: z.number().int().min(0),
});

/** `POST /reports/{month}/close` on a county's office: the report as sent up to its city. */
export const CountyReportSent = z.object({
  city: CountyCode,
  status: z.literal("closed"),
  firstClosedAt: Instant,
  closedAt: Instant,
  data: CountyReportClosed,
});

/** `POST /major-cases/{county}/{caseId}/acknowledge` on the city's office (已收悉), with a note. */
export const MajorCaseAcknowledgement = z.object({ note: PlainText(1000).optional() });

/** `POST /orders` on the city's office: an order (督办) to a county's office about a major case it reported. */
export const CityOrderRequest = z.object({
  county: CountyCode,
  caseId: z.uuid(),
  reason: Text(2000),
  /** Days the county has to answer; the city's configured `supervisionAnswerDays` when left out. */
  answerWithinDays: z.number().positive().max(90).optional(),
});
