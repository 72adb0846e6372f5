import {
  type BusEvent,
  countyName,
  FIGURE_LABELS,
  type FigureDifference,
  type MonthlyReportView,
  officerLabel,
  REPORT_STATUS_LABELS,
  ReportMonth,
  type ReportStatus,
  ratePercent,
  StatisticsView,
} from "@liandong/contracts";
import {
  FIGURE_NAMES,
  monthlyReportView,
  type ReportState,
  reportDecider,
  reportKey,
} from "@liandong/domain";
import { type HttpEnv, ProblemError, readQuery, type ServiceContext } from "@liandong/runtime";
import { Hono } from "hono";
import type { Statistics } from "./statistics.ts";

/** The agencies' reports as the office folds them from the bus, by `month|agency`. */
export type Submissions = Map<string, ReportState>;

/** Folds one event into the agencies' reports with the report aggregate's own `evolve`. */
export function evolveSubmissions(s: Submissions, e: BusEvent): void {
  if (e.type !== "report.submitted") return;
  const key = reportKey(e.data.month, e.data.agency);
  const before = s.get(key) ?? reportDecider.initialState();
  const after = reportDecider.evolve(before, e);
  if (after !== before) s.set(key, after);
}

/** Chinese column headers of the county's report and its statuses: the one vocabulary's. */
const HEADERS = (k: (typeof FIGURE_NAMES)[number]) => FIGURE_LABELS[k].zh;
const STATUS_LABEL = (s: ReportStatus) => REPORT_STATUS_LABELS[s].zh;

/** The county's monthly report (月报): each agency's submission beside the bus's figures. */
export function monthlyReport(
  ctx: Pick<ServiceContext, "config" | "county" | "agency" | "clock">,
  stats: Statistics,
  submissions: Submissions,
  month: string,
): MonthlyReportView {
  return monthlyReportView({
    county: ctx.county,
    countyName: countyName(ctx.county, ctx.config.counties),
    month,
    now: ctx.clock(),
    agencies: ctx.config.agencies.filter((a) => a.code !== ctx.agency && a.role !== "office"),
    book: stats.book,
    report: (agency) => submissions.get(reportKey(month, agency)) ?? reportDecider.initialState(),
  });
}

/** RFC 4180 field: quoted when it holds a comma, a quote or a line break. */
const field = (v: string | number) => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** An instant as a clerk in China reads it: `YYYY-MM-DD HH:mm`. */
const cst = (iso: string) =>
  new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16).replace("T", " ");

const differenceText = (ds: readonly FigureDifference[]) =>
  ds.map((d) => `${HEADERS(d.figure)}：报送 ${d.reported}，总线 ${d.compiled}`).join("；");

/**
 * CSV a spreadsheet opens correctly: UTF-8 with a byte-order mark, CRLF, Chinese headers. Each
 * agency's row states what it submitted (or, until it has, the bus's figures, marked), followed
 * by the bus's figures for it when it submitted; the differences and the agency's note at the
 * end of its row. Then the 合计 rows, and how joint inspections are totalled.
 */
export function reportCsv(
  report: MonthlyReportView,
  shortName: (agency: string) => string | undefined = () => undefined,
): string {
  const head = [
    "部门",
    "数据来源",
    ...FIGURE_NAMES.map(HEADERS),
    "查处率",
    "报送状态",
    "报送时间",
    "与总线汇总不一致",
    "备注",
  ];
  const rows: (string | number)[][] = [];
  for (const a of report.agencies) {
    rows.push([
      a.name,
      a.source === "submitted" ? "部门报送" : "总线汇总（未报送）",
      ...FIGURE_NAMES.map((k) => a.figures[k]),
      ratePercent(a.closureRate),
      STATUS_LABEL(a.status),
      a.submitted ? cst(a.submitted.correctedAt ?? a.submitted.submittedAt) : "",
      differenceText(a.differences),
      a.submitted?.note ?? "",
    ]);
    if (a.source === "submitted")
      rows.push([
        a.name,
        "总线汇总",
        ...FIGURE_NAMES.map((k) => a.compiled[k]),
        ratePercent(a.compiledClosureRate),
        "",
        "",
        "",
        "",
      ]);
  }
  const t = report.total;
  rows.push([
    "合计",
    "各部门报送",
    ...FIGURE_NAMES.map((k) => t.figures[k]),
    ratePercent(t.closureRate),
    "",
    "",
    differenceText(t.differences),
    "",
  ]);
  rows.push([
    "合计",
    "总线汇总",
    ...FIGURE_NAMES.map((k) => t.compiled[k]),
    ratePercent(t.compiledClosureRate),
    "",
    "",
    "",
    "",
  ]);
  const title = [
    `${report.countyName}（${report.county}）打击“两非”联合执法月报 ${report.month}（应于 ${report.lastDay} 24:00 前报送）`,
  ];
  const notes = [
    [
      "说明：“各部门报送”未报送的部门按总线汇总计；联合检查合计按次计，多部门参加的同一次检查只计一次；查处率为本月结案数÷本月立案数，本月无立案时记“—”。",
    ],
  ];
  // The signature line: who submitted each agency's figures (经办人), and when.
  const signatures = report.agencies.flatMap((a) =>
    a.submitted
      ? [
          `${a.name}：${officerLabel(a.submitted.submittedBy, a.submitted.submittedByOfficer, shortName(a.agency))} ${cst(a.submitted.correctedAt ?? a.submitted.submittedAt)}`,
        ]
      : [],
  );
  const signed = [["报送人（经办人）签名", ...(signatures.length > 0 ? signatures : ["—"])]];
  return `\uFEFF${[title, head, ...rows, ...signed, ...notes].map((r) => r.map(field).join(",")).join("\r\n")}\r\n`;
}

/** The county's figures (统计) and its monthly report (月报), as JSON or CSV. */
export function reportRoutes(
  ctx: ServiceContext,
  deps: { stats: Statistics; submissions: Submissions },
): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get("/statistics", (c) => {
    const { month } = readQuery(c, StatisticsView.pick({ month: true }));
    const view: StatisticsView = { county: ctx.county, month, rows: deps.stats.month(month) };
    return c.json(view);
  });
  app.get("/reports/:file", (c) => {
    const m = /^(\d{4}-\d{2})\.(csv|json)$/.exec(c.req.param("file"));
    if (!m || !ReportMonth.safeParse(m[1]).success)
      throw new ProblemError(404, "not-found", "未找到该月报", {
        zh: "请求 /reports/YYYY-MM.csv 或 .json",
        en: "ask for /reports/YYYY-MM.csv or .json",
      });
    const report = monthlyReport(ctx, deps.stats, deps.submissions, m[1]!);
    if (m[2] === "json") return c.json(report);
    const shortNames = new Map(ctx.config.agencies.map((a) => [a.code, a.shortName]));
    return c.body(
      reportCsv(report, (a) => shortNames.get(a)),
      200,
      {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="report-${ctx.county}-${m[1]}.csv"`,
      },
    );
  });
  return app;
}
