// The leading group's office: the referral tracker, overdue referrals and supervision orders,
// a referral's chain with its verification, joint inspections, statistics, monthly reports.
// The office's own service answers all of it; informants' identities are never among it.
import { useState } from "preact/hooks";
import type { operations } from "../../../contracts/generated/office-openapi.d.ts";
import { VOCABULARY } from "../../../contracts/src/labels.ts";
import { ratePercent, reportingMonth } from "../../../contracts/src/report-calendar.ts";
import { downloadReport, type O, officeApi, ok, type ServiceInfo, session } from "./api.ts";
import { FiguresChart } from "./chart.tsx";
import { CountyFindings } from "./county-findings.tsx";
import { FindingsText, OrderReason } from "./desk-extra.tsx";
import {
  Checks,
  Input,
  MonthFilter,
  options,
  Select,
  SubmitForm,
  TextArea,
  useFields,
  useSubmit,
} from "./fields.tsx";
import { colon, gap, joined, labels, paren, t, when } from "./i18n.ts";
import { AcceptBy } from "./officer.tsx";
import {
  type Column,
  ErrorBox,
  Id,
  ListSection,
  Said,
  Section,
  Status,
  Table,
  Tabs,
  useLoad,
} from "./ui.tsx";

type Tracked = O["TrackedReferralView"];
type Figures = O["MonthlyReportView"]["total"]["figures"];
type ReportView = O["MonthlyReportView"];
type Figure = keyof Figures;
type TrackerQuery = NonNullable<operations["trackReferrals"]["parameters"]["query"]>;

type Tab =
  | "tracker"
  | "overdue"
  | "supervision"
  | "inspections"
  | "statistics"
  | "report"
  | "comparison";

export function OfficeDesk({ services }: { services: ServiceInfo[] }) {
  const [tab, setTab] = useState<Tab>("tracker");
  const [chain, setChain] = useState<string | undefined>(undefined);
  const agencies = services.filter((s) => s.code !== "office");
  const tabs: [Tab, string][] = [
    ["tracker", t("tracker")],
    ["overdue", t("overdueList")],
    ["supervision", t("supervision")],
    ["inspections", t("inspections")],
    ["statistics", t("statistics")],
    ["report", t("monthlyReport")],
    ["comparison", t("comparison")],
  ];
  const open = (id: string) => setChain(id);
  return (
    <>
      <Tabs
        tabs={tabs}
        active={chain ? undefined : tab}
        pick={(k) => {
          setChain(undefined);
          setTab(k);
        }}
      />
      {chain ? (
        <Chain id={chain} onBack={() => setChain(undefined)} onOpen={open} />
      ) : (
        <>
          {tab === "tracker" && <Tracker agencies={agencies} onOpen={open} />}
          {tab === "overdue" && <Overdue onOpen={open} />}
          {tab === "supervision" && <Orders />}
          {tab === "inspections" && <Inspections agencies={agencies} />}
          {tab === "statistics" && <Statistics agencies={agencies} />}
          {tab === "report" && <Report />}
          {tab === "comparison" && <CountyFindings />}
        </>
      )}
    </>
  );
}

const trackerColumns = (extra: [string, (r: Tracked) => preact.ComponentChildren][] = []) =>
  [
    [t("referrals"), (r: Tracked) => <Id id={r.referralId} />],
    [t("from"), (r: Tracked) => labels.agency(r.from)],
    [t("to"), (r: Tracked) => labels.agency(r.to)],
    [
      t("holder"),
      (r: Tracked) =>
        r.holderCounty
          ? `${labels.agency(r.holder)}${paren(r.holderCounty)}`
          : labels.agency(r.holder),
    ],
    [
      t("awaiting"),
      (r: Tracked) =>
        r.awaiting === undefined
          ? "—"
          : r.awaitingCounty
            ? `${labels.agency(r.awaiting)}${paren(r.awaitingCounty)}`
            : labels.agency(r.awaiting),
    ],
    [t("status"), (r: Tracked) => <Status of={r.status} text={labels.referralStatus} />],
    [t("violations"), (r: Tracked) => joined(r.violations.map(labels.violation))],
    [t("age"), (r: Tracked) => r.ageDays],
    [t("acceptBy"), (r: Tracked) => <AcceptBy r={r} />],
    [t("completeBy"), (r: Tracked) => when(r.completeBy)],
    [
      t("overdue"),
      (r: Tracked) =>
        r.overdueNow ? (
          <span class="badge danger">
            {joined(
              VOCABULARY.deadlines.filter((d) => r.overdue[d] !== undefined).map(labels.deadline),
            )}
          </span>
        ) : (
          ""
        ),
    ],
    ...extra,
  ] as [string, (r: Tracked) => preact.ComponentChildren][];

