// A liaison officer's desk: the inbox, registering and referring leads, acting on referrals,
// opening and closing cases. Everything goes to the officer's own agency's service.
import { useEffect, useState } from "preact/hooks";
import { acceptanceDeadlineLabel, deadlineBasis } from "../../../contracts/src/deadline-basis.ts";
import { VOCABULARY } from "../../../contracts/src/labels.ts";
import {
  agencyApi,
  followInbox,
  followReferrals,
  ok,
  type S,
  type ServiceInfo,
  session,
} from "./api.ts";
import { ComparisonFindings } from "./comparison.tsx";
import { InspectionFindings, MonthlyReport, SupervisionAnswers } from "./desk-extra.tsx";
import {
  Checks,
  Input,
  options,
  Select,
  SubmitForm,
  TextArea,
  useFields,
  useSubmit,
} from "./fields.tsx";
import { colon, joined, labels, paren, t, when } from "./i18n.ts";
import {
  type Column,
  ErrorBox,
  Id,
  ListSection,
  type Loaded,
  Said,
  Section,
  Status,
  Tabs,
  useLoad,
} from "./ui.tsx";

type Referral = S["ReferralView"];
/** Sanctions that carry a free-text detail (what was decided, what was confiscated). */
const WITH_DETAIL = new Set<string>([
  "administrative-sanction",
  "birth-permit-sanction",
  "confiscate-drugs",
]);

/**
 * A referral's acceptance deadline, labelled 立案决定期限（国务院令第310号） when it is decree
 * No. 310's (a transfer to the judiciary) rather than the county's 接收期限.
 */
export const AcceptBy = ({ r }: { r: { kind: string; acceptBy: string } }) => (
  <>
    {when(r.acceptBy)}
    {deadlineBasis(r) === "decree-310" && (
      <span class="badge decree" data-testid="deadline-basis">
        {acceptanceDeadlineLabel(r)}
      </span>
    )}
  </>
);

type Sanction = NonNullable<S["CaseClosure"]["sanctions"]>[number];
type SanctionKind = Sanction["kind"];
type LeadSource = S["LeadRegistration"]["source"];
type Violation = S["LeadRegistration"]["violations"][number];
type TargetKind = S["LeadRegistration"]["target"]["kind"];

type Tab =
  | "inbox"
  | "register"
  | "leads"
  | "referrals"
  | "cases"
  | "supervision"
  | "inspections"
  | "report"
  | "comparison";

export function OfficerDesk({ services }: { services: ServiceInfo[] }) {
  const [tab, setTab] = useState<Tab>("inbox");
  const tabs: [Tab, string][] = [
    ["inbox", t("inbox")],
    ["register", t("registerLead")],
    ["leads", t("myLeads")],
    ["referrals", t("referrals")],
    ["cases", t("cases")],
    ["supervision", t("supervision")],
    ["inspections", t("inspections")],
    ["report", t("monthlyReport")],
    ["comparison", t("comparison")],
  ];
  return (
    <>
      <Tabs tabs={tabs} active={tab} pick={setTab} />
      {tab === "inbox" && <Inbox services={services} />}
      {tab === "register" && <RegisterLead onDone={() => setTab("leads")} />}
      {tab === "leads" && <MyLeads services={services} />}
      {tab === "referrals" && <Referrals />}
      {tab === "cases" && <Cases />}
      {tab === "supervision" && <SupervisionAnswers />}
      {tab === "inspections" && <InspectionFindings />}
      {tab === "report" && <MonthlyReport />}
      {tab === "comparison" && <ComparisonFindings />}
    </>
  );
}

