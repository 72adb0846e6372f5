import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { PlainText } from "./text.ts";

export {
  lastDayToReport,
  monthHasBegun,
  monthOf,
  monthStart,
  nextMonth,
  previousMonth,
  ratePercent,
  reportDueBy,
  reportingMonth,
} from "./report-calendar.ts";

/** A month of the campaign's calendar (China Standard Time), `YYYY-MM`. */
export const ReportMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "month: YYYY-MM");

const Count = z.number().int().min(0);

/**
 * The monthly figures (月报) of one agency, as compiled from the bus and as it reports them. What
 * each counts, and in which month, is `figureFact` in the domain (services/domain/src/report).
 */
export const MonthlyFigures = z.object({
  leadsRegistered: Count,
  leadsReceived: Count,
  casesOpened: Count,
  casesClosed: Count,
  finesYuan: Count,
  revocations: Count,
  judiciaryTransfers: Count,
  referralsOverdue: Count,
  /** Joint inspections the agency recorded findings of; in a county's total each counts once. */
  inspections: Count,
  institutionsChecked: Count,
  devicesSealed: Count,
  drugsConfiscated: Count,
});
export type MonthlyFigures = z.infer<typeof MonthlyFigures>;
/** One of the monthly figures, by name. */
export const FigureName = MonthlyFigures.keyof();
export type FigureName = z.infer<typeof FigureName>;

/** An agency submits its monthly report (pre-filled from the bus, confirmed or corrected). */
export const ReportSubmitted = z.object({
  month: ReportMonth,
  agency: AgencyCode,
  figures: MonthlyFigures,
  note: PlainText(2000).optional(),
});

/** Body of an agency's submission. */
export const ReportSubmission = z.object({
  figures: MonthlyFigures,
  note: PlainText(2000).optional(),
});
