// A liaison officer's desk: the inbox, registering and referring leads, acting on referrals,
// opening and closing cases. Everything goes to the officer's own agency's service.
import { useEffect, useState } from "preact/hooks";
import { acceptanceDeadlineLabel, deadlineBasis } from "../../../contracts/src/deadline-basis.ts";
import { VOCABULARY } from "../../../contracts/src/labels.ts";
import { agencyApi, followReferrals, ok, type S, type ServiceInfo, session } from "./api.ts";
import { InspectionFindings, MonthlyReport, SupervisionAnswers } from "./desk-extra.tsx";
import { labels, t, when } from "./i18n.ts";
import { ErrorBox, Section, short, Table, useLoad, useSubmit } from "./ui.tsx";

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
  | "report";

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
  ];
  return (
    <>
      <nav class="tabs">
        {tabs.map(([k, name]) => (
          <button type="button" key={k} class={tab === k ? "active" : ""} onClick={() => setTab(k)}>
            {name}
          </button>
        ))}
      </nav>
      {tab === "inbox" && <Inbox services={services} />}
      {tab === "register" && <RegisterLead onDone={() => setTab("leads")} />}
      {tab === "leads" && <MyLeads services={services} />}
      {tab === "referrals" && <Referrals />}
      {tab === "cases" && <Cases />}
      {tab === "supervision" && <SupervisionAnswers />}
      {tab === "inspections" && <InspectionFindings />}
      {tab === "report" && <MonthlyReport />}
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
  const consents = useLoad(
    () => ok(agencyApi().GET("/consents", { params: { query: { waiting: true } } })),
    "consents-waiting",
  );
  const [referring, setReferring] = useState<string | undefined>(undefined);
  return (
    <>
      <Section title={t("waitingReferrals")} actions={<Refresh onClick={waiting.reload} />}>
        <ErrorBox error={waiting.error} />
        <ReferralTable rows={waiting.data?.items} onChange={waiting.reload} testId="waiting" />
      </Section>
      {(consents.data?.items.length ?? 0) > 0 && (
        <Section title={t("consentsWaiting")} actions={<Refresh onClick={consents.reload} />}>
          <ErrorBox error={consents.error} />
          <Table
            testId="consents-waiting"
            rows={consents.data?.items}
            rowKey={(c) => c.referralId}
            columns={[
              [t("requestedBy"), (c) => labels.agency(c.requestedBy)],
              [t("to"), (c) => party(c.to, c.toCounty)],
              [t("reason"), (c) => c.reason],
              [t("receivedAt"), (c) => when(c.requestedAt)],
              [t("actions"), (c) => <ConsentActions consent={c} onChange={consents.reload} />],
            ]}
          />
        </Section>
      )}
      <Section title={t("sharedLeads")}>
        <ErrorBox error={shared.error} />
        <Table
          testId="shared-leads"
          rows={shared.data?.items}
          rowKey={(i) => i.leadId}
          columns={[
            [
              t("from"),
              // A neighbour's lead about a target here: its county shown (区域协作).
              (i) =>
                party(i.from, i.county !== session.value?.officer.county ? i.county : undefined),
            ],
            [t("target"), (i) => i.lead.target.name],
            [t("violations"), (i) => i.lead.violations.map(labels.violation).join("、")],
            [t("summary"), (i) => i.lead.summary],
            [t("receivedAt"), (i) => when(i.receivedAt)],
            [
              t("actions"),
              (i) =>
                referring === i.leadId ? (
                  <ReferForm
                    leadId={i.leadId}
                    services={services}
                    onDone={() => setReferring(undefined)}
                  />
                ) : (
                  <button type="button" onClick={() => setReferring(i.leadId)}>
                    {t("refer")}
                  </button>
                ),
            ],
          ]}
        />
      </Section>
    </>
  );
}

