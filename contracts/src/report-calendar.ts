// The monthly report's calendar (月报), in China's time (Asia/Shanghai, UTC+8 all year: China
// keeps no daylight saving time). No imports, not even zod: the web page bundles this file as it
// is, so that the page, the agencies and the office count months and deadlines the same way.

const CST_MS = 8 * 3_600_000;

/** Midnight, China's time, at the start of `month` (`YYYY-MM`), as epoch milliseconds. */
export function monthStart(month: string): number {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return Date.UTC(y, m - 1, 1) - CST_MS;
}

/** The month after `month`. */
export function nextMonth(month: string): string {
  return monthAt(monthStart(month) + 32 * 86_400_000);
}

/** The month before `month`. */
export function previousMonth(month: string): string {
  return monthAt(monthStart(month) - 1);
}

function monthAt(ms: number): string {
  return new Date(ms + CST_MS).toISOString().slice(0, 7);
}

/**
 * The month (China's time) an instant falls in. An instant in UTC (`…Z`, as `toISOString`
 * writes every event's time) is read from its digits unless it lies within 8 hours of a month's
 * end; anything else goes through `Date`.
 */
export function monthOf(iso: string): string {
  // YYYY-MM-DDTHH…Z: before 16:00 UTC, or before the 28th, the month in China is the same.
  if (iso.length >= 20 && iso.charCodeAt(iso.length - 1) === 90 /* Z */ && iso[10] === "T") {
    const day = (iso.charCodeAt(8) - 48) * 10 + (iso.charCodeAt(9) - 48);
    const hour = (iso.charCodeAt(11) - 48) * 10 + (iso.charCodeAt(12) - 48);
    if (hour < 16 || day < 28) return iso.slice(0, 7);
  }
  return monthAt(Date.parse(iso));
}

/**
 * When the report for `month` is due: by the end of the 10th of the next month in China's time
 * (每月10日前报送, read as "on the 10th at the latest"), i.e. before the 11th at 00:00 +08:00.
 * The instant returned is the first moment that is too late, in UTC (ISO 8601).
 */
export function reportDueBy(month: string): string {
  return new Date(monthStart(nextMonth(month)) + 10 * 86_400_000).toISOString();
}

/** Whether `month` has begun at `now`: a month that has not cannot be reported on. */
export function monthHasBegun(month: string, now: Date): boolean {
  return now.getTime() >= monthStart(month);
}

/**
 * The month whose report is due next at `now`: the month before until its report falls due (the
 * 1st to the 10th), this month after that. The page opens the report at this month, for the
 * agencies and the office alike.
 */
export function reportingMonth(now: Date): string {
  const previous = previousMonth(monthAt(now.getTime()));
  return now.getTime() < Date.parse(reportDueBy(previous)) ? previous : monthAt(now.getTime());
}

/** The last day a report may come in, as a clerk reads it (China's time, `YYYY-MM-DD`). */
export function lastDayToReport(month: string): string {
  return new Date(Date.parse(reportDueBy(month)) - 1 + CST_MS).toISOString().slice(0, 10);
}

/** A share as a clerk reads it (`50.0%`); a share of nothing (null) is "—", never 0% or NaN. */
export function ratePercent(rate: number | null): string {
  return rate === null ? "—" : `${(rate * 100).toFixed(1)}%`;
}
