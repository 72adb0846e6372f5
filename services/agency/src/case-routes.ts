import {
  type AgencyCode,
  CaseClosure,
  CaseOpening,
  CaseStep,
  type CountyConfig,
} from "@liandong/contracts";
import {
  type AggregateLog,
  type Clock,
  type HttpEnv,
  ProblemError,
  readJson,
  uuidFromName,
  ValidationError,
} from "@liandong/runtime";
import type { Hono } from "hono";
import { applyCase, type CaseBusEvent, type CaseRecord } from "./case-record.ts";
import { checkSanctions } from "./case-rules.ts";
import type { DeskStore } from "./desk-store.ts";
import type { AgencyRules } from "./rules.ts";

export type CaseDeskDeps = {
  agency: AgencyCode;
  config: CountyConfig;
  rules: AgencyRules;
  store: DeskStore;
  log: AggregateLog;
  clock: Clock;
};

const publicCase = ({ applied: _a, ...view }: CaseRecord) => view;

/** Cases (案件): opened by one agency from what it holds, investigated, closed with its sanctions. */
export function mountCases(app: Hono<HttpEnv>, deps: CaseDeskDeps): void {
  const { agency, store, log, clock } = deps;

  async function record(
    officer: string,
    caseId: string,
    event: { type: CaseBusEvent["type"]; data: unknown },
  ) {
    const published = await log.append({
      type: event.type,
      actor: officer,
      aggregate: { kind: "case", id: caseId },
      data: event.data,
    } as Parameters<AggregateLog["append"]>[0]);
    const envelope = JSON.parse(Buffer.from(published.bytes).toString("utf8")) as CaseBusEvent;
    const next = applyCase(store.cases.get(caseId), envelope);
    if (next) await store.saveCase(next);
    return next!;
  }

  function openCase(id: string): CaseRecord {
    const c = store.cases.get(id);
    if (!c) throw new ProblemError(404, "not-found", "未找到该案件");
    if (c.status !== "open")
      throw new ProblemError(409, "case-closed", "案件已结案", undefined, {
        current: publicCase(c),
      });
    return c;
  }

  app.post("/cases", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, CaseOpening);
    const issues = [
      ...body.leads
        .map((id, i) => ({ id, i }))
        .filter(({ id }) => !store.lead(id) && !store.inboxItem(id))
        .map(({ i }) => ({ field: `leads.${i}`, message: "not a lead this agency holds" })),
      ...body.referrals
        .map((id, i) => ({ id, i }))
        .filter(({ id }) => {
          const r = store.referrals.get(id);
          return !r || r.to !== agency || r.status !== "accepted";
        })
        .map(({ i }) => ({
          field: `referrals.${i}`,
          message: "not a referral this agency has accepted",
        })),
    ];
    if (body.leads.length + body.referrals.length === 0)
      issues.push({
        field: "leads",
        message: "a case is opened from at least one lead or referral",
      });
    if (issues.length > 0) throw new ValidationError("case-refused", "立案未通过校验", issues);
    const key = c.req.header("idempotency-key");
    const caseId = key ? uuidFromName(`${agency}:case:${officer.id}:${key}`) : crypto.randomUUID();
    const existing = store.cases.get(caseId);
    if (existing) return c.json(publicCase(existing), 200);
    const opened = await record(officer.id, caseId, {
      type: "case.opened",
      data: { caseId, agency, ...body },
    });
    return c.json(publicCase(opened), 201);
  });

  app.get("/cases", (c) => {
    const items = [...store.cases.values()]
      .map(publicCase)
      .sort((a, b) => b.openedAt.localeCompare(a.openedAt));
    return c.json({ items, total: items.length });
  });

  app.get("/cases/:caseId", (c) => {
    const found = store.cases.get(c.req.param("caseId"));
    if (!found) throw new ProblemError(404, "not-found", "未找到该案件");
    return c.json(publicCase(found));
  });

  app.post("/cases/:caseId/steps", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, CaseStep);
    const current = openCase(c.req.param("caseId"));
    const next = await record(officer.id, current.caseId, {
      type: "case.step-recorded",
      data: { caseId: current.caseId, ...body },
    });
    return c.json(publicCase(next));
  });

  app.post("/cases/:caseId/closure", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, CaseClosure);
    const current = openCase(c.req.param("caseId"));
    const checked = checkSanctions(body.sanctions, deps.rules, deps.config, clock());
    if (!checked.ok)
      throw new ValidationError(
        "sanction-refused",
        "本部门无权作出该处罚或处罚超出法定幅度",
        checked.issues,
      );
    const next = await record(officer.id, current.caseId, {
      type: "case.closed",
      data: { caseId: current.caseId, summary: body.summary, sanctions: checked.sanctions },
    });
    return c.json(publicCase(next));
  });
}