/** The originator's answer to a restricted lead crossing the county line (a refusal needs a reason). */
function ConsentActions(props: { consent: S["ConsentView"]; onChange: () => void }) {
  const [refusing, setRefusing] = useState(false);
  const [reason, setReason] = useState("");
  const decide = (body: S["ConsentDecision"]) =>
    ok(
      agencyApi().POST("/consents/{referralId}/decision", {
        params: { path: { referralId: props.consent.referralId } },
        body,
      }),
    );
  const grant = useSubmit(() => decide({ granted: true }), props.onChange);
  const refuse = useSubmit(() => decide({ granted: false, reason }), props.onChange);
  return (
    <div class="actions">
      <button type="button" disabled={grant.busy} onClick={() => grant.submit()}>
        {t("consentGrant")}
      </button>
      <button type="button" class="secondary" onClick={() => setRefusing(true)}>
        {t("consentRefuse")}
      </button>
      {refusing && (
        <form onSubmit={refuse.submit} class="inline">
          <input
            required
            name="reason"
            placeholder={t("reason")}
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
          <button type="submit" disabled={refuse.busy}>
            {t("submit")}
          </button>
        </form>
      )}
      <ErrorBox error={grant.error ?? refuse.error} />
    </div>
  );
}

const Refresh = ({ onClick }: { onClick: () => void }) => (
  <button type="button" class="link" onClick={onClick}>
    {t("refresh")}
  </button>
);

/** An agency, with its county when the referral crosses a county line. */
const party = (agency: string, county: string | undefined) =>
  county ? `${labels.agency(agency)}（${county}）` : labels.agency(agency);

function ReferralTable(props: {
  rows: Referral[] | undefined;
  onChange: () => void;
  testId: string;
}) {
  return (
    <Table
      testId={props.testId}
      rows={props.rows}
      rowKey={(r) => r.referralId}
      columns={[
        [t("from"), (r) => party(r.from, r.fromCounty)],
        [t("to"), (r) => party(r.to, r.toCounty)],
        [
          t("status"),
          (r) => <span class={`status ${r.status}`}>{labels.referralStatus(r.status)}</span>,
        ],
        [t("reason"), (r) => r.reason],
        [t("acceptBy"), (r) => <AcceptBy r={r} />],
        [t("actions"), (r) => <ReferralActions referral={r} onChange={props.onChange} />],
      ]}
    />
  );
}

/** The steps the officer's agency may take on a referral, by its role in it. */
function ReferralActions({ referral: r, onChange }: { referral: Referral; onChange: () => void }) {
  const me = session.value?.officer.agency;
  const [form, setForm] = useState<"return" | "withdrawal" | "complete" | undefined>(undefined);
  const [reason, setReason] = useState("");
  const [actions, setActions] = useState("");
  const [outcome, setOutcome] = useState("");
  const path = { params: { path: { referralId: r.referralId } } };
  const step = useSubmit(
    async () => {
      const api = agencyApi();
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
      onChange();
    },
  );
  const accept = useSubmit(
    () => ok(agencyApi().POST("/referrals/{referralId}/acceptance", path)),
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
        <form onSubmit={step.submit} class="inline">
          <input
            required
            placeholder={t("reason")}
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
          <button type="submit" disabled={step.busy}>
            {t("submit")}
          </button>
        </form>
      )}
      {form === "complete" && (
        <form onSubmit={step.submit} class="inline">
          <input
            required
            placeholder={t("whatWasDone")}
            value={actions}
            onInput={(e) => setActions(e.currentTarget.value)}
          />
          <input
            required
            placeholder={t("outcome")}
            value={outcome}
            onInput={(e) => setOutcome(e.currentTarget.value)}
          />
          <button type="submit" disabled={step.busy}>
            {t("submit")}
          </button>
        </form>
      )}
      <ErrorBox error={step.error ?? accept.error} />
    </div>
  );
}

