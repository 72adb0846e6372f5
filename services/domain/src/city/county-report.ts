import {
  type AgencyCode,
  type CityReportView,
  type EventData,
  type MonthlyFigures,
  monthHasBegun,
  OFFICE,
  reportDueBy,
} from "@liandong/contracts";
import { type Decider, type Refusal, refuse } from "../decider.ts";
import { closureRate, FIGURE_NAMES, NO_FIGURES } from "../report/figures.ts";
import { timeliness } from "../report/report.ts";

/** A county's monthly report as sent up to its city (汇总上报): not yet, or as it stands. */
export type CountyReportState =
  | { status: "none" }
  | {
      status: "closed";
      /** The first sending: what timeliness at the city is judged by. */
      firstClosedAt: string;
      closedAt: string;
      data: EventData<"report.closed">;
    };

export type CountyReportEvent = {
  type: "report.closed";
  /** When it was recorded (ISO 8601): the command's `now`, the envelope's `time`. */
  time: string;
  /** The county and agency that recorded it (the envelope's, authenticated by the subject). */
  county: string;
  agency: AgencyCode;
  data: EventData<"report.closed">;
};

export type CountyReportCommand = {
  type: "close";
  /** Who closes: an agency of a county. */
  actor: { agency: AgencyCode; county: string };
  report: EventData<"report.closed">;
  now: Date;
};

const initialState = (): CountyReportState => ({ status: "none" });

const same = (a: EventData<"report.closed">, b: EventData<"report.closed">) =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * Pure: a county's report sent up, or why not. Only the county's own office closes its report,
 * for a month that has begun; sending again what stands records nothing; a correction is sent
 * again and replaces it (the first sending stays what timeliness is judged by).
 */
export function decide(
  cmd: CountyReportCommand,
  state: CountyReportState,
): CountyReportEvent[] | Refusal {
  if (cmd.actor.agency !== OFFICE) return refuse("forbidden", "county-report.by-office");
  if (cmd.actor.county !== cmd.report.county)
    return refuse("forbidden", "county-report.own-county", "county");
  if (!monthHasBegun(cmd.report.month, cmd.now))
    return refuse("invalid", "county-report.month-not-begun", "month");
  if (state.status === "closed" && same(state.data, cmd.report)) return [];
  return [
    {
      type: "report.closed",
      time: cmd.now.toISOString(),
      county: cmd.actor.county,
      agency: cmd.actor.agency,
      data: cmd.report,
    },
  ];
}

/**
 * Pure: the report after one of its events. Only a county's office speaks for the county, for its
 * own county; an event no newer than the one folded has been folded already (at least once).
 */
export function evolve(state: CountyReportState, e: CountyReportEvent): CountyReportState {
  if (e.type !== "report.closed" || e.agency !== OFFICE || e.county !== e.data.county) return state;
  if (state.status === "closed") {
    if (state.data.county !== e.data.county || state.data.month !== e.data.month) return state;
    if (Date.parse(e.time) <= Date.parse(state.closedAt)) return state;
  }
  return {
    status: "closed",
    firstClosedAt: state.status === "closed" ? state.firstClosedAt : e.time,
    closedAt: e.time,
    data: e.data,
  };
}

export const countyReportDecider: Decider<
  CountyReportState,
  CountyReportCommand,
  CountyReportEvent
> = { decide, evolve, initialState };

/** The key of a county's report for a month, as a city holds them (`month|county`). */
export const countyReportKey = (month: string, county: string) => `${month}|${county}`;

/** When a county's report for `month` is due at its city: `reportDueDays` after its agencies'. */
export function cityReportDueBy(month: string, reportDueDays: number): string {
  return new Date(Date.parse(reportDueBy(month)) + reportDueDays * 86_400_000).toISOString();
}

const sum = (rows: readonly MonthlyFigures[]): MonthlyFigures =>
  Object.fromEntries(
    FIGURE_NAMES.map((k) => [k, rows.reduce((n, f) => n + f[k], 0)]),
  ) as MonthlyFigures;

/**
 * Pure: the city's report for a month (汇总上报): each county's total as it sent it up (zeros
 * until it has), their sum (合计), and the counties late or missing. A joint inspection is one
 * county's: the counties' inspections add up.
 */
export function cityReportView(input: {
  city: string;
  cityName: string;
  month: string;
  now: Date;
  reportDueDays: number;
  counties: readonly { code: string; name: string }[];
  report: (county: string) => CountyReportState;
}): CityReportView {
  const dueBy = cityReportDueBy(input.month, input.reportDueDays);
  const counties = input.counties.map((c) => {
    const state = input.report(c.code);
    const closed = state.status === "closed" ? state : undefined;
    const figures = closed ? { ...closed.data.figures } : { ...NO_FIGURES };
    return {
      county: c.code,
      name: c.name,
      status: timeliness(dueBy, closed?.firstClosedAt, input.now),
      ...(closed ? { closedAt: closed.closedAt } : {}),
      figures,
      closureRate: closureRate(figures),
      flaggedAgencies: closed ? [...closed.data.flagged] : [],
    };
  });
  const total = sum(counties.map((c) => c.figures));
  return {
    city: input.city,
    cityName: input.cityName,
    month: input.month,
    dueBy,
    generatedAt: input.now.toISOString(),
    counties,
    total,
    totalClosureRate: closureRate(total),
    late: counties
      .filter((c) => c.status === "late" || c.status === "missing")
      .map((c) => c.county),
  };
}
