import {
  type AgencyCode,
  CaseClosure,
  CaseOpening,
  CaseStep,
  type CountyConfig,
  type ProblemCode,
} from "@liandong/contracts";
import {
  type CaseCommand,
  type CaseEvent,
  type CaseRecord,
  type CaseRefusal,
  type CaseState,
  caseDecider,
  caseView,
} from "@liandong/domain";
import {
  type AggregateLog,
  type Clock,
  Decisions,
  type HttpEnv,
  ProblemError,
  readJson,
  uuidFromName,
  ValidationError,
} from "@liandong/runtime";
import { type Context, Hono } from "hono";
import { applyCase } from "./case-record.ts";
import type { DeskStore } from "./desk-store.ts";

export type CaseDeskDeps = {
  agency: AgencyCode;
  config: CountyConfig;
  store: DeskStore;
  log: AggregateLog;
  clock: Clock;
};

/** A command without what every command carries: who, when, the event's id. */
type Intent = CaseCommand extends infer C
  ? C extends CaseCommand
    ? Omit<C, "agency" | "actor" | "at" | "eventId">
    : never
  : never;

/** The problem code of an implausible command, by what it attempted. */
const INVALID_CODE: Record<CaseCommand["type"], ProblemCode> = {
  open: "case-refused",
  "record-step": "case-refused",
  close: "sanction-refused",
};

/**
 * Cases (案件): opened by one agency from what it holds, investigated, closed with its
 * sanctions. Every rule is the domain's case decider; a route loads the case, decides, appends.
 */
export function caseRoutes(deps: CaseDeskDeps): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  const { agency, store, log, clock } = deps;

  const decisions = new Decisions();

  /** Load, decide, append, fold, through the runtime's one handler: the case after the command. */
  function handle(c: Context<HttpEnv>, caseId: string, intent: Intent): Promise<CaseRecord> {
    const officer = c.get("officer");
    const key = c.req.header("idempotency-key");
    const eventId = key
      ? uuidFromName(`${agency}:case:${caseId}:${intent.type}:${officer.id}:${key}`)
      : crypto.randomUUID();
    return decisions.run<CaseState, CaseEvent>({
      aggregateId: caseId,
      load: () => store.cases.get(caseId),
      initial: () => caseDecider.initialState(),
      // A retry of a step already on the record answers with the case as it is now.
      already: (current) =>
        current.status !== "none" && current.applied.includes(eventId) ? current : undefined,
      decide: (current) =>
        caseDecider.decide(
          {
            ...intent,
            agency,
            actor: officer.id,
            at: clock().toISOString(),
            eventId,
          } as CaseCommand,
          current,
        ),
      append: async (current, events) => {
        let next = current.status === "none" ? undefined : current;
        for (const e of events) {
          const published = await log.append({
            type: e.type,
            id: e.id,
            time: new Date(e.time),
            actor: e.actor,
            aggregate: { kind: "case", id: caseId },
            data: e.data,
          } as Parameters<AggregateLog["append"]>[0]);
          // Folded as it is on the stream: the envelope is the event every other reader folds.
          next = applyCase(next, JSON.parse(Buffer.from(published.bytes).toString("utf8")));
        }
        if (next) await store.saveCase(next);
        return next ?? current;
      },
      version: (current) => (current && current.status !== "none" ? current.applied.length : 0),
      notFound: new ProblemError(404, "not-found", "未找到该案件"),
      problem: (r, current) =>
        problem(r, intent.type, current.status === "none" ? undefined : current),
    }) as Promise<CaseRecord>;
  }

  function problem(
    r: CaseRefusal,
    attempted: CaseCommand["type"],
    current: CaseRecord | undefined,
  ): Error {
    if (r.refused === "invalid")
      return new ValidationError(
        INVALID_CODE[attempted],
        r.message,
        r.issues ?? (r.field ? [{ field: r.field, message: r.message }] : []),
      );
    if (!current) return new ProblemError(404, "not-found", "未找到该案件");
    if (r.refused === "forbidden") return new ProblemError(403, "forbidden", r.message);
    return new ProblemError(409, "case-closed", r.message, undefined, {
      current: caseView(current),
    });
  }

  /** A case of this agency, or 404: another agency's case is not ours to show or move. */
  function ownCase(caseId: string): CaseRecord {
    const found = store.cases.get(caseId);
    if (!found || found.agency !== agency) throw new ProblemError(404, "not-found", "未找到该案件");
    return found;
  }

  app.post("/cases", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, CaseOpening);
    const key = c.req.header("idempotency-key");
    const caseId = key ? uuidFromName(`${agency}:case:${officer.id}:${key}`) : crypto.randomUUID();
    const existing = store.cases.get(caseId);
    if (existing) return c.json(caseView(existing), 200);
    const opened = await handle(c, caseId, {
      type: "open",
      caseId,
      opening: body,
      leadsHeld: body.leads.filter((id) => store.lead(id) ?? store.inboxItem(id)),
      referralsAccepted: body.referrals.filter((id) => {
        const r = store.referrals.get(id);
        return r?.to === agency && r.status === "accepted";
      }),
    });
    return c.json(caseView(opened), 201);
  });

  app.get("/cases", (c) => {
    const items = [...store.cases.values()]
      .map(caseView)
      .sort((a, b) => b.openedAt.localeCompare(a.openedAt));
    return c.json({ items, total: items.length });
  });

  app.get("/cases/:caseId", (c) => c.json(caseView(ownCase(c.req.param("caseId")))));

  app.post("/cases/:caseId/steps", async (c) => {
    const body = await readJson(c, CaseStep);
    const { caseId } = ownCase(c.req.param("caseId"));
    return c.json(caseView(await handle(c, caseId, { type: "record-step", step: body })));
  });

  app.post("/cases/:caseId/closure", async (c) => {
    const body = await readJson(c, CaseClosure);
    const { caseId } = ownCase(c.req.param("caseId"));
    const closed = await handle(c, caseId, {
      type: "close",
      summary: body.summary,
      sanctions: body.sanctions,
      config: deps.config,
    });
    return c.json(caseView(closed));
  });
  return app;
}
