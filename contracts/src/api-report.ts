// What the monthly report (月报) answers over HTTP: the agency's own report (pre-filled from the
// bus, and what it submitted) and the office's county report. Response shapes, to be registered
// in the OpenAPI document.
import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { ActorId } from "./envelope.ts";
import { FigureName, MonthlyFigures, ReportMonth } from "./events-report.ts";
import { OfficerName } from "./officer-role.ts";

const Instant = z.iso.datetime({ offset: true });
const Count = z.number().int().min(0);

/**
 * A share (0.25 is 25%), or null when it is a share of nothing: 查处率 with no case opened is
 * shown as "—", never as 0% or NaN.
 */
export const Rate = z.number().min(0).nullable();

/** Where an agency's report for a month stands (报送状态). */
export const ReportStatus = z.enum(["submitted", "late", "missing", "pending"]);
export type ReportStatus = z.infer<typeof ReportStatus>;

/** An agency's submitted report, as the agency and the office both fold it from the bus. */
export const SubmittedReport = z.object({
  month: ReportMonth,
  agency: AgencyCode,
  /** The first submission: what timeliness is judged by. */
  submittedAt: Instant,
  /** The latest correction, when it was submitted again with other figures or another note. */
  correctedAt: Instant.optional(),
  /** Who submitted the figures standing now. */
  submittedBy: ActorId,
  /** The person `submittedBy` stands for (经办人), as the submission names them: the report's signature. */
  submittedByOfficer: OfficerName.optional(),
  figures: MonthlyFigures,
  note: z.string().optional(),
});
export type SubmittedReport = z.infer<typeof SubmittedReport>;

/** One figure an agency reported otherwise than the bus shows it. */
export const FigureDifference = z.object({
  figure: FigureName,
  reported: Count,
  compiled: Count,
});
export type FigureDifference = z.infer<typeof FigureDifference>;

/** `GET /reports/{month}` on an agency: its figures pre-filled from the bus, and its submission. */
export const AgencyReportView = z.object({
  month: ReportMonth,
  agency: AgencyCode,
  dueBy: Instant,
  /** Whether the month has begun: a month that has not cannot be submitted. */
  open: z.boolean(),
  status: ReportStatus,
  prefilled: MonthlyFigures,
  submitted: SubmittedReport.optional(),
  /** Where the submission differs from what the bus shows now. */
  differences: z.array(FigureDifference),
});
export type AgencyReportView = z.infer<typeof AgencyReportView>;

/** One agency's row of the county's report. */
export const MonthlyReportRow = z.object({
  agency: AgencyCode,
  name: z.string(),
  status: ReportStatus,
  /**
   * The figures the report states for the agency: what it submitted (`source: "submitted"`), or,
   * until it has, what the bus shows (`"compiled"`, marked as not reported).
   */
  source: z.enum(["submitted", "compiled"]),
  figures: MonthlyFigures,
  closureRate: Rate,
  /** The agency's figures as compiled from the bus, beside what it reported. */
  compiled: MonthlyFigures,
  compiledClosureRate: Rate,
  /** Every figure the submission states otherwise than the bus; empty when none, or none submitted. */
  differences: z.array(FigureDifference),
  submitted: SubmittedReport.optional(),
});
export type MonthlyReportRow = z.infer<typeof MonthlyReportRow>;

/**
 * `GET /reports/{month}.json` on the office: the county's monthly report (月报). Totals are the
 * sums of the rows, except joint inspections (联合检查): each counts once however many agencies
 * took part (the number of distinct inspections on the bus with findings of the month).
 */
export const MonthlyReportView = z.object({
  county: z.string(),
  /** The county's name (县（市、区）), from the current GB/T 2260 list (`countyName`). */
  countyName: z.string(),
  month: ReportMonth,
  /** The first moment a report for the month is late: the 11th of the next month, 00:00 +08:00. */
  dueBy: Instant,
  /** The last day to report, as a clerk reads it (`YYYY-MM-DD`, China's time). */
  lastDay: z.iso.date(),
  generatedAt: Instant,
  agencies: z.array(MonthlyReportRow),
  total: z.object({
    figures: MonthlyFigures,
    closureRate: Rate,
    compiled: MonthlyFigures,
    compiledClosureRate: Rate,
    differences: z.array(FigureDifference),
  }),
  /** Agencies that have not reported in time (late, or missing once due). */
  flagged: z.array(AgencyCode),
  /** Agencies whose submitted figures differ from the bus. */
  discrepant: z.array(AgencyCode),
});
export type MonthlyReportView = z.infer<typeof MonthlyReportView>;

/** `GET /statistics?month=` on the office: a row per agency and violation (`all`: every one). */
export const StatisticsView = z.object({
  county: z.string(),
  month: ReportMonth,
  rows: z.array(
    z.object({
      agency: AgencyCode,
      /** A violation, or `all` for every violation together. */
      violation: z.string(),
      figures: MonthlyFigures,
      closureRate: Rate,
    }),
  ),
});
export type StatisticsView = z.infer<typeof StatisticsView>;

/** One county's row of the city's report (汇总上报): what the county sent up, and when. */
export const CityReportRow = z.object({
  county: z.string(),
  name: z.string(),
  /** submitted: in time; late; missing: due and not sent up; pending: not due yet. */
  status: ReportStatus,
  closedAt: Instant.optional(),
  /** The county's total as it sent it up; zeros until it has. */
  figures: MonthlyFigures,
  closureRate: Rate,
  /** The county's agencies that had not reported in time when it closed. */
  flaggedAgencies: z.array(AgencyCode),
});
export type CityReportRow = z.infer<typeof CityReportRow>;

/** `GET /city/reports/{month}.json` on the city's office: every county's figures, 合计, the late. */
export const CityReportView = z.object({
  city: z.string(),
  cityName: z.string(),
  month: ReportMonth,
  /** The first moment a county's report is late at the city. */
  dueBy: Instant,
  generatedAt: Instant,
  counties: z.array(CityReportRow),
  /** 合计: the sum of the counties' totals as sent up. */
  total: MonthlyFigures,
  totalClosureRate: Rate,
  /** Counties that have not sent their report up in time (late, or missing once due). */
  late: z.array(z.string()),
});
export type CityReportView = z.infer<typeof CityReportView>;
