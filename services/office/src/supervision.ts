import {
  DAY_MS,
  OFFICE,
  SupervisionAnswerRequest,
  SupervisionForwardRequest,
  SupervisionOrderRequest,
  type SupervisionOrderView,
  serviceActor,
} from "@liandong/contracts";
import {
  answerOverdue,
  isOverdue,
  type Supervised,
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
  type ServiceContext,
  uuidFromName,
} from "@liandong/runtime";
import { Hono } from "hono";
import type { Cases } from "./cases.ts";
import { officeRequest } from "./office-request.ts";
import type { ReferralTracker } from "./referral-tracker.ts";

/**
 * The office's supervision orders (督办): the domain's record of each, by order id; how many
 * steps of each `supervision` aggregate (one per referral or case supervised) it has folded,
 * which grows as another party's step arrives; and the one decision handler its routes and
 * its scheduler share (one decision at a time per order).
 */
export type Supervision = {
  orders: Map<string, SupervisionOrder>;
  seen: Map<string, number>;
  decisions: Decisions;
};

export function newSupervision(): Supervision {
  return { orders: new Map(), seen: new Map(), decisions: new Decisions() };
}

type Deps = {
  log: AggregateLog;
  supervision: Supervision;
  referrals: ReferralTracker;
  cases: Cases;
};

/** The office's orders: issue one (POST /supervision), list them. Authenticated by the office's app. */
export function supervisionRoutes(ctx: ServiceContext, deps: Deps): Hono<HttpEnv> {
  const { supervision } = deps;
  const app = new Hono<HttpEnv>();
  app.post("/supervision", async (c) => {
    const {
      officer,
      body,
      id: orderId,
      before,
    } = await officeRequest(c, "supervision", SupervisionOrderRequest, (id) =>
      supervision.orders.get(id),
    );
    if (before) return c.json(supervisionView(before), 200);
    const order = await issueOrder(ctx, deps, officer.id, {
      orderId,
      about: body.about,
      reason: body.reason,
      answerWithinDays: body.answerWithinDays ?? ctx.config.supervisionAnswerDays,
      supervised: supervised(deps, body.about),
    });
    return c.json(order, 201);
  });
  // 上下联动: the office answers an order its city's office addressed to it.
  app.post("/supervision/:orderId/answer", async (c) => {
    const officer = c.get("officer");
    const { answer } = await readJson(c, SupervisionAnswerRequest);
    const orderId = c.req.param("orderId");
    const o = supervision.orders.get(orderId);
    if (!o) throw new ProblemError(404, "not-found", "未找到该督办");
    const order = await decideOrder(ctx, deps.log, supervision, {
      orderId,
      aboutId: o.about.id,
      actor: officer.id,
      eventId: uuidFromName(`supervision-answered:${orderId}`),
      command: (eventId) => ({ type: "answer", at: ctx.clock().toISOString(), eventId, answer }),
    });
    return c.json(order, 200);
  });
  // 上下联动 转督办: the office passes an order of its city's office on to the agency whose case
  // it is about; the agency's answer goes back up as the office's (`answerUp`).
  app.post("/supervision/:orderId/forward", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, SupervisionForwardRequest);
    const parentId = c.req.param("orderId");
    const parent = supervision.orders.get(parentId);
    if (!parent || parent.byCounty === undefined)
      throw new ProblemError(404, "not-found", "未找到该督办");
    const k = deps.cases.get(parent.about.id);
    const to = body.to ?? k?.agency;
    if (!to) throw new ProblemError(404, "not-found", "未找到该案件");
    const orderId = uuidFromName(`supervision-forward:${parentId}:${to}`);
    const before = supervision.orders.get(orderId);
    if (before) return c.json(supervisionView(before), 200);
    const remaining = (Date.parse(parent.answerBy) - ctx.clock().getTime()) / DAY_MS;
    const order = await issueOrder(ctx, deps, officer.id, {
      orderId,
      about: parent.about,
      reason: body.reason ?? parent.reason,
      // By the city's deadline at the latest (the domain refuses a later one).
      answerWithinDays: body.answerWithinDays ?? remaining,
      supervised: { kind: "case", open: k?.status === "open", agency: to },
      forwards: parent,
    });
    return c.json(order, 201);
  });
  app.get("/supervision", (c) =>
    c.json(newestFirst([...supervision.orders.values()].map(supervisionView), (o) => o.orderedAt)),
  );
  return app;
}

