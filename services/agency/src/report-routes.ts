import {
  type MonthlyFigures,
  monthOf,
  OFFICE,
  ReportMonth,
  ReportSubmission,
  reportDueBy,
} from "@liandong/contracts";
import {
  type AggregateLog,
  type Clock,
  type HttpEnv,
  ProblemError,
  readJson,
  uuidFromName,
} from "@liandong/runtime";
import type { Context, Hono } from "hono";
import type { DeskStore } from "./desk-store.ts";

/** Pure: this agency's figures for a month, from what its desk recorded off the bus. */
export function prefill(store: DeskStore, agency: string, month: string): MonthlyFigures {
  const f: MonthlyFigures = {
    leadsRegistered: 0,
    leadsReceived: 0,
    casesOpened: 0,
    casesClosed: 0,
    finesYuan: 0,
    revocations: 0,
    judiciaryTransfers: 0,
    referralsOverdue: 0,
    inspections: 0,
    institutionsChecked: 0,
    devicesSealed: 0,
    drugsConfiscated: 0,
  };
  for (const id of store.state.leads.keys()) {
    const lead = store.lead(id);
    if (lead && lead.originator === agency && monthOf(lead.registeredAt) === month)
      f.leadsRegistered++;
  }
  for (const id of store.state.inbox.keys()) {
    const item = store.inboxItem(id);
    if (item && monthOf(item.receivedAt) === month) f.leadsReceived++;
  }
  for (const c of store.cases.values()) {
    if (monthOf(c.openedAt) === month) f.casesOpened++;
    if (c.closedAt && monthOf(c.closedAt) === month) {
      f.casesClosed++;
      for (const s of c.sanctions) {
        if (s.kind === "fine") f.finesYuan += s.amountYuan;
        if (s.kind === "revoke-practising-certificate" || s.kind === "revoke-institution-licence")
          f.revocations++;
        if (s.kind === "transfer-to-judiciary") f.judiciaryTransfers++;
      }
    }
  }
  for (const n of store.overdueNotices.values()) if (monthOf(n.at) === month) f.referralsOverdue++;
  for (const i of store.inspections.values()) {
    if (!i.findings || monthOf(i.findings.recordedAt) !== month) continue;
    f.inspections++;
    f.institutionsChecked += i.findings.institutionsChecked;
    f.devicesSealed += i.findings.devicesSealed;
    f.drugsConfiscated += i.findings.drugsConfiscated;
  }
  return f;
}

const monthParam = (c: Context<HttpEnv>) => {
  const month = ReportMonth.safeParse(c.req.param("month"));
  if (!month.success) throw new ProblemError(404, "not-found", "月份格式应为 YYYY-MM");
  return month.data;
};

/** The agency's monthly report (月报): pre-filled from the bus, submitted by the agency. */
export function mountReports(
  app: Hono<HttpEnv>,
  deps: { agency: string; store: DeskStore; log: AggregateLog; clock: Clock },
) {
  const { agency, store, log, clock } = deps;
  app.get("/reports/:month", (c) => {
    const month = monthParam(c);
    return c.json({
      month,
      dueBy: reportDueBy(month),
      prefilled: prefill(store, agency, month),
      ...(store.reports.has(month) ? { submitted: store.reports.get(month) } : {}),
    });
  });
  app.post("/reports/:month/submission", async (c) => {
    const month = monthParam(c);
    const officer = c.get("officer");
    const body = await readJson(c, ReportSubmission);
    const at = clock();
    await log.append({
      type: "report.submitted",
      actor: officer.id,
      aggregate: { kind: "report", id: uuidFromName(`report:${month}:${agency}`) },
      to: OFFICE,
      data: { month, agency, figures: body.figures, ...(body.note ? { note: body.note } : {}) },
    });
    const first = store.reports.get(month);
    const saved = {
      month,
      submittedAt: first?.submittedAt ?? at.toISOString(),
      figures: body.figures,
      ...(body.note ? { note: body.note } : {}),
    };
    await store.saveReport(saved);
    return c.json(saved, first ? 200 : 201);
  });
}
