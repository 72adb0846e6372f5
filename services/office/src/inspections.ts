import { InspectionPlanRequest, OFFICE } from "@liandong/contracts";
import {
  type Inspection,
  type InspectionEvent,
  type InspectionState,
  inspectionDecider,
  inspectionView,
} from "@liandong/domain";
import {
  type AggregateLog,
  appendDecided,
  Decisions,
  type HttpEnv,
  newestFirst,
  ProblemError,
  type ServiceContext,
  uuidFromName,
} from "@liandong/runtime";
import { Hono } from "hono";
import { officeRequest } from "./office-request.ts";

/**
 * The joint inspections (联合检查) the office planned, as the domain records them (the plan and
 * every participant's findings), and the one decision handler its routes use.
 */
export type Inspections = { all: Map<string, Inspection>; decisions: Decisions };

export function newInspections(): Inspections {
  return { all: new Map(), decisions: new Decisions() };
}

/**
 * The office plans joint inspections (POST /inspections) and follows their findings
 * (GET /inspections). Authenticated by the office's app.
 */
export function inspectionRoutes(
  ctx: ServiceContext,
  deps: { log: AggregateLog; inspections: Inspections },
): Hono<HttpEnv> {
  const { all, decisions } = deps.inspections;
  const app = new Hono<HttpEnv>();
  app.post("/inspections", async (c) => {
    const request = await officeRequest(c, "inspection", InspectionPlanRequest, (id) =>
      all.get(id),
    );
    const { officer, body: plan, id: inspectionId } = request;
    if (request.before) return c.json(inspectionView(request.before), 200);
    // One plan per participant, addressed to it: each finds it in its inbox.
    const eventIds = (to: string) => uuidFromName(`inspection-planned:${inspectionId}:${to}`);
    const planned = await decisions.run<InspectionState, InspectionEvent>({
      aggregateId: inspectionId,
      load: () => all.get(inspectionId) ?? inspectionDecider.initialState(),
      already: (i) => (i.status === "none" ? undefined : i),
      decide: (i) =>
        inspectionDecider.decide(
          {
            command: {
              type: "plan",
              at: ctx.clock().toISOString(),
              inspectionId,
              plan,
              participants: ctx.config.agencies.map((a) => a.code),
              eventIds,
            },
            actor: OFFICE,
          },
          i,
        ),
      append: async (i, events) => {
        const next = await appendDecided(deps.log, i, events, {
          envelope: (e) => ({
            actor: officer.id,
            aggregate: { kind: "inspection", id: inspectionId },
            to: e.type === "inspection.planned" ? e.data.to : OFFICE,
          }),
          fold: inspectionDecider.evolve,
        });
        if (next.status !== "none") all.set(inspectionId, next);
        return next;
      },
      // Only the office writes a plan: nothing of another party's to wait for.
      version: (i) => (i?.status === "planned" ? i.events.length : 0),
      notFound: new ProblemError(404, "not-found", "未找到该联合检查"),
    });
    if (planned.status === "none") throw new Error("a plan decided is a plan");
    return c.json(inspectionView(planned), 201);
  });
  app.get("/inspections", (c) =>
    c.json(newestFirst([...all.values()].map(inspectionView), (i) => i.startsOn)),
  );
  return app;
}
