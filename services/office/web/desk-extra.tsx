// What else a liaison officer answers to the office: supervision orders (督办回复), findings of
// joint inspections (检查结果), and the agency's monthly report (月报), pre-filled from the bus.
import { useState } from "preact/hooks";
import { VOCABULARY } from "../../../contracts/src/labels.ts";
import { lastDayToReport, reportingMonth } from "../../../contracts/src/report-calendar.ts";
import { agencyApi, ok, type S } from "./api.ts";
import { Input, MonthFilter, SubmitForm, TextArea, useFields, useSubmit } from "./fields.tsx";
import { colon, gap, joined, labels, t, when } from "./i18n.ts";
import { ErrorBox, ListSection, Said, Section, Status, useLoad } from "./ui.tsx";

type Figures = S["AgencyReport"]["prefilled"];
type Count = (typeof VOCABULARY.findingsCounts)[number];

export function SupervisionAnswers() {
  const orders = useLoad(() => ok(agencyApi().GET("/supervision")), "orders");
  return (
    <ListSection
      title={t("supervision")}
      list={orders}
      testId="my-orders"
      rowKey={(o) => o.orderId}
      columns={[
        [t("reason"), (o) => <OrderReason order={o} />],
        [t("orderedAt"), (o) => when(o.orderedAt)],
        [t("answerBy"), (o) => when(o.answerBy)],
        [t("status"), (o) => <Status of={o.status} text={labels.supervisionStatus} />],
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
  );
}

function AnswerForm(props: { orderId: string; onDone: () => void }) {
  const [answer, setAnswer] = useState("");
  const submit = useSubmit(
    (key) =>
      ok(
        agencyApi(key).POST("/supervision/{orderId}/answer", {
          params: { path: { orderId: props.orderId } },
          body: { answer },
        }),
      ),
    props.onDone,
  );
  return (
    <SubmitForm submit={submit} label={t("answerOrder")} testId="answer-form">
      <Input name="answer" required placeholder={t("answer")} value={answer} set={setAnswer} />
    </SubmitForm>
  );
}

/** An inspection's counts, in the schema's order (contracts' FINDINGS_COUNT_LABELS). */
const countLabel = labels.findingsCount;
const COUNTS = VOCABULARY.findingsCounts;

/** One agency's findings on an inspection, in words: its counts, then the problems it found. */
export const FindingsText = ({ of }: { of: Record<Count, number> & { problems?: string[] } }) => (
  <>
    {joined(COUNTS.map((k) => `${countLabel(k)} ${of[k]}`))}
    {of.problems?.length ? (
      <>
        {colon()}
        <Said>{joined(of.problems)}</Said>
      </>
    ) : null}
  </>
);

/** Why the office ordered supervision: its grounds, then its reason as written. */
export const OrderReason = ({ order }: { order: S["SupervisionOrderView"] }) => (
  <>
    {labels.grounds(order.grounds)}
    {colon()}
    <Said>{order.reason}</Said>
  </>
);

export function InspectionFindings() {
  const list = useLoad(() => ok(agencyApi().GET("/inspections")), "inspections");
  return (
    <ListSection
      title={t("inspections")}
      list={list}
      testId="my-inspections"
      rowKey={(i) => i.inspectionId}
      columns={[
        [t("title"), (i) => <Said>{i.title}</Said>],
        [t("target"), (i) => <Said>{joined(i.targets.map((x) => x.name))}</Said>],
        [t("startsOn"), (i) => `${i.startsOn} ~ ${i.endsOn}`],
        [
          t("findings"),
          (i) =>
            i.findings ? (
              <FindingsText of={i.findings} />
            ) : (
              <FindingsForm inspectionId={i.inspectionId} onDone={list.reload} />
            ),
        ],
      ]}
    />
  );
}

function FindingsForm(props: { inspectionId: string; onDone: () => void }) {
  const { f, bind } = useFields({
    institutionsChecked: "0",
    devicesSealed: "0",
    drugsConfiscated: "0",
    advertsRemoved: "0",
    problems: "",
  });
  const submit = useSubmit(
    (key) =>
      ok(
        agencyApi(key).POST("/inspections/{inspectionId}/findings", {
          params: { path: { inspectionId: props.inspectionId } },
          body: {
            institutionsChecked: Number(f.institutionsChecked),
            devicesSealed: Number(f.devicesSealed),
            drugsConfiscated: Number(f.drugsConfiscated),
            advertsRemoved: Number(f.advertsRemoved),
            problems: f.problems
              .split("\n")
              .map((p) => p.trim())
              .filter(Boolean),
          },
        }),
      ),
    props.onDone,
  );
  const count = (k: Count) => (
    <Input key={k} label={countLabel(k)} type="number" min="0" required {...bind(k)} />
  );
  return (
    <SubmitForm submit={submit} label={t("recordFindings")} testId="findings-form">
      {COUNTS.map(count)}
      <TextArea label={t("problems")} rows={2} {...bind("problems")} />
    </SubmitForm>
  );
}

export function MonthlyReport() {
  // The month whose report is due next: the office's page opens at the same one.
  const [month, setMonth] = useState(reportingMonth(new Date()));
  const report = useLoad(
    () => ok(agencyApi().GET("/reports/{month}", { params: { path: { month } } })),
    month,
  );
  return (
    <Section title={t("monthlyReport")}>
      <MonthFilter month={month} set={setMonth} />
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
    (key) =>
      ok(
        agencyApi(key).POST("/reports/{month}/submission", {
          params: { path: { month: r.month } },
          body: { figures, ...(note ? { note } : {}) },
        }),
      ),
    props.onDone,
  );
  if (!r.open) return <p class="muted">{t("monthNotBegun")}</p>;
  return (
    <SubmitForm
      submit={submit}
      grid
      label={r.submitted ? t("submitCorrection") : t("submitReport")}
      testId="report-form"
    >
      <p class="wide">
        {t("dueBy")}
        {colon()}
        {lastDayToReport(r.month)} {t("dueEndOfDay")}
        {gap()}
        {r.submitted ? (
          <span class={`status ${r.status}`}>
            {labels.reportStatus(r.status)} · {t("submittedAt")} {when(r.submitted.submittedAt)}
            {r.submitted.correctedAt && ` · ${t("correctedAt")} ${when(r.submitted.correctedAt)}`}
          </span>
        ) : (
          <span class="muted">{t("prefilled")}</span>
        )}
      </p>
      {VOCABULARY.figures.map((k) => (
        <label key={k}>
          {labels.figure(k)}
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
      <Input label={t("note")} labelClass="wide" name="note" value={note} set={setNote} />
    </SubmitForm>
  );
}
