import { OFFICE, SupervisionAnswerRequest } from "@liandong/contracts";
import {
  type SupervisionEvent,
  type SupervisionOrder,
  supervisionDecider,
  supervisionView,
} from "@liandong/domain";
import {
  appendDecided,
  newestFirst,
  ProblemError,
  readJson,
  uuidFromName,
} from "@liandong/runtime";
import { type FeatureApp, type FeatureDeps, featureApp } from "./feature.ts";
import { orderOf, type Seen, supervisionInbox } from "./supervision-events.ts";

type Deps = FeatureDeps & { county: string };

/**
 * Supervision orders (督办) at an agency's desk: the routes (the orders the office addressed to
 * this agency, its answers) and the inbox handler that records the office's orders, sharing what
 * the handler has seen arrive.
 */
export function supervisionDesk(deps: Deps) {
  const seen: Seen = new Map();
  return {
    routes: supervisionRoutes(deps, seen),
    inbox: supervisionInbox({ ...deps, seen }),
  };
}

function supervisionRoutes(deps: Deps, seen: Seen): FeatureApp {
  const { agency, county, store, log, clock } = deps;
  const { app, decisions } = featureApp();

  app.get("/supervision", (c) => {
    const items = [...store.orders.values()].map((o) => supervisionView(orderOf(o)));
    return c.json(newestFirst(items, (o) => o.orderedAt));
  });

  // 督办回复: one answer per order, so its event's id is the order's; asked again, the first answer.
  app.post("/supervision/:orderId/answer", async (c) => {
    const officer = c.get("officer");
    const { answer } = await readJson(c, SupervisionAnswerRequest);
    const orderId = c.req.param("orderId");
    const eventId = uuidFromName(`supervision-answered:${orderId}`);
    const answered = await decisions.run<SupervisionOrder, SupervisionEvent>({
      aggregateId: orderId,
      load: () => {
        const o = store.orders.get(orderId);
        return o && o.to === agency ? orderOf(o) : undefined;
      },
      already: (o) => (o.status === "answered" ? o : undefined),
      decide: (o) =>
        supervisionDecider.decide(
          {
            command: { type: "answer", at: clock().toISOString(), eventId, answer },
            actor: { agency, county },
          },
          o,
        ),
      append: (o, events) =>
        appendDecided(log, o, events, {
          envelope: () => ({
            actor: officer.id,
            aggregate: { kind: "supervision", id: o.about.id },
            to: OFFICE,
          }),
          fold: async (before, e) => {
            const next = supervisionDecider.evolve(before, e) as SupervisionOrder;
            await store.saveOrder(next);
            return next;
          },
          // The office may have stepped on the aggregate first: then decided again, on its step.
          onConflict: "throw",
        }),
      version: (o) => (o ? (seen.get(o.about.id) ?? 0) : 0),
      notFound: new ProblemError(404, "not-found", "未找到该督办"),
    });
    return c.json(supervisionView(answered), 200);
  });
  return app;
}