function Inbox({ services }: { services: ServiceInfo[] }) {
  const waiting = useLoad(
    () => ok(agencyApi().GET("/referrals", { params: { query: { waiting: true } } })),
    "waiting",
  );
  // A referral handed to this agency shows up the moment it arrives (移交动态).
  useEffect(
    () =>
      followReferrals(
        { waiting: true },
        {
          onEvent: waiting.reload,
          onConnect: waiting.reload,
        },
      ),
    [waiting.reload],
  );
  const shared = useLoad(() => ok(agencyApi().GET("/inbox")), "inbox");
  // So does a lead shared with it, or its originator's later step (线索动态).
  useEffect(
    () => followInbox({ onEvent: shared.reload, onConnect: shared.reload }),
    [shared.reload],
  );
  const consents = useLoad(
    () => ok(agencyApi().GET("/consents", { params: { query: { waiting: true } } })),
    "consents-waiting",
  );
  return (
    <>
      <ReferralSection
        title={t("waitingReferrals")}
        list={waiting}
        testId="waiting"
        shared={shared.data?.items}
      />
      <ConsentSection
        title={t("consentsWaiting")}
        list={consents}
        testId="consents-waiting"
        columns={[
          [t("to"), (c) => party(c.to, c.toCounty)],
          [t("reason"), (c) => <Said>{c.reason}</Said>],
          [t("receivedAt"), (c) => when(c.requestedAt)],
          [t("actions"), (c) => <ConsentActions consent={c} onChange={consents.reload} />],
        ]}
      />
      <ListSection
        title={t("sharedLeads")}
        list={shared}
        testId="shared-leads"
        rowKey={(i) => i.leadId}
        columns={[
          [
            t("from"),
            // A neighbour's lead about a target here: its county shown (区域协作).
            (i) => party(i.from, i.county !== session.value?.officer.county ? i.county : undefined),
          ],
          [t("target"), (i) => <Said>{i.lead.target.name}</Said>],
          [t("violations"), (i) => joined(i.lead.violations.map(labels.violation))],
          [t("summary"), (i) => <Said>{i.lead.summary}</Said>],
          [t("receivedAt"), (i) => when(i.receivedAt)],
          [t("actions"), (i) => <Refer leadId={i.leadId} services={services} />],
        ]}
      />
    </>
  );
}

/** The originator's answer to a restricted lead crossing the county line (a refusal needs a reason). */
function ConsentActions(props: { consent: S["ConsentView"]; onChange: () => void }) {
  const [refusing, setRefusing] = useState(false);
  const [reason, setReason] = useState("");
  const decide = (key: string, body: S["ConsentDecision"]) =>
    ok(
      agencyApi(key).POST("/consents/{referralId}/decision", {
        params: { path: { referralId: props.consent.referralId } },
        body,
      }),
    );
  const grant = useSubmit((key) => decide(key, { granted: true }), props.onChange);
  const refuse = useSubmit((key) => decide(key, { granted: false, reason }), props.onChange);
  return (
    <div class="actions">
      <button type="button" disabled={grant.busy} onClick={() => grant.submit()}>
        {t("consentGrant")}
      </button>
      <button type="button" class="secondary" onClick={() => setRefusing(true)}>
        {t("consentRefuse")}
      </button>
      {refusing && (
        <SubmitForm submit={refuse} label={t("submit")}>
          <Input required name="reason" placeholder={t("reason")} value={reason} set={setReason} />
        </SubmitForm>
      )}
      <ErrorBox error={grant.error} />
    </div>
  );
}

/** An agency, with its county when the referral crosses a county line. */
const party = (agency: string, county: string | undefined) =>
  county ? `${labels.agency(agency)}${paren(county)}` : labels.agency(agency);

/** Consents asked, the requester first; shown while there are any. */
function ConsentSection(props: {
  title: string;
  list: Loaded<{ items: S["ConsentView"][] }>;
  testId: string;
  columns: Column<S["ConsentView"]>[];
}) {
  if ((props.list.data?.items.length ?? 0) === 0) return null;
  return (
    <ListSection
      {...props}
      refresh
      rowKey={(c) => c.referralId}
      columns={[[t("requestedBy"), (c) => labels.agency(c.requestedBy)], ...props.columns]}
    />
  );
}