function Tracker({ agencies, onOpen }: { agencies: ServiceInfo[]; onOpen: (id: string) => void }) {
  const { f, setF, bind } = useFields({
    agency: "",
    status: "",
    violation: "",
    since: "",
    until: "",
    overdue: false,
  });
  const [query, setQuery] = useState<TrackerQuery>({});
  const rows = useLoad(
    () => ok(officeApi().GET("/tracker/referrals", { params: { query } })),
    JSON.stringify(query),
  );
  const apply = (e: Event) => {
    e.preventDefault();
    setQuery({
      ...(f.agency ? { agency: f.agency } : {}),
      ...(f.status ? { status: f.status as Tracked["status"] } : {}),
      ...(f.violation ? { violation: f.violation as Tracked["violations"][number] } : {}),
      // Dates are days in China Standard Time.
      ...(f.since ? { since: `${f.since}T00:00:00+08:00` } : {}),
      ...(f.until ? { until: `${f.until}T23:59:59+08:00` } : {}),
      ...(f.overdue ? { overdue: "true" as const } : {}),
    });
  };
  const sel = <K extends string>(
    k: "agency" | "status" | "violation",
    text: string,
    values: readonly K[],
    name: (o: K) => string,
  ) => (
    <Select label={text} {...bind(k)}>
      <option value="">{t("all")}</option>
      {options(values, name)}
    </Select>
  );
  return (
    <Section
      title={t("tracker")}
      actions={<span class="muted">{rows.data ? `${rows.data.total}` : ""}</span>}
    >
      <form class="filters" onSubmit={apply} data-testid="tracker-filters">
        {sel(
          "agency",
          t("agency"),
          agencies.map((a) => a.code),
          labels.agency,
        )}
        {sel("status", t("status"), VOCABULARY.referralStatuses, labels.referralStatus)}
        {sel("violation", t("violations"), VOCABULARY.violations, labels.violation)}
        <Input label={t("since")} type="date" {...bind("since")} />
        <Input label={t("until")} type="date" {...bind("until")} />
        <label class="check">
          <input
            type="checkbox"
            name="overdue"
            checked={f.overdue}
            onChange={(e) => setF({ ...f, overdue: e.currentTarget.checked })}
          />
          {t("onlyOverdue")}
        </label>
        <button type="submit">{t("filter")}</button>
      </form>
      <ErrorBox error={rows.error} />
      <Table
        testId="tracker"
        rows={rows.data?.items}
        rowKey={(r) => r.referralId}
        columns={trackerColumns()}
        onRow={(r) => onOpen(r.referralId)}
      />
    </Section>
  );
}

function Overdue({ onOpen }: { onOpen: (id: string) => void }) {
  const rows = useLoad(
    () => ok(officeApi().GET("/tracker/referrals", { params: { query: { overdue: "true" } } })),
    "overdue",
  );
  const [ordering, setOrdering] = useState<string | undefined>(undefined);
  return (
    <ListSection
      title={t("overdueList")}
      list={rows}
      refresh
      testId="overdue"
      rowKey={(r) => r.referralId}
      columns={trackerColumns([
        [
          t("actions"),
          (r) =>
            ordering === r.referralId ? (
              <OrderForm
                about={{ kind: "referral", id: r.referralId }}
                onDone={() => {
                  setOrdering(undefined);
                  rows.reload();
                }}
              />
            ) : (
              <span class="actions">
                <button type="button" onClick={() => setOrdering(r.referralId)}>
                  {t("issueOrder")}
                </button>
                <button type="button" class="secondary" onClick={() => onOpen(r.referralId)}>
                  {t("chain")}
                </button>
              </span>
            ),
        ],
      ])}
    />
  );
}

function OrderForm(props: {
  about: { kind: "referral" | "case"; id: string };
  onDone: () => void;
}) {
  const [reason, setReason] = useState("");
  const [days, setDays] = useState("3");
  const submit = useSubmit(
    (key) =>
      ok(
        officeApi(key).POST("/supervision", {
          body: { about: props.about, reason, answerWithinDays: Number(days) },
        }),
      ),
    props.onDone,
  );
  return (
    <SubmitForm submit={submit} label={t("issueOrder")} testId="order-form">
      <Input name="reason" required placeholder={t("reason")} value={reason} set={setReason} />
      <Input
        label={t("answerWithinDays")}
        name="days"
        type="number"
        min="1"
        max="90"
        required
        value={days}
        set={setDays}
      />
    </SubmitForm>
  );
}

