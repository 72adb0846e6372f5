// 数据比对 at the leading group's office: the county's findings of the comparison rules by month
// and rule, each with its sides' facts and the lead it made. The office holds no register and no
// key: it names nobody, and each side of a finding says which agency names it, at its own desk.
import { useState } from "preact/hooks";
import { type O, officeApi, ok } from "./api.ts";
import { gap, labels, t, type Word } from "./i18n.ts";
import { ErrorBox, Section, useLoad } from "./ui.tsx";

type Finding = O["OfficeFindings"]["items"][number];
type Rule = Finding["rule"];
type Fact = Finding["facts"][number];

const RULE: Record<Rule, Word> = {
  "pregnancy-disappeared": "rulePregnancyDisappeared",
  "unapproved-termination": "ruleUnapprovedTermination",
  "prescriber-overdose": "rulePrescriberOverdose",
};
const RULES = Object.keys(RULE) as Rule[];
const KIND: Record<Fact["kind"], Word> = {
  ultrasound: "factUltrasound",
  "follow-up": "factFollowUp",
  delivery: "factDelivery",
  termination: "factTermination",
  approval: "factApproval",
};

const DRUG: Record<Finding["sales"][number]["drug"], Word> = {
  mifepristone: "drugMifepristone",
  misoprostol: "drugMisoprostol",
  ethacridine: "drugEthacridine",
};

/** One side's fact as the rule read it: what, when, and what it says. */
function factText(f: Fact): string {
  const parts = [`${t(KIND[f.kind])} ${f.on}`];
  if (f.weeks !== undefined) parts.push(`${t("weeks")} ${f.weeks}`);
  if (f.expectedOn) parts.push(`${t("expectedOn")} ${f.expectedOn}`);
  if (f.kind === "termination") parts.push(t(f.approved ? "approved" : "notApproved"));
  if (f.kind === "follow-up" && f.pregnant !== undefined)
    parts.push(t(f.pregnant ? "stillPregnant" : "notPregnant"));
  return parts.join(t("listSep"));
}

export function CountyFindings() {
  const [month, setMonth] = useState<string>();
  const all = useLoad(
    () => ok(officeApi().GET("/comparison/findings", { params: { query: { limit: 1 } } })),
    "county-findings",
  );
  const shown = month ?? all.data?.months[0]?.month;
  const list = useLoad(
    () =>
      shown
        ? ok(
            officeApi().GET("/comparison/findings", {
              params: { query: { month: shown, limit: 500 } },
            }),
          )
        : Promise.resolve(undefined),
    `county-findings-${shown ?? ""}`,
  );
  const months = all.data?.months ?? [];
  return (
    <Section title={t("countyFindings")}>
      <ErrorBox error={all.error ?? list.error} />
      <p>
        <small>{t("countyFindingsNote")}</small>
      </p>
      {all.data && months.length === 0 && <p>{t("noFindings")}</p>}
      {months.length > 0 && (
        <div>
          <table data-testid="findings-by-month">
            <thead>
              <tr>
                <th>{t("month")}</th>
                {RULES.map((r) => (
                  <th key={r}>{t(RULE[r])}</th>
                ))}
                <th>{t("total")}</th>
              </tr>
            </thead>
            <tbody>
              {months.map((m) => (
                <tr
                  key={m.month}
                  data-testid="findings-month-row"
                  class={m.month === shown ? "active" : ""}
                >
                  <td>
                    <button type="button" onClick={() => setMonth(m.month)}>
                      {m.month}
                    </button>
                  </td>
                  {RULES.map((r) => (
                    <td key={r}>{m.byRule[r]}</td>
                  ))}
                  <td>{m.total}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {shown && list.data && (
        <div data-testid="county-findings-month">
          <h3>{shown}</h3>
          {list.data.items.map((f) => (
            <div key={f.finding} data-testid="county-finding" class="card">
              <strong>{t(RULE[f.rule])}</strong>
              <p>
                {t("findingDue")} {f.dueOn}
                {gap()}
                {t("findingTo")} {f.to.map(labels.agency).join("、")}
              </p>
              <p data-testid="finding-lead">
                {f.lead
                  ? `${t("leadBy")} ${labels.agency(f.lead.originator)}${gap()}${t("deliveredTo")} ${
                      f.lead.deliveredTo.map(labels.agency).join("、") || "—"
                    }`
                  : t("noLeadYet")}
              </p>
              <ul>
                {f.facts.map((x) => (
                  <li key={`${x.holder}${x.kind}${x.on}`} data-testid="county-finding-fact">
                    {labels.agency(x.holder)}·{factText(x)} <small>{t("otherSide")}</small>
                  </li>
                ))}
                {f.sales.map((s) => (
                  <li key={`${s.soldOn}${s.drug}${s.doseMg}`} data-testid="county-finding-fact">
                    {labels.agency("drug-regulation")}·{s.soldOn} {t(DRUG[s.drug])} {s.doseMg}mg{" "}
                    <small>{t("otherSide")}</small>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      )}
    </Section>
  );
}