/** Referrals, each with the steps this agency may take on it. */
function ReferralSection(props: {
  title: string;
  list: Loaded<{ items: Referral[] }>;
  testId: string;
  /** Leads shared with this agency: the facts of a referral's lead when it does not carry them. */
  shared?: { leadId: string; lead: NonNullable<Referral["lead"]> }[] | undefined;
}) {
  const facts = (r: Referral) =>
    r.lead ??
    (r.about.kind === "lead"
      ? props.shared?.find((i) => i.leadId === r.about.id)?.lead
      : undefined);
  return (
    <ListSection
      {...props}
      refresh
      rowKey={(r) => r.referralId}
      columns={[
        [t("from"), (r) => party(r.from, r.fromCounty)],
        [t("to"), (r) => party(r.to, r.toCounty)],
        [t("status"), (r) => <Status of={r.status} text={labels.referralStatus} />],
        [t("lead"), (r) => <LeadFacts lead={facts(r)} />],
        [t("reason"), (r) => <Said>{r.reason}</Said>],
        [t("acceptBy"), (r) => <AcceptBy r={r} />],
        [t("actions"), (r) => <ReferralActions referral={r} onChange={props.list.reload} />],
      ]}
    />
  );
}

/** What a referral's lead is about: its target, its violations, its summary. */
function LeadFacts({ lead }: { lead: Referral["lead"] }) {
  if (!lead) return null;
  return (
    <dl class="lead-facts" data-testid="lead-facts">
      <div>
        <dt>{t("target")}</dt>
        <dd>
          <Said>{lead.target.name}</Said>
        </dd>
      </div>
      <div>
        <dt>{t("violations")}</dt>
        <dd>{joined(lead.violations.map(labels.violation))}</dd>
      </div>
      <div>
        <dt>{t("summary")}</dt>
        <dd>
          <Said>{lead.summary}</Said>
        </dd>
      </div>
    </dl>
  );
}

/** The steps the officer's agency may take on a referral, by its role in it. */
function ReferralActions({ referral: r, onChange }: { referral: Referral; onChange: () => void }) {
  const me = session.value?.officer.agency;
  const [form, setForm] = useState<"return" | "withdrawal" | "complete" | undefined>(undefined);
  const { f, bind, reset } = useFields({ reason: "", actions: "", outcome: "" });
  const { reason, actions, outcome } = f;
  const path = { params: { path: { referralId: r.referralId } } };
  const step = useSubmit(
    async (key) => {
      const api = agencyApi(key);
      if (form === "return")
        return ok(api.POST("/referrals/{referralId}/return", { ...path, body: { reason } }));
      if (form === "withdrawal")
        return ok(api.POST("/referrals/{referralId}/withdrawal", { ...path, body: { reason } }));
      if (form === "complete")
        return ok(
          api.POST("/referrals/{referralId}/completion", { ...path, body: { actions, outcome } }),
        );
      return undefined;
    },
    () => {
      setForm(undefined);
      reset();
      onChange();
    },
  );
  const accept = useSubmit(
    (key) => ok(agencyApi(key).POST("/referrals/{referralId}/acceptance", path)),
    onChange,
  );
  // Across a county line the same agency sits on both sides: the parties are county-qualified.
  const here = session.value?.officer.county;
  const ours = (agency: string, county: string | undefined) =>
    agency === me && (county ?? here) === here;
  const addressee = r.status === "offered" && ours(r.to, r.toCounty);
  const sender = r.status === "offered" && ours(r.from, r.fromCounty);
  const holder = r.status === "accepted" && ours(r.holder, r.holderCounty);
  return (
    <div class="actions">
      {addressee && (
        <>
          <button type="button" disabled={accept.busy} onClick={() => accept.submit()}>
            {t("accept")}
          </button>
          <button type="button" class="secondary" onClick={() => setForm("return")}>
            {t("return")}
          </button>
        </>
      )}
      {sender && (
        <button type="button" class="secondary" onClick={() => setForm("withdrawal")}>
          {t("withdraw")}
        </button>
      )}
      {holder && (
        <button type="button" onClick={() => setForm("complete")}>
          {t("complete")}
        </button>
      )}
      {(form === "return" || form === "withdrawal") && (
        <SubmitForm submit={step} label={t("submit")}>
          <Input required placeholder={t("reason")} {...bind("reason")} />
        </SubmitForm>
      )}
      {form === "complete" && (
        <SubmitForm submit={step} label={t("submit")}>
          <Input required placeholder={t("whatWasDone")} {...bind("actions")} />
          <Input required placeholder={t("outcome")} {...bind("outcome")} />
        </SubmitForm>
      )}
      <ErrorBox error={accept.error} />
    </div>
  );
}

