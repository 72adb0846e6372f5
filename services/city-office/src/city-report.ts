import {
  type BusEvent,
  type CityReportView,
  countyName,
  FIGURE_LABELS,
  REPORT_STATUS_LABELS,
  ReportMonth,
  ratePercent,
} from "@liandong/contracts";
import {
  type CountyReportState,
  cityReportView,
  countyReportDecider,
  countyReportKey,
  FIGURE_NAMES,
} from "@liandong/domain";
import { type HttpEnv, ProblemError, type ServiceContext } from "@liandong/runtime";
import { Hono } from "hono";

/** The counties' reports as the city's office folds them from its bus, by `month|county`. */
export type CountyReports = Map<string, CountyReportState>;

/** Folds one event into the counties' reports with the aggregate's own `evolve`. */
export function evolveCountyReports(reports: CountyReports, e: BusEvent): void {
  if (e.type !== "report.closed") return;
  const key = countyReportKey(e.data.month, e.data.county);
  const before = reports.get(key) ?? countyReportDecider.initialState();
  const after = countyReportDecider.evolve(before, e);
  if (after !== before) reports.set(key, after);
}

/** The city's report for a month, over the counties its configuration names. */
export function cityReport(
  ctx: Pick<ServiceContext, "config" | "county" | "clock">,
  reports: CountyReports,
  month: string,
): CityReportView {
  const city = ctx.config.city;
  return cityReportView({
    city: ctx.county,
    cityName: countyName(ctx.county, ctx.config.counties),
    month,
    now: ctx.clock(),
    reportDueDays: city?.reportDueDays ?? 5,
    counties: (city?.counties ?? ctx.config.region.neighbours).map((code) => ({
      code,
      name: countyName(code, ctx.config.counties),
    })),
    report: (county) =>
      reports.get(countyReportKey(month, county)) ?? countyReportDecider.initialState(),
  });
}

const field = (v: string | number) => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};
const cst = (iso: string) =>
  new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16).replace("T", " ");

/**
 * The city's report as a spreadsheet opens it (as a county's: UTF-8 with a byte-order mark,
 * CRLF, Chinese headers): a row per county, then 合计, then which counties are late.
 */
export function cityReportCsv(report: CityReportView): string {
  const head = [
    "县（市、区）",
    "代码",
    ...FIGURE_NAMES.map((k) => FIGURE_LABELS[k].zh),
    "查处率",
    "上报状态",
    "上报时间",
    "未按时报送的部门",
  ];
  const rows: (string | number)[][] = report.counties.map((c) => [
    c.name,
    c.county,
    ...FIGURE_NAMES.map((k) => c.figures[k]),
    ratePercent(c.closureRate),
    REPORT_STATUS_LABELS[c.status].zh,
    c.closedAt ? cst(c.closedAt) : "",
    c.flaggedAgencies.join("、"),
  ]);
  rows.push([
    "合计",
    "",
    ...FIGURE_NAMES.map((k) => report.total[k]),
    ratePercent(report.totalClosureRate),
    "",
    "",
    "",
  ]);
  const title: string[] = [
    `${report.cityName}（${report.city}）打击“两非”联合执法月报汇总 ${report.month}（各县应于 ${cst(report.dueBy)} 前上报）`,
  ];
  const late: string[][] = [
    [
      "未按时上报的县",
      ...(report.late.length > 0
        ? report.late.map((c) => report.counties.find((r) => r.county === c)?.name ?? c)
        : ["—"]),
    ],
  ];
  return `\uFEFF${[title, head, ...rows, ...late].map((r) => r.map(field).join(",")).join("\r\n")}\r\n`;
}

/** `GET /city/reports/{month}.json|.csv`: the city's report (汇总上报). */
export function cityReportRoutes(ctx: ServiceContext, reports: CountyReports): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get("/city/reports/:file", (c) => {
    const m = /^(\d{4}-\d{2})\.(csv|json)$/.exec(c.req.param("file"));
    if (!m || !ReportMonth.safeParse(m[1]).success)
      throw new ProblemError(404, "not-found", "未找到该月报汇总", {
        zh: "请求 /city/reports/YYYY-MM.csv 或 .json",
        en: "ask for /city/reports/YYYY-MM.csv or .json",
      });
    const report = cityReport(ctx, reports, m[1]!);
    if (m[2] === "json") return c.json(report);
    return c.body(cityReportCsv(report), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="city-report-${ctx.county}-${m[1]}.csv"`,
    });
  });
  return app;
}
