import {
  type Agency,
  type AgencyCode,
  type AgencyReportView,
  lastDayToReport,
  type MonthlyReportRow,
  type MonthlyReportView,
  monthHasBegun,
  reportDueBy,
} from "@liandong/contracts";
import {
  closureRate,
  countyTotal,
  type FiguresBook,
  figureDifferences,
  figuresOf,
} from "./figures.ts";
import { type ReportState, reportStatus } from "./report.ts";

/**
 * Pure: the county's monthly report (月报) as the office signs it. Each agency's row states what
 * the agency submitted, beside what the bus shows, with every difference named; an agency that
 * has not submitted is shown with the bus's figures, marked as such. The total is the sum of the
 * rows, joint inspections counted once.
 */
export function monthlyReportView(input: {
  county: string;
  countyName: string;
  month: string;
  now: Date;
  /** The agencies that report: every agency of the county but the office. */
  agencies: readonly Pick<Agency, "code" | "name">[];
  book: FiguresBook;
  report: (agency: AgencyCode) => ReportState;
}): MonthlyReportView {
  const { book, month, now } = input;
  const rows: MonthlyReportRow[] = input.agencies.map((a) => {
    const compiled = figuresOf(book, month, a.code);
    const state = input.report(a.code);
    const submitted = state.status === "submitted" ? state : undefined;
    const figures = submitted ? { ...submitted.figures } : compiled;
    let sub: MonthlyReportRow["submitted"];
    if (submitted) {
      const { status: _status, ...report } = submitted;
      sub = report;
    }
    return {
      agency: a.code,
      name: a.name,
      status: reportStatus(state, month, now),
      source: submitted ? "submitted" : "compiled",
      figures,
      closureRate: closureRate(figures),
      compiled,
      compiledClosureRate: closureRate(compiled),
      differences: submitted ? figureDifferences(figures, compiled) : [],
      ...(sub ? { submitted: sub } : {}),
    };
  });
  const codes = rows.map((r) => r.agency);
  const figures = countyTotal(
    book,
    month,
    codes,
    rows.map((r) => r.figures),
  );
  const compiled = countyTotal(book, month, codes);
  return {
    county: input.county,
    countyName: input.countyName,
    month,
    dueBy: reportDueBy(month),
    lastDay: lastDayToReport(month),
    generatedAt: now.toISOString(),
    agencies: rows,
    total: {
      figures,
      closureRate: closureRate(figures),
      compiled,
      compiledClosureRate: closureRate(compiled),
      differences: figureDifferences(figures, compiled),
    },
    flagged: rows.filter((r) => r.status === "missing" || r.status === "late").map((r) => r.agency),
    discrepant: rows.filter((r) => r.differences.length > 0).map((r) => r.agency),
  };
}

/** Pure: an agency's own report for a month: pre-filled from the bus, and what it submitted. */
export function agencyReportView(input: {
  agency: AgencyCode;
  month: string;
  now: Date;
  book: FiguresBook;
  report: ReportState;
}): AgencyReportView {
  const { agency, month, now, report } = input;
  const prefilled = figuresOf(input.book, month, agency);
  let submitted: AgencyReportView["submitted"];
  if (report.status === "submitted") {
    const { status: _status, ...rest } = report;
    submitted = rest;
  }
  return {
    month,
    agency,
    dueBy: reportDueBy(month),
    open: monthHasBegun(month, now),
    status: reportStatus(report, month, now),
    prefilled,
    ...(submitted ? { submitted } : {}),
    differences: submitted ? figureDifferences(submitted.figures, prefilled) : [],
  };
}