function RegisterLead({ onDone }: { onDone: () => void }) {
  const county = session.value?.officer.county ?? "";
  const { f, setF, bind, reset } = useFields({
    source: "record-audit" as LeadSource,
    violations: [] as Violation[],
    kind: "institution" as TargetKind,
    name: "",
    unit: "",
    county,
    summary: "",
    informantName: "",
    informantPhone: "",
  });
  const [result, setResult] = useState<S["LeadRegistered"] | undefined>(undefined);
  const submit = useSubmit(
    (key) =>
      ok(
        agencyApi(key).POST("/leads", {
          body: {
            source: f.source,
            violations: f.violations,
            target: {
              kind: f.kind,
              name: f.name,
              county: f.county,
              ...(f.unit ? { unit: f.unit } : {}),
            },
            summary: f.summary,
            ...(f.informantName
              ? {
                  informant: {
                    name: f.informantName,
                    ...(f.informantPhone ? { phone: f.informantPhone } : {}),
                  },
                }
              : {}),
          },
        }),
      ),
    (registered) => {
      // Sent: the form empties, so that the same lead is not registered again.
      reset();
      setResult(registered);
    },
  );
  return (
    <Section title={t("registerLead")}>
      <SubmitForm submit={submit} grid label={t("submit")} testId="register-lead">
        <Select label={t("source")} {...bind("source")}>
          {options(VOCABULARY.leadSources, labels.source)}
        </Select>
        <Checks
          legend={t("violations")}
          name="violations"
          values={VOCABULARY.violations}
          text={labels.violation}
          checked={f.violations}
          set={(violations) => setF({ ...f, violations })}
        />
        <TargetKindSelect {...bind("kind")} />
        <Input label={t("targetName")} required {...bind("name")} />
        <Input label={t("unit")} {...bind("unit")} />
        <Input label={t("county")} required pattern="\d{6}" {...bind("county")} />
        <TextArea label={t("summary")} labelClass="wide" required rows={3} {...bind("summary")} />
        <fieldset class="wide">
          <legend>{t("informant")}</legend>
          <Input placeholder={t("informantName")} {...bind("informantName")} />
          <Input placeholder={t("informantPhone")} {...bind("informantPhone")} />
        </fieldset>
      </SubmitForm>
      {result && (
        <div class="notice" role="status" data-testid="registered">
          <p>
            {t("registered")} <Id id={result.leadId} />
          </p>
          <p>
            {t("sharedWith")}
            {colon()}
            {joined(result.sharedWith.map(labels.agency)) || t("none")}
          </p>
          {result.possibleDuplicateOf && (
            <p>
              {t("possibleDuplicate")} <Id id={result.possibleDuplicateOf} />
            </p>
          )}
          <button type="button" class="link" onClick={onDone}>
            {t("myLeads")} →
          </button>
        </div>
      )}
    </Section>
  );
}

/** The kind of a lead's or a case's target. */
const TargetKindSelect = (props: {
  name: string;
  value: TargetKind;
  set: (k: TargetKind) => void;
}) => (
  <Select label={t("targetKind")} {...props}>
    {options(VOCABULARY.targetKinds, labels.targetKind)}
  </Select>
);

/** Refers a lead on: a button, then the form to do it. */
function Refer(props: { leadId: string; services: ServiceInfo[] }) {
  const [referring, setReferring] = useState(false);
  return referring ? (
    <ReferForm leadId={props.leadId} services={props.services} onDone={() => setReferring(false)} />
  ) : (
    <button type="button" onClick={() => setReferring(true)}>
      {t("refer")}
    </button>
  );
}

function MyLeads({ services }: { services: ServiceInfo[] }) {
  const leads = useLoad(() => ok(agencyApi().GET("/leads")), "leads");
  return (
    <ListSection
      title={t("myLeads")}
      list={leads}
      refresh
      testId="my-leads"
      rowKey={(l) => l.leadId}
      columns={[
        [t("target"), (l) => <Said>{l.target.name}</Said>],
        [t("violations"), (l) => joined(l.violations.map(labels.violation))],
        [t("sharedWith"), (l) => joined(l.sharedWith.map(labels.agency))],
        [t("registeredAt"), (l) => when(l.registeredAt)],
        [t("actions"), (l) => <Refer leadId={l.leadId} services={services} />],
      ]}
    />
  );
}

