import { type BusEvent, type MonthlyFigures, ReportMonth, reportDueBy } from "@liandong/contracts";
import {
  type HttpEnv,
  officerAuth,
  ProblemError,
  readQuery,
  type ServiceContext,
} from "@liandong/runtime";
import type { Hono } from "hono";
import { z } from "zod";
import { closureRate, FIGURES, type Statistics } from "./statistics.ts";

type Submission = { submittedAt: string; figures: MonthlyFigures; note?: string | undefined };
/** Agencies' submitted reports, by `month|agency`; the first submission counts for timeliness. */
export type Submissions = Map<string, Submission>;

export function evolveSubmissions(s: Submissions, e: BusEvent): void {
  if (e.type !== "report.submitted" || e.data.agency !== e.agency) return;
  const key = `${e.data.month}|${e.agency}`;
  const first = s.get(key);
  s.set(key, {
    submittedAt: first?.submittedAt ?? e.time,
    figures: e.data.figures,
    ...(e.data.note ? { note: e.data.note } : {}),
  });
}

/** Chinese column headers of the county's report, in the order of `FIGURES`. */
const HEADERS: Record<(typeof FIGURES)[number], string> = {
  leadsRegistered: "登记线索",
  leadsReceived: "接收线索",
  casesOpened: "立案",
  casesClosed: "结案",
  finesYuan: "罚没款（元）",
  revocations: "吊销证照",
  judiciaryTransfers: "移送司法机关",
  referralsOverdue: "逾期移交",
  inspections: "联合检查",
  institutionsChecked: "检查机构",
  devicesSealed: "封存B超机",
  drugsConfiscated: "查扣药品（盒）",
};
const STATUS_LABEL = {
  submitted: "已按时报送",
  late: "逾期报送",
  missing: "未报送（已逾期）",
  pending: "未报送",
} as const;

/** The county's monthly report (月报): compiled figures, each agency's submission status. */
export function monthlyReport(
  ctx: ServiceContext,
  stats: Statistics,
  submissions: Submissions,
  month: string,
) {
  const dueBy = reportDueBy(month);
  const now = ctx.clock().getTime();
  const agencies = ctx.config.agencies
    .filter((a) => a.code !== ctx.agency)
    .map((a) => {
      const figures = stats.figures(month, a.code);
      const sub = submissions.get(`${month}|${a.code}`);
      const status = sub
        ? Date.parse(sub.submittedAt) < Date.parse(dueBy)
          ? "submitted"
          : "late"
        : now >= Date.parse(dueBy)
          ? "missing"
          : "pending";
      return {
        agency: a.code,
        name: a.name,
        figures,
        closureRate: closureRate(figures),
        status,
        ...(sub ? { submitted: sub } : {}),
      };
    });
  const total = Object.fromEntries(
    FIGURES.map((k) => [k, agencies.reduce((n, a) => n + a.figures[k], 0)]),
  ) as MonthlyFigures;
  return {
    county: ctx.county,
    month,
    dueBy,
    generatedAt: new Date(now).toISOString(),
    agencies,
    total: { figures: total, closureRate: closureRate(total) },
    /** Agencies that have not reported although the report is due. */
    flagged: agencies
      .filter((a) => a.status === "missing" || a.status === "late")
      .map((a) => a.agency),
  };
}

/** RFC 4180 field: quoted when it holds a comma, a quote or a line break. */
const field = (v: string | number) => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** CSV a spreadsheet opens correctly: UTF-8 with a byte-order mark, CRLF, Chinese headers. */
export function reportCsv(report: ReturnType<typeof monthlyReport>): string {
  const head = ["部门", ...FIGURES.map((k) => HEADERS[k]), "查处率", "报送状态"];
  const rows = report.agencies.map((a) => [
    a.name,
    ...FIGURES.map((k) => a.figures[k]),
    `${(a.closureRate * 100).toFixed(1)}%`,
    STATUS_LABEL[a.status as keyof typeof STATUS_LABEL],
  ]);
  rows.push([
    "合计",
    ...FIGURES.map((k) => report.total.figures[k]),
    `${(report.total.closureRate * 100).toFixed(1)}%`,
    "",
  ]);
  // The due date as a clerk reads it: the day, in China Standard Time.
  const due = new Date(Date.parse(report.dueBy) + 8 * 3_600_000).toISOString().slice(0, 10);
  const title = [`${report.county} 打击“两非”联合执法月报 ${report.month}（应于 ${due} 前报送）`];
  return `\uFEFF${[title, head, ...rows].map((r) => r.map(field).join(",")).join("\r\n")}\r\n`;
}

const StatsQuery = z.object({ month: ReportMonth });

export function mountReports(
  app: Hono<HttpEnv>,
  ctx: ServiceContext,
  deps: { stats: Statistics; submissions: Submissions },
) {
  const auth = officerAuth(ctx.officers, ctx.agency);
  for (const p of ["/statistics", "/reports/*"]) app.use(p, auth);
  app.get("/statistics", (c) => {
    const { month } = readQuery(c, StatsQuery);
    const rows = deps.stats
      .month(month)
      .map((r) => ({ ...r, closureRate: closureRate(r.figures) }));
    return c.json({ county: ctx.county, month, rows });
  });
  app.get("/reports/:file", (c) => {
    const m = /^(\d{4}-\d{2})\.(csv|json)$/.exec(c.req.param("file"));
    if (!m || !ReportMonth.safeParse(m[1]).success)
      throw new ProblemError(
        404,
        "not-found",
        "未找到该月报",
        "ask for /reports/YYYY-MM.csv or .json",
      );
    const report = monthlyReport(ctx, deps.stats, deps.submissions, m[1]!);
    if (m[2] === "json") return c.json(report);
    return c.body(reportCsv(report), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="report-${ctx.county}-${m[1]}.csv"`,
    });
  });
}
