import {
  type BusEvent,
  SupervisionOrderRequest,
  type SupervisionOrderView,
} from "@liandong/contracts";
import { isOverdue } from "@liandong/domain";
import {
  type AggregateLog,
  type HttpEnv,
  officerAuth,
  ProblemError,
  readJson,
  type ServiceContext,
  uuidFromName,
} from "@liandong/runtime";
import type { Hono } from "hono";
import type { ReferralTracker } from "./referral-tracker.ts";

/** Orders by id, and the cases the office knows of (who opened them, whether closed). */
export type Supervision = {
  orders: Map<string, SupervisionOrderView>;
  cases: Map<string, { agency: string; closed: boolean }>;
};

/** Pure: the supervision projection after one event. */
export function evolveSupervision(s: Supervision, e: BusEvent): void {
  switch (e.type) {
    case "case.opened":
      if (!s.cases.has(e.data.caseId))
        s.cases.set(e.data.caseId, { agency: e.agency, closed: false });
      return;
    case "case.closed": {
      const c = s.cases.get(e.data.caseId);
      if (c) c.closed = true;
      return;
    }
    case "supervision.ordered":
      if (e.agency !== "office" || s.orders.has(e.data.orderId)) return;
      s.orders.set(e.data.orderId, {
        orderId: e.data.orderId,
        about: e.data.about,
        to: e.data.to,
        grounds: e.data.grounds,
        reason: e.data.reason,
        orderedAt: e.time,
        answerBy: e.data.answerBy,
        status: "open",
        level: 1,
      });
      return;
    case "supervision.answered": {
      const o = s.orders.get(e.data.orderId);
      // Only the agency the order was addressed to answers it.
      if (!o || e.agency !== o.to || o.answer !== undefined) return;
      Object.assign(o, { status: "answered", answer: e.data.answer, answeredAt: e.time });
      return;
    }
    case "supervision.escalated": {
      const o = s.orders.get(e.data.orderId);
      if (!o || e.agency !== "office" || o.status !== "open") return;
      Object.assign(o, { status: "escalated", level: e.data.level });
      return;
    }
    default:
      return;
  }
}

/** Pure: open orders whose answer deadline has passed at `now`. */
export function unanswered(s: Supervision, now: Date): SupervisionOrderView[] {
  return [...s.orders.values()].filter(
    (o) => o.status === "open" && Date.parse(o.answerBy) <= now.getTime(),
  );
}

/** The office's supervision orders: issue one, list them. */
export function mountSupervision(
  app: Hono<HttpEnv>,
  ctx: ServiceContext,
  deps: { log: AggregateLog; supervision: Supervision; referrals: ReferralTracker },
) {
  const { log, supervision, referrals } = deps;
  const auth = officerAuth(ctx.officers, ctx.agency);
  app.use("/supervision", auth);
  app.use("/supervision/*", auth);
  app.post("/supervision", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, SupervisionOrderRequest);
    // A retried request returns the order it made, whatever happened since.
    const key = c.req.header("idempotency-key");
    const orderId = key
      ? uuidFromName(`office:supervision:${officer.id}:${key}`)
      : crypto.randomUUID();
    const existing = supervision.orders.get(orderId);
    if (existing) return c.json(existing, 200);
    let to: string;
    let grounds: "overdue" | "major-case";
    if (body.about.kind === "referral") {
      const r = referrals.get(body.about.id);
      if (!r) throw new ProblemError(404, "not-found", "未找到该移交");
      if (!isOverdue(r))
        throw new ProblemError(
          409,
          "not-overdue",
          "该移交未逾期",
          "only an overdue referral is supervised",
          {
            current: r,
          },
        );
      // This office supervises this county's agencies; a neighbour's is its own office's to chase.
      if (r.awaitingCounty !== undefined && r.awaitingCounty !== ctx.county)
        throw new ProblemError(
          409,
          "held-across-line",
          "该移交由邻县部门办理",
          `due from ${r.awaiting} of county ${r.awaitingCounty}: supervised by that county's office`,
          { current: r },
        );
      // The order goes to the party whose step is overdue.
      to = r.awaiting ?? r.holder;
      grounds = "overdue";
    } else {
      const k = supervision.cases.get(body.about.id);
      if (!k) throw new ProblemError(404, "not-found", "未找到该案件");
      if (k.closed) throw new ProblemError(409, "case-closed", "案件已结案");
      to = k.agency;
      grounds = "major-case";
    }
    const now = ctx.clock();
    const days = body.answerWithinDays ?? ctx.config.supervisionAnswerDays;
    const answerBy = new Date(now.getTime() + days * 86_400_000).toISOString();
    await log.append({
      type: "supervision.ordered",
      id: uuidFromName(`supervision-ordered:${orderId}`),
      actor: officer.id,
      aggregate: { kind: "supervision", id: body.about.id },
      to,
      data: { orderId, about: body.about, to, grounds, reason: body.reason, answerBy },
    });
    const view: SupervisionOrderView = {
      orderId,
      about: body.about,
      to,
      grounds,
      reason: body.reason,
      orderedAt: now.toISOString(),
      answerBy,
      status: "open",
      level: 1,
    };
    return c.json(supervision.orders.get(orderId) ?? view, 201);
  });
  app.get("/supervision", (c) => {
    const items = [...supervision.orders.values()].sort((a, b) =>
      b.orderedAt.localeCompare(a.orderedAt),
    );
    return c.json({ items, total: items.length });
  });
}

/** Records an escalation for each order left unanswered past its deadline, once. */
export function escalate(
  ctx: ServiceContext,
  log: AggregateLog,
  supervision: Supervision,
  inFlight: Set<string>,
): void {
  for (const o of unanswered(supervision, ctx.clock())) {
    const key = `escalate:${o.orderId}:${o.level + 1}`;
    if (inFlight.has(key)) continue;
    inFlight.add(key);
    log
      .append({
        type: "supervision.escalated",
        id: uuidFromName(key),
        actor: `svc.${ctx.agency}`,
        aggregate: { kind: "supervision", id: o.about.id },
        to: o.to,
        data: {
          orderId: o.orderId,
          about: o.about,
          to: o.to,
          level: o.level + 1,
          reason: `逾期未回复（应于 ${o.answerBy} 前回复）`,
        },
      })
      .then(
        () => setTimeout(() => inFlight.delete(key), 5000).unref(),
        (err) => {
          inFlight.delete(key);
          ctx.logger.error({ err, orderId: o.orderId }, "could not record an escalation");
        },
      );
  }
}