function ReferForm(props: { leadId: string; services: ServiceInfo[]; onDone: () => void }) {
  const me = session.value?.officer.agency;
  const others = props.services.filter((s) => s.code !== me && s.code !== "office");
  const [to, setTo] = useState(others[0]?.code ?? "");
  const [reason, setReason] = useState("");
  const [toCounty, setToCounty] = useState("");
  const [done, setDone] = useState<{ referralId: string; consent: boolean } | undefined>(undefined);
  const submit = useSubmit(
    (key) =>
      // 201: the referral; 202: a consent asked of the lead's originator (a restricted lead).
      ok(
        agencyApi(key).POST("/referrals", {
          body: {
            to,
            about: { kind: "lead", id: props.leadId },
            reason,
            ...(toCounty ? { toCounty } : {}),
          },
        }),
      ),
    (r) => setDone({ referralId: r.referralId, consent: !("history" in r) }),
  );
  if (done)
    return (
      <span class="notice" role="status" data-testid="refer-done">
        {done.consent ? t("consentAsked") : t("referrals")} <Id id={done.referralId} /> →{" "}
        {party(to, toCounty || undefined)}
      </span>
    );
  return (
    <SubmitForm
      submit={submit}
      label={t("submit")}
      testId="refer-form"
      extra={
        <button type="button" class="secondary" onClick={props.onDone}>
          {t("cancel")}
        </button>
      }
    >
      <Select label={t("referTo")} name="to" value={to} set={setTo}>
        {options(
          others.map((s) => s.code),
          labels.agency,
        )}
      </Select>
      <Input
        name="toCounty"
        pattern="\d{6}"
        title={t("toCountyHint")}
        placeholder={t("toCounty")}
        value={toCounty}
        set={setToCounty}
      />
      <Input name="reason" required placeholder={t("reason")} value={reason} set={setReason} />
    </SubmitForm>
  );
}

function Referrals() {
  const all = useLoad(() => ok(agencyApi().GET("/referrals")), "referrals");
  const consents = useLoad(() => ok(agencyApi().GET("/consents")), "consents");
  return (
    <>
      <ReferralSection title={t("referrals")} list={all} testId="referrals" />
      <ConsentSection
        title={t("consentStatus")}
        list={consents}
        testId="consents"
        columns={[
          [t("from"), (c) => labels.agency(c.originator)],
          [t("to"), (c) => party(c.to, c.toCounty)],
          [t("status"), (c) => labels.consentStatus(c.status)],
          [t("reason"), (c) => <Said>{c.decisionReason ?? c.reason}</Said>],
        ]}
      />
    </>
  );
}

function Cases() {
  const cases = useLoad(() => ok(agencyApi().GET("/cases")), "cases");
  const [closing, setClosing] = useState<string | undefined>(undefined);
  return (
    <>
      <OpenCase onDone={cases.reload} />
      <ListSection
        title={t("cases")}
        list={cases}
        refresh
        testId="cases"
        rowKey={(c) => c.caseId}
        columns={[
          [t("title"), (c) => <Said>{c.title}</Said>],
          [t("target"), (c) => <Said>{c.target.name}</Said>],
          [t("violations"), (c) => joined(c.violations.map(labels.violation))],
          [t("status"), (c) => labels.caseStatus(c.status)],
          [t("openedAt"), (c) => when(c.openedAt)],
          [t("sanction"), (c) => joined(c.sanctions.map((s) => labels.sanction(s.kind)))],
          [
            t("actions"),
            (c) =>
              c.status === "open" &&
              (closing === c.caseId ? (
                <CloseCase
                  caseId={c.caseId}
                  against={c.target.name}
                  onDone={() => {
                    setClosing(undefined);
                    cases.reload();
                  }}
                />
              ) : (
                <button type="button" onClick={() => setClosing(c.caseId)}>
                  {t("closeCase")}
                </button>
              )),
          ],
        ]}
      />
    </>
  );
}

