import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { PlainText } from "./text.ts";

/** A month of the campaign's calendar (China Standard Time), `YYYY-MM`. */
export const ReportMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "month: YYYY-MM");

const Count = z.number().int().min(0);

/** The monthly figures (月报) of one agency, as compiled from the bus and as it reports them. */
export const MonthlyFigures = z.object({
  leadsRegistered: Count,
  leadsReceived: Count,
  casesOpened: Count,
  casesClosed: Count,
  finesYuan: Count,
  revocations: Count,
  judiciaryTransfers: Count,
  referralsOverdue: Count,
  inspections: Count,
  institutionsChecked: Count,
  devicesSealed: Count,
  drugsConfiscated: Count,
});
export type MonthlyFigures = z.infer<typeof MonthlyFigures>;

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

/** Reports for a month are due before the 10th of the next month (China Standard Time). */
export function reportDueBy(month: string): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
  return new Date(`${next}-10T00:00:00+08:00`).toISOString();
}

/** The month (China Standard Time, UTC+8) an instant falls in. */
export function monthOf(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 7);
}