function RegisterLead({ onDone }: { onDone: () => void }) {
  const county = session.value?.officer.county ?? "";
  const [f, setF] = useState({
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
  // The selects offer only the contract's values: what one holds is of the field's type.
  const set = (k: keyof typeof f) => (e: { currentTarget: { value: string } }) =>
    setF({ ...f, [k]: e.currentTarget.value } as typeof f);
  const submit = useSubmit(
    () =>
      ok(
        agencyApi().POST("/leads", {
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
    setResult,
  );
  return (
    <Section title={t("registerLead")}>
      <form onSubmit={submit.submit} class="grid" data-testid="register-lead">
        <label>
          {t("source")}
          <select name="source" value={f.source} onChange={set("source")}>
            {VOCABULARY.leadSources.map((s) => (
              <option key={s} value={s}>
                {labels.source(s)}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>{t("violations")}</legend>
          {VOCABULARY.violations.map((v) => (
            <label key={v} class="check">
              <input
                type="checkbox"
                name="violations"
                value={v}
                checked={f.violations.includes(v)}
                onChange={(e) =>
                  setF({
                    ...f,
                    violations: e.currentTarget.checked
                      ? [...f.violations, v]
                      : f.violations.filter((x) => x !== v),
                  })
                }
              />
              {labels.violation(v)}
            </label>
          ))}
        </fieldset>
        <label>
          {t("targetKind")}
          <select name="kind" value={f.kind} onChange={set("kind")}>
            <option value="institution">{t("institution")}</option>
            <option value="person">{t("person")}</option>
          </select>
        </label>
        <label>
          {t("targetName")}
          <input name="name" required value={f.name} onInput={set("name")} />
        </label>
        <label>
          {t("unit")}
          <input name="unit" value={f.unit} onInput={set("unit")} />
        </label>
        <label>
          {t("county")}
          <input name="county" required pattern="\d{6}" value={f.county} onInput={set("county")} />
        </label>
        <label class="wide">
          {t("summary")}
          <textarea name="summary" required rows={3} value={f.summary} onInput={set("summary")} />
        </label>
        <fieldset class="wide">
          <legend>{t("informant")}</legend>
          <input
            name="informantName"
            placeholder={t("informantName")}
            value={f.informantName}
            onInput={set("informantName")}
          />
          <input
            name="informantPhone"
            placeholder={t("informantPhone")}
            value={f.informantPhone}
            onInput={set("informantPhone")}
          />
        </fieldset>
        <div class="wide">
          <button type="submit" disabled={submit.busy}>
            {t("submit")}
          </button>
        </div>
      </form>
      <ErrorBox error={submit.error} />
      {result && (
        <div class="notice" role="status" data-testid="registered">
          <p>
            {t("registered")} <code>{result.leadId}</code>
          </p>
          <p>
            {t("sharedWith")}：{result.sharedWith.map(labels.agency).join("、") || t("none")}
          </p>
          {result.possibleDuplicateOf && (
            <p>
              {t("possibleDuplicate")} <code>{short(result.possibleDuplicateOf)}</code>
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

function MyLeads({ services }: { services: ServiceInfo[] }) {
  const leads = useLoad(() => ok(agencyApi().GET("/leads")), "leads");
  const [referring, setReferring] = useState<string | undefined>(undefined);
  return (
    <Section title={t("myLeads")} actions={<Refresh onClick={leads.reload} />}>
      <ErrorBox error={leads.error} />
      <Table
        testId="my-leads"
        rows={leads.data?.items}
        rowKey={(l) => l.leadId}
        columns={[
          [t("target"), (l) => l.target.name],
          [t("violations"), (l) => l.violations.map(labels.violation).join("、")],
          [t("sharedWith"), (l) => l.sharedWith.map(labels.agency).join("、")],
          [t("registeredAt"), (l) => when(l.registeredAt)],
          [
            t("actions"),
            (l) =>
              referring === l.leadId ? (
                <ReferForm
                  leadId={l.leadId}
                  services={services}
                  onDone={() => setReferring(undefined)}
                />
              ) : (
                <button type="button" onClick={() => setReferring(l.leadId)}>
                  {t("refer")}
                </button>
              ),
          ],
        ]}
      />
    </Section>
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
    () =>
      // 201: the referral; 202: a consent asked of the lead's originator (a restricted lead).
      ok(
        agencyApi().POST("/referrals", {
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
        {done.consent ? t("consentAsked") : t("referrals")} <code>{short(done.referralId)}</code> →{" "}
        {party(to, toCounty || undefined)}
      </span>
    );
  return (
    <form class="inline" onSubmit={submit.submit} data-testid="refer-form">
      <label>
        {t("referTo")}
        <select name="to" value={to} onChange={(e) => setTo(e.currentTarget.value)}>
          {others.map((s) => (
            <option key={s.code} value={s.code}>
              {labels.agency(s.code)}
            </option>
          ))}
        </select>
      </label>
      <input
        name="toCounty"
        pattern="\d{6}"
        title={t("toCountyHint")}
        placeholder={t("toCounty")}
        value={toCounty}
        onInput={(e) => setToCounty(e.currentTarget.value)}
      />
      <input
        name="reason"
        required
        placeholder={t("reason")}
        value={reason}
        onInput={(e) => setReason(e.currentTarget.value)}
      />
      <button type="submit" disabled={submit.busy}>
        {t("submit")}
      </button>
      <button type="button" class="secondary" onClick={props.onDone}>
        {t("cancel")}
      </button>
      <ErrorBox error={submit.error} />
    </form>
  );
}

function Referrals() {
  const all = useLoad(() => ok(agencyApi().GET("/referrals")), "referrals");
  const consents = useLoad(() => ok(agencyApi().GET("/consents")), "consents");
  return (
    <>
      <Section title={t("referrals")} actions={<Refresh onClick={all.reload} />}>
        <ErrorBox error={all.error} />
        <ReferralTable rows={all.data?.items} onChange={all.reload} testId="referrals" />
      </Section>
      {(consents.data?.items.length ?? 0) > 0 && (
        <Section title={t("consentStatus")} actions={<Refresh onClick={consents.reload} />}>
          <Table
            testId="consents"
            rows={consents.data?.items}
            rowKey={(c) => c.referralId}
            columns={[
              [t("requestedBy"), (c) => labels.agency(c.requestedBy)],
              [t("from"), (c) => labels.agency(c.originator)],
              [t("to"), (c) => party(c.to, c.toCounty)],
              [t("status"), (c) => labels.consentStatus(c.status)],
              [t("reason"), (c) => c.decisionReason ?? c.reason],
            ]}
          />
        </Section>
      )}
    </>
  );
}

function Cases() {
  const cases = useLoad(() => ok(agencyApi().GET("/cases")), "cases");
  const [closing, setClosing] = useState<string | undefined>(undefined);
  return (
    <>
      <OpenCase onDone={cases.reload} />
      <Section title={t("cases")} actions={<Refresh onClick={cases.reload} />}>
        <ErrorBox error={cases.error} />
        <Table
          testId="cases"
          rows={cases.data?.items}
          rowKey={(c) => c.caseId}
          columns={[
            [t("title"), (c) => c.title],
            [t("target"), (c) => c.target.name],
            [t("violations"), (c) => c.violations.map(labels.violation).join("、")],
            [t("status"), (c) => labels.caseStatus(c.status)],
            [t("openedAt"), (c) => when(c.openedAt)],
            [t("sanction"), (c) => c.sanctions.map((s) => labels.sanction(s.kind)).join("、")],
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
      </Section>
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
  const [f, setF] = useState({
    title: "",
    violation: "sex-selective-termination" as Violation,
    name: "",
    kind: "institution" as TargetKind,
    from: "",
  });
  const submit = useSubmit(
    () => {
      const [kind, id = ""] = f.from.split(":");
      return ok(
        agencyApi().POST("/cases", {
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
      setF({ ...f, title: "", name: "" });
      onDone();
    },
  );
  return (
    <Section title={t("openCase")}>
      <form class="grid" onSubmit={submit.submit} data-testid="open-case">
        <label>
          {t("title")}
          <input
            name="title"
            required
            value={f.title}
            onInput={(e) => setF({ ...f, title: e.currentTarget.value })}
          />
        </label>
        <label>
          {t("violations")}
          <select
            name="violation"
            value={f.violation}
            onChange={(e) => setF({ ...f, violation: e.currentTarget.value as Violation })}
          >
            {VOCABULARY.violations.map((v) => (
              <option key={v} value={v}>
                {labels.violation(v)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("targetKind")}
          <select
            name="kind"
            value={f.kind}
            onChange={(e) => setF({ ...f, kind: e.currentTarget.value as TargetKind })}
          >
            <option value="institution">{t("institution")}</option>
            <option value="person">{t("person")}</option>
          </select>
        </label>
        <label>
          {t("targetName")}
          <input
            name="name"
            required
            value={f.name}
            onInput={(e) => setF({ ...f, name: e.currentTarget.value })}
          />
        </label>
        <label class="wide">
          {t("fromReferrals")} / {t("fromLeads")}
          <select
            name="from"
            required
            value={f.from}
            onChange={(e) => setF({ ...f, from: e.currentTarget.value })}
          >
            <option value="">—</option>
            {mine.map((r) => (
              <option key={r.referralId} value={`referral:${r.referralId}`}>
                {t("referrals")} {short(r.referralId)} · {labels.agency(r.from)} · {r.reason}
              </option>
            ))}
            {(leads.data?.items ?? []).map((l) => (
              <option key={l.leadId} value={`lead:${l.leadId}`}>
                {t("myLeads")} {short(l.leadId)} · {l.target.name}
              </option>
            ))}
          </select>
        </label>
        <div class="wide">
          <button type="submit" disabled={submit.busy}>
            {t("openCase")}
          </button>
        </div>
      </form>
      <ErrorBox error={submit.error} />
    </Section>
  );
}

function CloseCase(props: { caseId: string; against: string; onDone: () => void }) {
  const [summary, setSummary] = useState("");
  const [kind, setKind] = useState<SanctionKind | "none">("fine");
  const [amount, setAmount] = useState("");
  const [against, setAgainst] = useState(props.against);
  const [detail, setDetail] = useState("");
  const submit = useSubmit(() => {
    const sanctions: Sanction[] = [];
    if (kind === "fine") sanctions.push({ kind, against, amountYuan: Number(amount) });
    else if (WITH_DETAIL.has(kind)) sanctions.push({ kind, against, detail } as Sanction);
    else if (kind !== "none") sanctions.push({ kind, against } as Sanction);
    return ok(
      agencyApi().POST("/cases/{caseId}/closure", {
        params: { path: { caseId: props.caseId } },
        body: { summary, sanctions },
      }),
    );
  }, props.onDone);
  return (
    <form class="inline" onSubmit={submit.submit} data-testid="close-case">
      <input
        name="summary"
        required
        placeholder={t("summary")}
        value={summary}
        onInput={(e) => setSummary(e.currentTarget.value)}
      />
      <select
        name="sanction"
        value={kind}
        onChange={(e) => setKind(e.currentTarget.value as SanctionKind | "none")}
      >
        {VOCABULARY.sanctions.map((s) => (
          <option key={s} value={s}>
            {labels.sanction(s)}
          </option>
        ))}
        <option value="none">{t("noSanction")}</option>
      </select>
      {kind === "fine" && (
        <input
          name="amount"
          type="number"
          min="1"
          required
          placeholder={t("amountYuan")}
          value={amount}
          onInput={(e) => setAmount(e.currentTarget.value)}
        />
      )}
      {kind !== "none" && (
        <input
          name="against"
          required
          placeholder={t("against")}
          value={against}
          onInput={(e) => setAgainst(e.currentTarget.value)}
        />
      )}
      {WITH_DETAIL.has(kind) && (
        <input
          name="detail"
          placeholder={t("detail")}
          value={detail}
          onInput={(e) => setDetail(e.currentTarget.value)}
        />
      )}
      <button type="submit" disabled={submit.busy}>
        {t("closeCase")}
      </button>
      <ErrorBox error={submit.error} />
    </form>
  );
}