/** A referral, the chain it belongs to (referred on and on), and its verified trail. */
function Chain(props: { id: string; onBack: () => void; onOpen: (id: string) => void }) {
  const data = useLoad(async () => {
    const api = officeApi();
    const one = (referralId: string) =>
      ok(api.GET("/tracker/referrals/{referralId}", { params: { path: { referralId } } }));
    const referral = await one(props.id);
    // Walk the chain from its first referral, following each onward referral.
    const chain: Tracked[] = [];
    let next: string | undefined = referral.chainRoot;
    while (next && chain.length < 50) {
      const r: Tracked = next === referral.referralId ? referral : await one(next);
      chain.push(r);
      next = r.childReferralId;
    }
    const trail = await ok(
      api.GET("/trail/{kind}/{id}", { params: { path: { kind: "referral", id: props.id } } }),
    );
    return { referral, chain, trail };
  }, props.id);
  const d = data.data;
  return (
    <Section
      title={
        <>
          {t("chain")} <Id id={props.id} />
        </>
      }
      actions={
        <button type="button" class="link" onClick={props.onBack}>
          ← {t("back")}
        </button>
      }
    >
      <ErrorBox error={data.error} />
      {d && (
        <>
          <ol class="chain" data-testid="chain">
            {d.chain.map((r) => (
              <li key={r.referralId} class={r.referralId === props.id ? "current" : ""}>
                <button type="button" class="link" onClick={() => props.onOpen(r.referralId)}>
                  {labels.agency(r.from)} → {labels.agency(r.to)}
                </button>{" "}
                <Status of={r.status} text={labels.referralStatus} />
              </li>
            ))}
          </ol>
          <p data-testid="holder">
            {t("holder")}
            {colon()}
            {labels.agency(d.referral.holder)}
            {gap()}
            {t("awaiting")}
            {colon()}
            {d.referral.awaiting ? labels.agency(d.referral.awaiting) : "—"}
          </p>
          <p data-testid="verification" class={d.trail.verification.ok ? "ok" : "error"}>
            {t("verification")}
            {colon()}
            {d.trail.verification.ok
              ? t("verified")
              : `${t("notVerified")} ${d.trail.verification.reason}${paren(d.trail.verification.seq)}`}
          </p>
          <Table
            testId="trail"
            rows={d.trail.steps}
            rowKey={(s) => String(s.seq)}
            columns={[
              [t("when"), (s) => when(s.time)],
              [t("agency"), (s) => labels.agency(s.agency)],
              [t("who"), (s) => <Said>{labels.officer(s)}</Said>],
              [
                t("what"),
                (s) =>
                  s.type === "attempt.refused"
                    ? `${labels.eventType(s.type)}${paren(s.refused ? labels.refusalKind(s.refused) : "")}`
                    : labels.eventType(s.type),
              ],
              [t("to"), (s) => (s.to ? labels.agency(s.to) : "")],
              [t("reason"), (s) => <Said>{labels.stepReason(s)}</Said>],
            ]}
          />
        </>
      )}
    </Section>
  );
}

function Orders() {
  const orders = useLoad(() => ok(officeApi().GET("/supervision")), "orders");
  return (
    <ListSection
      title={t("supervision")}
      list={orders}
      refresh
      testId="orders"
      rowKey={(o) => o.orderId}
      columns={[
        [t("to"), (o) => labels.agency(o.to)],
        [t("reason"), (o) => <OrderReason order={o} />],
        [t("orderedAt"), (o) => when(o.orderedAt)],
        [t("answerBy"), (o) => when(o.answerBy)],
        [t("status"), (o) => <Status of={o.status} text={labels.supervisionStatus} />],
        [t("level"), (o) => o.level],
        [t("answer"), (o) => <Said>{o.answer ?? ""}</Said>],
      ]}
    />
  );
}

