import {
  CaseClosure,
  CaseOpening,
  CaseStep,
  type CountyConfig,
  PROBLEMS,
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
  refusalTexts,
} from "@liandong/domain";
import {
  appendDecided,
  envelopeOf,
  newestFirst,
  ProblemError,
  readJson,
  refusalInvalid,
  requestStepId,
} from "@liandong/runtime";
import { applyCase } from "./case-record.ts";
import {
  type FeatureApp,
  type FeatureContext,
  type FeatureDeps,
  featureApp,
  type Intent,
} from "./feature.ts";

export type CaseDeskDeps = FeatureDeps & { config: CountyConfig };

/** A command without what every command carries: who, when, the event's id. */
type CaseIntent = Intent<CaseCommand, "agency" | "actor" | "at" | "eventId">;

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
export function caseRoutes(deps: CaseDeskDeps): FeatureApp {
  const { app, decisions } = featureApp();
  const { agency, store, log, clock } = deps;

  /** Load, decide, append, fold, through the runtime's one handler: the case after the command. */
  function handle(c: FeatureContext, caseId: string, intent: CaseIntent): Promise<CaseRecord> {
    const officer = c.get("officer");
    const eventId = requestStepId(c, `${agency}:case:${caseId}:${intent.type}:${officer.id}`);
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
        const next = await appendDecided(
          log,
          current.status === "none" ? undefined : current,
          events,
          {
            envelope: (e) => ({ actor: e.actor, aggregate: { kind: "case", id: caseId } }),
            // Folded as it is on the stream: the envelope is the event every other reader folds.
            fold: (before, _e, published) => applyCase(before, envelopeOf(published)),
          },
        );
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
    if (r.refused === "invalid") return refusalInvalid(INVALID_CODE[attempted], r);
    if (!current) return new ProblemError(404, "not-found", "未找到该案件");
    if (r.refused === "forbidden")
      return new ProblemError(403, "forbidden", PROBLEMS.forbidden.zh, refusalTexts(r), {
        refusal: r.code,
      });
    return new ProblemError(409, "case-closed", PROBLEMS["case-closed"].zh, refusalTexts(r), {
      refusal: r.code,
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
    const caseId = requestStepId(c, `${agency}:case:${officer.id}`);
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

  app.get("/cases", (c) =>
    c.json(newestFirst([...store.cases.values()].map(caseView), (k) => k.openedAt)),
  );

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
