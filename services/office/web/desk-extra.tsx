// What else a liaison officer answers to the office: supervision orders (督办回复), findings of
// joint inspections (检查结果), and the agency's monthly report (月报), pre-filled from the bus.
import { useState } from "preact/hooks";
import type { components } from "../../../contracts/generated/openapi.d.ts";
import { lastDayToReport, reportingMonth } from "../../../contracts/src/report-calendar.ts";
import { api, type Page } from "./api.ts";
import { label, t, when } from "./i18n.ts";
import { ErrorBox, Section, Table, useLoad, useSubmit } from "./ui.tsx";

type S = components["schemas"];
type Figures = S["AgencyReport"]["prefilled"];

export function SupervisionAnswers() {
  const orders = useLoad(() => api.get<Page<S["SupervisionOrderView"]>>("/supervision"), "orders");
  return (
    <Section title={t("supervision")}>
      <ErrorBox error={orders.error} />
      <Table
        testId="my-orders"
        rows={orders.data?.items}
        rowKey={(o) => o.orderId}
        columns={[
          [t("reason"), (o) => `${label(o.grounds)}：${o.reason}`],
          [t("orderedAt"), (o) => when(o.orderedAt)],
          [t("answerBy"), (o) => when(o.answerBy)],
          [t("status"), (o) => <span class={`status ${o.status}`}>{label(o.status)}</span>],
          [
            t("answer"),
            (o) =>
              o.answer === undefined ? (
                <AnswerForm orderId={o.orderId} onDone={orders.reload} />
              ) : (
                o.answer
              ),
          ],
        ]}
      />
    </Section>
  );
}

function AnswerForm(props: { orderId: string; onDone: () => void }) {
  const [answer, setAnswer] = useState("");
  const submit = useSubmit(
    () => api.post(`/supervision/${props.orderId}/answer`, { answer }),
    props.onDone,
  );
  return (
    <form class="inline" onSubmit={submit.submit} data-testid="answer-form">
      <input
        name="answer"
        required
        placeholder={t("answer")}
        value={answer}
        onInput={(e) => setAnswer(e.currentTarget.value)}
      />
      <button type="submit" disabled={submit.busy}>
        {t("answerOrder")}
      </button>
      <ErrorBox error={submit.error} />
    </form>
  );
}

export function InspectionFindings() {
  const list = useLoad(() => api.get<Page<S["AgencyInspection"]>>("/inspections"), "inspections");
  return (
    <Section title={t("inspections")}>
      <ErrorBox error={list.error} />
      <Table
        testId="my-inspections"
        rows={list.data?.items}
        rowKey={(i) => i.inspectionId}
        columns={[
          [t("title"), (i) => i.title],
          [t("target"), (i) => i.targets.map((x) => x.name).join("、")],
          [t("startsOn"), (i) => `${i.startsOn} ~ ${i.endsOn}`],
          [
            t("findings"),
            (i) =>
              i.findings ? (
                `${t("institutionsChecked")} ${i.findings.institutionsChecked}，${t("devicesSealed")} ${i.findings.devicesSealed}，${t("drugsConfiscated")} ${i.findings.drugsConfiscated}，${t("advertsRemoved")} ${i.findings.advertsRemoved}`
              ) : (
                <FindingsForm inspectionId={i.inspectionId} onDone={list.reload} />
              ),
          ],
        ]}
      />
    </Section>
  );
}

