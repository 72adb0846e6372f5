import {
  type BusEvent,
  CITY_OFFICE,
  CityOrderRequest,
  OFFICE,
  serviceActor,
} from "@liandong/contracts";
import {
  answerOverdue,
  isSupervisionOrderEvent,
  type Refusal,
  recordSupervision,
  type SupervisionCommand,
  type SupervisionEvent,
  type SupervisionOrder,
  type SupervisionState,
  supervisionDecider,
  supervisionView,
} from "@liandong/domain";
import {
  type AggregateLog,
  appendDecided,
  Decisions,
  type HttpEnv,
  newestFirst,
  ProblemError,
  readJson,
  requestStepId,
  type ServiceContext,
  uuidFromName,
} from "@liandong/runtime";
import { Hono } from "hono";
import type { MajorCases } from "./major-cases.ts";

/** The city's supervision orders down (督办), by order id, as the domain records them. */
export type Orders = { all: Map<string, SupervisionOrder>; decisions: Decisions };
export const newOrders = (): Orders => ({ all: new Map(), decisions: new Decisions() });

/** The record after one step from the bus (its own orders, a county office's answer), replayed. */
export function followOrders(o: Orders, e: BusEvent): Refusal | undefined {
  if (!isSupervisionOrderEvent(e)) return undefined;
  const recorded = recordSupervision(o.all.get(e.data.orderId) ?? { status: "none" }, e);
  if (!recorded.ok) return recorded.refused;
  o.all.set(recorded.record.orderId, recorded.record);
  return undefined;
}

/** One step on an order decided by the domain and appended, addressed down to the county. */
function decideOrder(
  ctx: ServiceContext,
  deps: { log: AggregateLog; orders: Orders },
  orderId: string,
  actor: string,
  command: SupervisionCommand,
  toCounty: string,
): Promise<SupervisionState> {
  const { all, decisions } = deps.orders;
  return decisions.run<SupervisionState, SupervisionEvent>({
    aggregateId: orderId,
    load: () => all.get(orderId),
    initial: () => ({ status: "none" }),
    already: (s) => (s.status !== "none" && s.events.includes(command.eventId) ? s : undefined),
    decide: (s) =>
      supervisionDecider.decide({ command, actor: { agency: CITY_OFFICE, county: ctx.county } }, s),
    append: async (s, events) =>
      appendDecided(deps.log, s, events, {
        envelope: (e) => ({
          actor,
          aggregate: { kind: "supervision", id: e.data.about.id },
          to: "to" in e.data ? e.data.to : OFFICE,
          toCounty,
        }),
        // Onto the record as it stands now: the county's answer may have come meanwhile.
        fold: (before, e) => {
          const now = supervisionDecider.evolve(all.get(orderId) ?? before, e);
          if (now.status !== "none") all.set(orderId, now);
          return now;
        },
      }),
    version: (s) => (s && s.status !== "none" ? s.events.length : 0),
    notFound: new ProblemError(404, "not-found", "未找到该督办"),
  });
}

/**
 * `POST /orders`: the city's office orders a county's office about a major case it reported
 * (督办), with a deadline; `GET /orders`: every order and its answer. Escalates an order left
 * unanswered past its deadline (`escalateOverdue`, on the office's scheduler).
 */
export function orderRoutes(
  ctx: ServiceContext,
  deps: { log: AggregateLog; orders: Orders; majorCases: MajorCases },
): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.post("/orders", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, CityOrderRequest);
    const orderId = requestStepId(c, `city:order:${officer.id}`);
    const before = deps.orders.all.get(orderId);
    if (before) return c.json(supervisionView(before), 200);
    const reported = deps.majorCases.all.get(`${body.county}|${body.caseId}`);
    if (!reported) throw new ProblemError(404, "not-found", "未找到该县通报的重大案件");
    const order = await decideOrder(
      ctx,
      deps,
      orderId,
      officer.id,
      {
        type: "issue",
        at: ctx.clock().toISOString(),
        eventId: uuidFromName(`supervision-ordered:${orderId}`),
        orderId,
        about: { kind: "case", id: body.caseId },
        reason: body.reason,
        answerWithinDays: body.answerWithinDays ?? ctx.config.supervisionAnswerDays,
        supervised: { kind: "major-case", reported: true, county: body.county },
      },
      body.county,
    );
    if (order.status === "none") throw new Error("an order issued is an order");
    return c.json(supervisionView(order), 201);
  });
  app.get("/orders", (c) =>
    c.json(newestFirst([...deps.orders.all.values()].map(supervisionView), (o) => o.orderedAt)),
  );
  return app;
}

/** Escalates each of the city's orders left unanswered past its deadline, once per level. */
export function escalateOverdue(
  ctx: ServiceContext,
  deps: { log: AggregateLog; orders: Orders },
  inFlight: Set<string>,
): void {
  const now = ctx.clock();
  for (const o of deps.orders.all.values()) {
    if (!answerOverdue(o, now) || !o.toCounty) continue;
    const key = `escalate:${o.orderId}:${o.level + 1}`;
    if (inFlight.has(key)) continue;
    inFlight.add(key);
    decideOrder(
      ctx,
      deps,
      o.orderId,
      serviceActor(ctx.agency),
      { type: "escalate", at: now.toISOString(), eventId: uuidFromName(key) },
      o.toCounty,
    ).then(
      () => inFlight.delete(key),
      (err) => {
        inFlight.delete(key);
        ctx.logger.info({ err, orderId: o.orderId }, "escalation not recorded");
      },
    );
  }
}