/** What the office holds of the matter an order is about, as the domain decides on it; 404 if nothing. */
function supervised(deps: Deps, about: { kind: "referral" | "case"; id: string }): Supervised {
  if (about.kind === "referral") {
    const r = deps.referrals.get(about.id);
    if (!r) throw new ProblemError(404, "not-found", "未找到该移交");
    const awaiting =
      r.awaiting === undefined
        ? {}
        : {
            awaiting: {
              agency: r.awaiting,
              ...(r.awaitingCounty !== undefined ? { county: r.awaitingCounty } : {}),
            },
          };
    return { kind: "referral", overdue: isOverdue(r), ...awaiting };
  }
  const k = deps.cases.get(about.id);
  if (!k) throw new ProblemError(404, "not-found", "未找到该案件");
  return { kind: "case", open: k.status === "open", agency: k.agency };
}

/** Issues an order (督办, or 转督办 when it `forwards` the city's): the domain decides it. */
function issueOrder(
  ctx: ServiceContext,
  deps: Deps,
  actor: string,
  issue: Omit<Extract<SupervisionCommand, { type: "issue" }>, "type" | "at" | "eventId">,
): Promise<SupervisionOrderView> {
  return decideOrder(ctx, deps.log, deps.supervision, {
    orderId: issue.orderId,
    aboutId: issue.about.id,
    actor,
    eventId: uuidFromName(`supervision-ordered:${issue.orderId}`),
    command: (eventId) => ({ type: "issue", at: ctx.clock().toISOString(), eventId, ...issue }),
  });
}

/**
 * One step on an order through the runtime's load → decide → append: decided by the domain on
 * the office's record of the order, appended to the `supervision` aggregate of what it is about
 * (shared with the addressed agency's answers: a step of theirs stored first makes the stream
 * refuse ours, and it is decided again once their step has arrived), folded here at once.
 */
function decideOrder(
  ctx: ServiceContext,
  log: AggregateLog,
  s: Supervision,
  step: {
    orderId: string;
    aboutId: string;
    actor: string;
    /** The id of the step's event: a retry of the same request is known by it. */
    eventId: string;
    /** The command, made as it is decided (again, on a newer state, after a conflict). */
    command: (eventId: string) => SupervisionCommand;
  },
): Promise<SupervisionOrderView> {
  return s.decisions
    .run<SupervisionState, SupervisionEvent>({
      aggregateId: step.orderId,
      load: () => s.orders.get(step.orderId) ?? supervisionDecider.initialState(),
      already: (order) => {
        if (order.status === "none") return undefined;
        return order.events.includes(step.eventId) ? order : undefined;
      },
      decide: (order) =>
        supervisionDecider.decide(
          { command: step.command(step.eventId), actor: { agency: OFFICE, county: ctx.county } },
          order,
        ),
      append: async (order, events) => {
        const next = await appendDecided(log, order, events, {
          envelope: (e) => ({
            actor: step.actor,
            aggregate: { kind: "supervision", id: e.data.about.id },
            // An answer goes back to the office that issued the order (its city's, from above).
            ...(e.type === "supervision.answered"
              ? {
                  to: order.status !== "none" ? (order.by ?? OFFICE) : OFFICE,
                  toCounty: order.status !== "none" ? order.byCounty : undefined,
                }
              : {
                  to: e.data.to,
                  toCounty: e.type === "supervision.ordered" ? e.data.toCounty : undefined,
                }),
          }),
          fold: supervisionDecider.evolve,
          onConflict: "throw",
        });
        if (next.status !== "none") s.orders.set(next.orderId, next);
        return next;
      },
      version: () => s.seen.get(step.aboutId) ?? 0,
      notFound: new ProblemError(404, "not-found", "未找到该督办"),
    })
    .then((order) => {
      if (order.status === "none") throw new Error("an order decided is an order");
      return supervisionView(order);
    });
}