function FindingsForm(props: { inspectionId: string; onDone: () => void }) {
  const [f, setF] = useState({
    institutionsChecked: "0",
    devicesSealed: "0",
    drugsConfiscated: "0",
    advertsRemoved: "0",
    problems: "",
  });
  const submit = useSubmit(
    () =>
      api.post(`/inspections/${props.inspectionId}/findings`, {
        institutionsChecked: Number(f.institutionsChecked),
        devicesSealed: Number(f.devicesSealed),
        drugsConfiscated: Number(f.drugsConfiscated),
        advertsRemoved: Number(f.advertsRemoved),
        problems: f.problems
          .split("\n")
          .map((p) => p.trim())
          .filter(Boolean),
      }),
    props.onDone,
  );
  const count = (
    k: "institutionsChecked" | "devicesSealed" | "drugsConfiscated" | "advertsRemoved",
  ) => (
    <label>
      {t(k)}
      <input
        name={k}
        type="number"
        min="0"
        required
        value={f[k]}
        onInput={(e) => setF({ ...f, [k]: e.currentTarget.value })}
      />
    </label>
  );
  return (
    <form class="inline" onSubmit={submit.submit} data-testid="findings-form">
      {count("institutionsChecked")}
      {count("devicesSealed")}
      {count("drugsConfiscated")}
      {count("advertsRemoved")}
      <label>
        {t("problems")}
        <textarea
          name="problems"
          rows={2}
          value={f.problems}
          onInput={(e) => setF({ ...f, problems: e.currentTarget.value })}
        />
      </label>
      <button type="submit" disabled={submit.busy}>
        {t("recordFindings")}
      </button>
      <ErrorBox error={submit.error} />
    </form>
  );
}

const FIGURES = [
  "leadsRegistered",
  "leadsReceived",
  "casesOpened",
  "casesClosed",
  "finesYuan",
  "revocations",
  "judiciaryTransfers",
  "referralsOverdue",
  "inspections",
  "institutionsChecked",
  "devicesSealed",
  "drugsConfiscated",
] as const;

export function MonthlyReport() {
  // The month whose report is due next: the office's page opens at the same one.
  const [month, setMonth] = useState(reportingMonth(new Date()));
  const report = useLoad(() => api.get<S["AgencyReport"]>(`/reports/${month}`), month);
  return (
    <Section title={t("monthlyReport")}>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t("month")}
          <input
            type="month"
            name="month"
            value={month}
            onInput={(e) => setMonth(e.currentTarget.value)}
          />
        </label>
      </form>
      <ErrorBox error={report.error} />
      {report.data && (
        <ReportForm
          key={`${month}:${report.data.submitted?.correctedAt ?? report.data.submitted?.submittedAt ?? ""}`}
          report={report.data}
          onDone={report.reload}
        />
      )}
    </Section>
  );
}

function ReportForm(props: { report: S["AgencyReport"]; onDone: () => void }) {
  const r = props.report;
  const [figures, setFigures] = useState<Figures>(r.submitted?.figures ?? r.prefilled);
  const [note, setNote] = useState(r.submitted?.note ?? "");
  const submit = useSubmit(
    () => api.post(`/reports/${r.month}/submission`, { figures, ...(note ? { note } : {}) }),
    props.onDone,
  );
  if (!r.open) return <p class="muted">{t("monthNotBegun")}</p>;
  return (
    <form class="grid" onSubmit={submit.submit} data-testid="report-form">
      <p class="wide">
        {t("dueBy")}：{lastDayToReport(r.month)} {t("dueEndOfDay")}　
        {r.submitted ? (
          <span class={`status ${r.status}`}>
            {label(r.status)} · {t("submittedAt")} {when(r.submitted.submittedAt)}
            {r.submitted.correctedAt && ` · ${t("correctedAt")} ${when(r.submitted.correctedAt)}`}
          </span>
        ) : (
          <span class="muted">{t("prefilled")}</span>
        )}
      </p>
      {FIGURES.map((k) => (
        <label key={k}>
          {t(k)}
          <input
            name={k}
            type="number"
            min="0"
            required
            value={figures[k]}
            onInput={(e) => setFigures({ ...figures, [k]: Number(e.currentTarget.value) })}
          />
          {figures[k] !== r.prefilled[k] && (
            <span class="badge danger" data-testid="differs">
              {t("fromBus")} {r.prefilled[k]}
            </span>
          )}
        </label>
      ))}
      <label class="wide">
        {t("note")}
        <input name="note" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <div class="wide">
        <button type="submit" disabled={submit.busy}>
          {r.submitted ? t("submitCorrection") : t("submitReport")}
        </button>
      </div>
      <ErrorBox error={submit.error} />
    </form>
  );
}
