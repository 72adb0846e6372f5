import { type AgencyCode, InspectionFindings, OFFICE } from "@liandong/contracts";
import {
  type Inspection,
  type InspectionEvent,
  inspectionDecider,
  participantView,
} from "@liandong/domain";
import {
  appendDecided,
  newestFirst,
  ProblemError,
  readJson,
  uuidFromName,
} from "@liandong/runtime";
import { type FeatureApp, type FeatureDeps, featureApp } from "./feature.ts";
import { inspectionInbox, inspectionOf, storedOf } from "./inspection-events.ts";

type Deps = FeatureDeps & {
  /** The county's agencies (its configuration): the participants a plan may name. */
  participants: readonly AgencyCode[];
};

/** Joint inspections (联合检查) at an agency's desk: its routes and its inbox handler. */
export function inspectionDesk(deps: Deps) {
  return { routes: inspectionRoutes(deps), inbox: inspectionInbox(deps) };
}

/** This agency's joint inspections and its findings on them (检查结果). */
function inspectionRoutes(deps: Deps): FeatureApp {
  const { agency, store, log, clock } = deps;
  const { app, decisions } = featureApp();

  app.get("/inspections", (c) => {
    const held = [...store.inspections.values()];
    const items = held.map((i) => participantView(inspectionOf(i, agency), agency));
    return c.json(newestFirst(items, (i) => i.startsOn));
  });

  // One set of findings per participant, so its event's id is the inspection's and the agency's;
  // recorded before, the first set is the answer (200).
  app.post("/inspections/:inspectionId/findings", async (c) => {
    const officer = c.get("officer");
    const findings = await readJson(c, InspectionFindings);
    const inspectionId = c.req.param("inspectionId");
    let before = false;
    const recorded = await decisions.run<Inspection, InspectionEvent>({
      aggregateId: inspectionId,
      load: () => {
        const i = store.inspections.get(inspectionId);
        return i ? inspectionOf(i, agency) : undefined;
      },
      already: (i) => {
        before = i.findings[agency] !== undefined;
        return before ? i : undefined;
      },
      decide: (i) =>
        inspectionDecider.decide(
          {
            command: {
              type: "record-findings",
              at: clock().toISOString(),
              eventId: uuidFromName(`inspection-findings:${inspectionId}:${agency}`),
              findings,
              leadsRegistered: findings.leads.filter((l) => store.lead(l)?.originator === agency),
            },
            actor: agency,
          },
          i,
        ),
      append: async (i, events) => {
        const next = await appendDecided(log, i, events, {
          envelope: () => ({
            actor: officer.id,
            // Each participant's findings on an aggregate of its own: it alone writes there.
            aggregate: {
              kind: "inspection",
              id: uuidFromName(`inspection:${inspectionId}:${agency}`),
            },
            to: OFFICE,
          }),
          fold: (before, e) => inspectionDecider.evolve(before, e) as Inspection,
        });
        await store.saveInspection(storedOf(next, agency));
        return next;
      },
      version: (i) => i?.events.length ?? 0,
      notFound: new ProblemError(404, "not-found", "未找到该联合检查"),
    });
    return c.json(participantView(recorded, agency), before ? 200 : 201);
  });
  return app;
}