/**
 * Escalates each order left unanswered past its deadline, once (the office's scheduler calls this
 * every `overdueCheckSeconds`). The escalation's id is fixed by the order and level, so that a
 * second look, or a restart before the first was folded, records nothing twice.
 */
export function escalate(
  ctx: ServiceContext,
  log: AggregateLog,
  supervision: Supervision,
  inFlight: Set<string>,
): void {
  const now = ctx.clock();
  for (const o of supervision.orders.values()) {
    // An order from the city's office is the city's to escalate.
    if (!answerOverdue(o, now) || (o.byCounty && o.byCounty !== ctx.county)) continue;
    const key = `escalate:${o.orderId}:${o.level + 1}`;
    onItsOwn(ctx, log, supervision, inFlight, o, {
      key,
      eventId: uuidFromName(key),
      command: (eventId) => ({ type: "escalate", at: ctx.clock().toISOString(), eventId }),
      // Answered meanwhile: nothing to escalate.
      meanwhile: "escalation not needed",
      failed: "could not record an escalation",
    });
  }
}

/**
 * A step the office's scheduler takes on an order on its own (`svc.office`), once at a time per
 * `key` (`inFlight`): refused because another step came first (409), it says so and is dropped.
 */
function onItsOwn(
  ctx: ServiceContext,
  log: AggregateLog,
  supervision: Supervision,
  inFlight: Set<string>,
  order: SupervisionOrder,
  step: {
    key: string;
    eventId: string;
    command: (eventId: string) => SupervisionCommand;
    meanwhile: string;
    failed: string;
  },
): void {
  if (inFlight.has(step.key)) return;
  inFlight.add(step.key);
  decideOrder(ctx, log, supervision, {
    orderId: order.orderId,
    aboutId: order.about.id,
    actor: serviceActor(ctx.agency),
    eventId: step.eventId,
    command: step.command,
  }).then(
    () => inFlight.delete(step.key),
    (err) => {
      inFlight.delete(step.key);
      if (err instanceof ProblemError && err.status === 409)
        ctx.logger.info({ orderId: order.orderId, detail: err.detail }, step.meanwhile);
      else ctx.logger.error({ err, orderId: order.orderId }, step.failed);
    },
  );
}

/**
 * 转督办: each order the office passed on to an agency, once the agency has answered it, answers
 * the city's order it passes on with that answer, once (the office's scheduler calls this with
 * `escalate`). The answer's id is fixed by the city's order, so that a second look, or a restart
 * before the first was folded, records nothing twice; an order the city's office escalated
 * meanwhile is still answered.
 */
export function answerUp(
  ctx: ServiceContext,
  log: AggregateLog,
  supervision: Supervision,
  inFlight: Set<string>,
  shortName: (agency: string) => string = (a) => a,
): void {
  for (const o of supervision.orders.values()) {
    if (!o.forwards || o.status !== "answered" || o.answer === undefined) continue;
    const parent = supervision.orders.get(o.forwards);
    if (!parent || parent.status === "answered") continue;
    onItsOwn(ctx, log, supervision, inFlight, parent, {
      key: `answer-up:${parent.orderId}`,
      eventId: uuidFromName(`supervision-answered:${parent.orderId}`),
      command: (eventId) => ({
        type: "answer",
        at: ctx.clock().toISOString(),
        eventId,
        answer: `转${shortName(o.to)}办理，回复：${o.answer}`.slice(0, 4000),
      }),
      meanwhile: "answered meanwhile",
      failed: "could not answer the city's order",
    });
  }
}
