// The city's page (市级工作台): its counties' reports by month with 合计 and the late, the major
// cases reported, the orders issued and their answers. It asks the city's office with the
// officer's token (kept in this browser only) through a client typed by the generated OpenAPI
// document, and takes every word for an identifier from the one vocabulary (contracts' labels):
// what it shows goes on the page as text, never as markup.
import createClient from "openapi-fetch";
import type { components, paths } from "../../../contracts/generated/city-office-openapi.d.ts";
import {
  FIGURE_LABELS,
  MAJOR_CASE_GROUND_LABELS,
  REPORT_STATUS_LABELS,
  SUPERVISION_STATUS_LABELS,
  VIOLATION_LABELS,
} from "../../../contracts/src/labels.ts";

type Problem = Partial<components["schemas"]["Problem"]>;

const $ = <E extends HTMLElement>(id: string) => document.getElementById(id) as E;
const token = $<HTMLInputElement>("token");
const month = $<HTMLInputElement>("month");
const error = $<HTMLElement>("error");
const TOKEN = "cityToken";
token.value = localStorage.getItem(TOKEN) ?? "";

const api = createClient<paths>({ baseUrl: location.origin });
api.use({
  onRequest({ request }) {
    request.headers.set("authorization", `Bearer ${token.value}`);
    request.headers.set("accept-language", "zh-CN");
    return request;
  },
});

/** The answer's data, or the service's problem (its title in Chinese, the fields it names). */
async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>) {
  const { data, error: problem, response } = await call;
  if (response.ok && data !== undefined) return data;
  const p: Problem = typeof problem === "object" && problem !== null ? problem : {};
  const fields = p.errors?.map((e) => `${e.field}：${e.message}`).join("；");
  throw new Error(
    [p.title ?? `请求失败（${response.status}）`, fields || p.detail].filter(Boolean).join(" — "),
  );
}

const FIGURES = Object.keys(FIGURE_LABELS) as (keyof typeof FIGURE_LABELS)[];
const zh = <K extends string>(labels: Record<K, { zh: string }>, k: K | string) =>
  (labels as Record<string, { zh: string } | undefined>)[k]?.zh ?? k;

function table(el: HTMLElement, head: readonly string[], rows: readonly unknown[][]) {
  const tr = (cells: readonly unknown[], tag: "th" | "td") => {
    const r = document.createElement("tr");
    for (const c of cells) {
      const d = document.createElement(tag);
      d.textContent = String(c ?? "");
      r.append(d);
    }
    return r;
  };
  el.replaceChildren(tr(head, "th"), ...rows.map((row) => tr(row, "td")));
}

/** A time as Beijing time (UTC+8), to the minute. */
const when = (iso: string | undefined) =>
  iso ? new Date(Date.parse(iso) + 8 * 3600e3).toISOString().slice(0, 16).replace("T", " ") : "";

async function load() {
  localStorage.setItem(TOKEN, token.value);
  error.textContent = "";
  const report = await ok(
    api.GET("/city/reports/{file}", { params: { path: { file: `${month.value}.json` } } }),
  );
  // The path answers a spreadsheet too (`.csv`): asked for `.json`, a text is not the report.
  if (typeof report === "string") throw new Error("月报汇总的格式不对");
  const names = new Map(report.counties.map((c) => [c.county, c.name]));
  const named = (code: string | undefined) => (code && names.get(code)) ?? code ?? "";
  table(
    $("report"),
    ["县（市、区）", ...FIGURES.map((f) => FIGURE_LABELS[f].zh), "上报状态", "上报时间"],
    [
      ...report.counties.map((c) => [
        c.name,
        ...FIGURES.map((f) => c.figures[f]),
        zh(REPORT_STATUS_LABELS, c.status),
        when(c.closedAt),
      ]),
      ["合计", ...FIGURES.map((f) => report.total[f]), "", ""],
    ],
  );
  const late = $("late");
  late.textContent = report.late.length
    ? `未按时上报：${report.late.map(named).join("、")}`
    : "各县均已按时上报";
  late.className = report.late.length ? "late" : "ok";

  const cases = await ok(api.GET("/major-cases"));
  table(
    $("cases"),
    ["通报时间", "县", "案件", "违法行为", "通报理由", "状态", "催复次数"],
    cases.items.map((x) => [
      when(x.reportedAt),
      named(x.facts.county),
      x.facts.title,
      x.facts.violations.map((v) => zh(VIOLATION_LABELS, v)).join("、"),
      x.facts.grounds.map((g) => zh(MAJOR_CASE_GROUND_LABELS, g)).join("、"),
      x.acknowledged ? `已收悉 ${when(x.acknowledgedAt)}` : "待确认",
      x.chases,
    ]),
  );

  const orders = await ok(api.GET("/orders"));
  table(
    $("orders"),
    ["下达时间", "县", "事由", "回复期限", "状态", "回复"],
    orders.items.map((o) => [
      when(o.orderedAt),
      named(o.toCounty),
      o.reason,
      when(o.answerBy),
      zh(SUPERVISION_STATUS_LABELS, o.status) + (o.level > 1 ? `（${o.level}级）` : ""),
      o.answer,
    ]),
  );
}

const failed = (e: unknown) => {
  error.textContent = e instanceof Error ? e.message : String(e);
};
$("load").addEventListener("click", () => load().catch(failed));
$("csv").addEventListener("click", (ev) => {
  ev.preventDefault();
  const m = month.value;
  api
    .GET("/city/reports/{file}", { params: { path: { file: `${m}.csv` } }, parseAs: "blob" })
    .then(({ data, error: problem, response }) => {
      if (!response.ok || !data) return ok(Promise.resolve({ error: problem, response }));
      const a = document.createElement("a");
      a.href = URL.createObjectURL(data);
      a.download = `city-report-${m}.csv`;
      a.click();
      URL.revokeObjectURL(a.href);
      return undefined;
    })
    .catch(failed);
});
if (token.value) load().catch(failed);