function OpenCase({ onDone }: { onDone: () => void }) {
  const county = session.value?.officer.county ?? "";
  const referrals = useLoad(() => ok(agencyApi().GET("/referrals")), "case-referrals");
  const leads = useLoad(() => ok(agencyApi().GET("/leads")), "case-leads");
  const me = session.value?.officer.agency;
  const mine = (referrals.data?.items ?? []).filter(
    (r) => r.status === "accepted" && r.holder === me,
  );
  const { f, bind, reset } = useFields({
    title: "",
    violation: "sex-selective-termination" as Violation,
    name: "",
    kind: "institution" as TargetKind,
    from: "",
  });
  const submit = useSubmit(
    (key) => {
      const [kind, id = ""] = f.from.split(":");
      return ok(
        agencyApi(key).POST("/cases", {
          body: {
            title: f.title,
            violations: [f.violation],
            target: { kind: f.kind, name: f.name, county },
            leads: kind === "lead" ? [id] : [],
            referrals: kind === "referral" ? [id] : [],
          },
        }),
      );
    },
    () => {
      reset();
      onDone();
    },
  );
  return (
    <Section title={t("openCase")}>
      <SubmitForm submit={submit} grid label={t("openCase")} testId="open-case">
        <Input label={t("title")} required {...bind("title")} />
        <Select label={t("violations")} {...bind("violation")}>
          {options(VOCABULARY.violations, labels.violation)}
        </Select>
        <TargetKindSelect {...bind("kind")} />
        <Input label={t("targetName")} required {...bind("name")} />
        <Select
          label={`${t("fromReferrals")} / ${t("fromLeads")}`}
          labelClass="wide"
          required
          {...bind("from")}
        >
          <option value="">—</option>
          <optgroup label={t("fromReferrals")}>
            {mine.map((r) => (
              <option key={r.referralId} value={`referral:${r.referralId}`}>
                {labels.agency(r.from)} · {r.reason} · {r.referralId}
              </option>
            ))}
          </optgroup>
          <optgroup label={t("fromLeads")}>
            {(leads.data?.items ?? []).map((l) => (
              <option key={l.leadId} value={`lead:${l.leadId}`}>
                {l.target.name} · {l.leadId}
              </option>
            ))}
          </optgroup>
        </Select>
      </SubmitForm>
    </Section>
  );
}

function CloseCase(props: { caseId: string; against: string; onDone: () => void }) {
  const [summary, setSummary] = useState("");
  const [kind, setKind] = useState<SanctionKind | "none">("fine");
  const [amount, setAmount] = useState("");
  const [against, setAgainst] = useState(props.against);
  const [detail, setDetail] = useState("");
  const submit = useSubmit((key) => {
    const sanctions: Sanction[] = [];
    if (kind === "fine") sanctions.push({ kind, against, amountYuan: Number(amount) });
    else if (WITH_DETAIL.has(kind)) sanctions.push({ kind, against, detail } as Sanction);
    else if (kind !== "none") sanctions.push({ kind, against } as Sanction);
    return ok(
      agencyApi(key).POST("/cases/{caseId}/closure", {
        params: { path: { caseId: props.caseId } },
        body: { summary, sanctions },
      }),
    );
  }, props.onDone);
  return (
    <SubmitForm submit={submit} label={t("closeCase")} testId="close-case">
      <Input name="summary" required placeholder={t("summary")} value={summary} set={setSummary} />
      <Select name="sanction" value={kind} set={setKind}>
        {options(VOCABULARY.sanctions, labels.sanction)}
        <option value="none">{t("noSanction")}</option>
      </Select>
      {kind === "fine" && (
        <Input
          name="amount"
          type="number"
          min="1"
          required
          placeholder={t("amountYuan")}
          value={amount}
          set={setAmount}
        />
      )}
      {kind !== "none" && (
        <Input
          name="against"
          required
          placeholder={t("against")}
          value={against}
          set={setAgainst}
        />
      )}
      {WITH_DETAIL.has(kind) && (
        <Input name="detail" placeholder={t("detail")} value={detail} set={setDetail} />
      )}
    </SubmitForm>
  );
}