function Inspections({ agencies }: { agencies: ServiceInfo[] }) {
  const list = useLoad(() => ok(officeApi().GET("/inspections")), "inspections");
  const county = session.value?.officer.county ?? "";
  const today = new Date().toISOString().slice(0, 10);
  const { f, setF, bind } = useFields({
    title: "",
    agencies: [] as string[],
    targets: "",
    startsOn: today,
    endsOn: today,
  });
  const submit = useSubmit(
    (key) =>
      ok(
        officeApi(key).POST("/inspections", {
          body: {
            title: f.title,
            agencies: f.agencies,
            targets: f.targets
              .split(/[\n，,]/)
              .map((s) => s.trim())
              .filter(Boolean)
              .map((name) => ({ kind: "institution" as const, name, county })),
            startsOn: f.startsOn,
            endsOn: f.endsOn,
          },
        }),
      ),
    () => {
      setF({ ...f, title: "", targets: "" });
      list.reload();
    },
  );
  return (
    <>
      <Section title={t("planInspection")}>
        <SubmitForm submit={submit} grid label={t("submit")} testId="plan-inspection">
          <Input label={t("title")} required {...bind("title")} />
          <Checks
            legend={t("participants")}
            values={agencies.map((a) => a.code)}
            text={labels.agency}
            checked={f.agencies}
            set={(checked) => setF({ ...f, agencies: checked })}
          />
          <TextArea label={t("target")} labelClass="wide" required rows={2} {...bind("targets")} />
          <Input label={t("startsOn")} type="date" required {...bind("startsOn")} />
          <Input label={t("endsOn")} type="date" required {...bind("endsOn")} />
        </SubmitForm>
      </Section>
      <ListSection
        title={t("inspections")}
        list={list}
        testId="inspections"
        rowKey={(i) => i.inspectionId}
        columns={[
          [t("title"), (i) => <Said>{i.title}</Said>],
          [t("participants"), (i) => joined(i.agencies.map(labels.agency))],
          [t("target"), (i) => <Said>{joined(i.targets.map((x) => x.name))}</Said>],
          [t("startsOn"), (i) => `${i.startsOn} ~ ${i.endsOn}`],
          [
            t("findings"),
            (i) =>
              Object.entries(i.findings).map(([a, x]) => (
                <div key={a}>
                  {labels.agency(a)}
                  {colon()}
                  <FindingsText of={x} />
                </div>
              )),
          ],
        ]}
      />
    </>
  );
}

const thisMonth = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);

/** The `count` months up to and including `month` (YYYY-MM), oldest first. */
export const monthsUpTo = (month: string, count: number): string[] => {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(y, m - 1 - (count - 1 - i), 1));
    return d.toISOString().slice(0, 7);
  });
};

/** The figures the charts show (the table beside them shows every figure). */
const CHARTED: Figure[] = ["leadsReceived", "casesOpened", "casesClosed", "referralsOverdue"];
const TREND_MONTHS = 6;

function Statistics({ agencies }: { agencies: ServiceInfo[] }) {
  const [month, setMonth] = useState(thisMonth());
  // "all" is the statistics' row for every violation together.
  const [violation, setViolation] = useState("all");
  // The month chosen and the five before it: the trend; the last of them: the bars and table.
  const stats = useLoad(
    () =>
      Promise.all(
        monthsUpTo(month, TREND_MONTHS).map((m) =>
          ok(officeApi().GET("/statistics", { params: { query: { month: m } } })),
        ),
      ),
    month,
  );
  type Row = { agency: string; figures: Figures | undefined; closureRate: number | null };
  const rowsOf = (view: O["StatisticsView"] | undefined): Row[] =>
    agencies.map((a) => {
      const row = view?.rows.find((r) => r.agency === a.code && r.violation === violation);
      return { agency: a.code, figures: row?.figures, closureRate: row?.closureRate ?? null };
    });
  const months = stats.data ?? [];
  const byAgency = rowsOf(months.at(-1));
  const figure = (r: Row, k: Figure) => r.figures?.[k] ?? 0;
  return (
    <Section title={t("statistics")}>
      <MonthFilter month={month} set={setMonth}>
        <Select label={t("violations")} value={violation} set={setViolation}>
          <option value="all">{t("allViolations")}</option>
          {options(VOCABULARY.violations, labels.violation)}
        </Select>
      </MonthFilter>
      <ErrorBox error={stats.error} />
      {stats.data && (
        <div class="stats">
          <figure>
            <figcaption>
              {t("byAgency")} · {month}
            </figcaption>
            <FiguresChart
              type="bar"
              testId="chart"
              label={`${t("statistics")} ${month}${colon()}${joined(CHARTED.map(labels.figure))}`}
              labels={byAgency.map((r) => labels.agency(r.agency))}
              series={CHARTED.map((k) => ({
                name: labels.figure(k),
                values: byAgency.map((r) => figure(r, k)),
              }))}
            />
          </figure>
          <figure>
            <figcaption>{t("trend")}</figcaption>
            <FiguresChart
              type="line"
              testId="trend"
              label={t("trend")}
              labels={monthsUpTo(month, TREND_MONTHS)}
              series={CHARTED.map((k) => ({
                name: labels.figure(k),
                values: months.map((view) =>
                  rowsOf(view).reduce((sum, r) => sum + figure(r, k), 0),
                ),
              }))}
            />
          </figure>
          <Table
            testId="statistics"
            rows={byAgency}
            rowKey={(r) => r.agency}
            columns={[
              [t("agency"), (r) => labels.agency(r.agency)],
              ...VOCABULARY.figures.map(
                (k) => [labels.figure(k), (r: Row) => figure(r, k)] as Column<Row>,
              ),
              [t("closureRate"), (r) => ratePercent(r.closureRate)],
            ]}
          />
        </div>
      )}
    </Section>
  );
}

