import {
  type Agency,
  type AgencyCode,
  DEFAULT_AGENCIES,
  type Finding,
  type LeadRegistration,
  type LeadSource,
  type PregnancyFact,
  REGISTER_LABELS,
  shortNameOf,
  type Violation,
} from "@liandong/contracts";

/**
 * A rule's finding as a lead (线索), registered by the agency whose work it is and routed by the
 * county's routing table like any other: 孕情消失 by family planning (to health), 十四周以上无审批
 * 引产 by health, 反复超量处方 by drug regulation (to health, S2). The lead names the person by
 * pseudonym only; each side's facts are in the summary with the holder's opaque reference, which
 * only the holder can turn back into a name. The lead id derives from the finding's key, so a
 * rule that fires again for the same person and pregnancy makes no second lead.
 */
export const FINDING_ORIGINATOR: Readonly<
  Record<Finding["rule"], { agency: AgencyCode; source: LeadSource; violations: Violation[] }>
> = {
  "pregnancy-disappeared": {
    agency: "family-planning",
    source: "pregnancy-disappearance",
    violations: ["sex-selective-termination"],
  },
  "unapproved-termination": {
    agency: "health",
    source: "record-audit",
    violations: ["sex-selective-termination"],
  },
  "prescriber-overdose": {
    agency: "drug-regulation",
    source: "drug-ledger-anomaly",
    violations: ["illegal-drug-sale"],
  },
};

/**
 * One fact of a finding as its lead's summary says it: the holding agency's short name (the
 * county's), its register, the day, then what matters. The page finds each fact's holder by it.
 */
function factLine(f: PregnancyFact, agencies: readonly Agency[]): string {
  const parts = [
    `${shortNameOf(f.holder, agencies) ?? f.holder}·${REGISTER_LABELS[f.kind]} ${f.on}`,
  ];
  if (f.weeks !== undefined) parts.push(`孕${f.weeks}周`);
  if (f.expectedOn) parts.push(`预产期${f.expectedOn}`);
  if (f.kind === "termination") parts.push(f.approved ? "有审批" : "无审批");
  if (f.kind === "follow-up" && f.pregnant !== undefined) parts.push(f.pregnant ? "在孕" : "未孕");
  parts.push(`记录号${f.ref}`);
  return parts.join("，");
}

export function findingLead(
  finding: Finding,
  county: string,
  agencies: readonly Agency[] = DEFAULT_AGENCIES,
): { originator: AgencyCode; registration: LeadRegistration } {
  const o = FINDING_ORIGINATOR[finding.rule];
  const observedAt = `${finding.dueOn}T00:00:00+08:00`;
  if (finding.rule === "prescriber-overdose" && finding.prescriber) {
    const p = finding.prescriber;
    const sales = p.sales.map((s) => `${s.soldOn} ${s.doseMg}mg（记录号${s.ref}）`).join("；");
    return {
      originator: o.agency,
      registration: {
        source: o.source,
        violations: o.violations,
        target: { kind: "person", name: p.prescriber, unit: p.institution, county },
        summary: `数据比对：处方医师${p.prescriber}的${p.drug}剂量${p.sales.length}次超过常用量的规定倍数：${sales}`,
        evidence: [],
        observedAt,
        handling: [],
      },
    };
  }
  const label =
    finding.rule === "pregnancy-disappeared" ? "孕情消失对象" : "十四周以上无审批引产对象";
  return {
    originator: o.agency,
    registration: {
      source: o.source,
      violations: o.violations,
      target: {
        kind: "person",
        name: `${label}（比对假名 ${finding.pseudonym?.slice(0, 16)}）`,
        county,
      },
      summary: `数据比对（${finding.dueOn}到期）：${finding.facts
        .slice(0, 20)
        .map((f) => factLine(f, agencies))
        .join("；")}。各方记录由其保管部门核实身份。`,
      evidence: [],
      observedAt,
      handling: [],
    },
  };
}