type ReportRow = {
  key: string;
  name: string;
  status?: ReportView["agencies"][number]["status"];
  source?: ReportView["agencies"][number]["source"];
  figures: Figures;
  compiled: Figures;
  closureRate: number | null;
  compiledClosureRate: number | null;
  note?: string;
};

/** A figure as the report states it, and the bus's figure beside it when they differ. */
function Stated(props: { value: number; compiled: number }) {
  return (
    <span>
      {props.value}
      {props.value !== props.compiled && (
        <span class="badge danger" data-testid="differs">
          {t("fromBus")} {props.compiled}
        </span>
      )}
    </span>
  );
}

function Report() {
  // The month whose report is due next: the agencies' page opens at the same one.
  const [month, setMonth] = useState(reportingMonth(new Date()));
  const report = useLoad(
    () => ok(officeApi().GET("/reports/{month}.json", { params: { path: { month } } })),
    month,
  );
  const [error, setError] = useState<string | undefined>(undefined);
  const download = (ext: "csv" | "json") =>
    downloadReport(month, ext).catch((e: unknown) => setError(String(e)));
  const r = report.data;
  const rows: ReportRow[] | undefined = r && [
    ...r.agencies.map((a) => ({
      key: a.agency,
      name: labels.agency(a.agency),
      status: a.status,
      source: a.source,
      figures: a.figures,
      compiled: a.compiled,
      closureRate: a.closureRate,
      compiledClosureRate: a.compiledClosureRate,
      ...(a.submitted?.note ? { note: a.submitted.note } : {}),
    })),
    { key: "total", name: t("total"), ...r.total },
  ];
  return (
    <Section title={t("monthlyReport")}>
      <MonthFilter month={month} set={setMonth}>
        <button type="button" onClick={() => download("csv")} data-testid="download-csv">
          {t("downloadCsv")}
        </button>
        <button type="button" class="secondary" onClick={() => download("json")}>
          {t("downloadJson")}
        </button>
      </MonthFilter>
      <ErrorBox error={report.error ?? error} />
      {r && rows && (
        <>
          <h3 data-testid="report-title">
            <Said>{r.countyName}</Said>
            {paren(r.county)} {r.month}
          </h3>
          <p>
            {t("dueBy")}
            {colon()}
            {r.lastDay} {t("dueEndOfDay")}
            {r.flagged.length > 0 && (
              <span class="badge danger">
                {t("flagged")}
                {colon()}
                {joined(r.flagged.map(labels.agency))}
              </span>
            )}
            {r.discrepant.length > 0 && (
              <span class="badge danger">
                {t("discrepant")}
                {colon()}
                {joined(r.discrepant.map(labels.agency))}
              </span>
            )}
          </p>
          <Table
            testId="report"
            rows={rows}
            rowKey={(a) => a.key}
            columns={[
              [t("agency"), (a) => a.name],
              [
                t("reportStatus"),
                (a) =>
                  a.status && (
                    <>
                      <Status of={a.status} text={labels.reportStatus} />
                      {a.source === "compiled" && (
                        <span class="muted"> {t("notReportedFromBus")}</span>
                      )}
                    </>
                  ),
              ],
              ...VOCABULARY.figures.map(
                (k) =>
                  [
                    labels.figure(k),
                    (a: ReportRow) => <Stated value={a.figures[k]} compiled={a.compiled[k]} />,
                  ] as [string, (a: ReportRow) => preact.ComponentChildren],
              ),
              [
                t("closureRate"),
                (a) =>
                  a.closureRate === a.compiledClosureRate ? (
                    ratePercent(a.closureRate)
                  ) : (
                    <>
                      {ratePercent(a.closureRate)}{" "}
                      <span class="badge danger">
                        {t("fromBus")} {ratePercent(a.compiledClosureRate)}
                      </span>
                    </>
                  ),
              ],
              [t("note"), (a) => <Said>{a.note ?? ""}</Said>],
            ]}
          />
          <p class="muted">{t("inspectionsOnce")}</p>
        </>
      )}
    </Section>
  );
}
