import { type BusEvent, OFFICE, SupervisionAnswerRequest } from "@liandong/contracts";
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
import type { DeskStore } from "./desk-store.ts";

/** Records an order or escalation from the office addressed to this agency. */
export async function recordSupervision(store: DeskStore, e: BusEvent): Promise<void> {
  if (
    e.type !== "supervision.ordered" &&
    e.type !== "supervision.escalated" &&
    e.type !== "supervision.overdue"
  )
    return;
  if (e.agency !== OFFICE) {
    throw new ValidationError("not-entitled", `${e.agency} may not issue supervision orders`);
  }
  // A deadline passed: counted in the monthly figures (ReportDesk), nothing to keep here.
  if (e.type === "supervision.overdue") return;
  const known = store.orders.get(e.data.orderId);
  if (e.type === "supervision.ordered") {
    if (known) return;
    await store.saveOrder({
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
  }
  if (known && known.status === "open" && e.data.level > known.level)
    await store.saveOrder({ ...known, status: "escalated", level: e.data.level });
}

/** The supervision orders addressed to this agency, and its answers (督办回复). */
export function mountSupervisionAnswers(
  app: Hono<HttpEnv>,
  deps: { agency: string; store: DeskStore; log: AggregateLog; clock: Clock },
) {
  const { agency, store, log, clock } = deps;
  app.get("/supervision", (c) => {
    const items = [...store.orders.values()].sort((a, b) => b.orderedAt.localeCompare(a.orderedAt));
    return c.json({ items, total: items.length });
  });
  app.post("/supervision/:orderId/answer", async (c) => {
    const officer = c.get("officer");
    const { answer } = await readJson(c, SupervisionAnswerRequest);
    const order = store.orders.get(c.req.param("orderId"));
    if (!order || order.to !== agency) throw new ProblemError(404, "not-found", "未找到该督办");
    if (order.answer !== undefined) return c.json(order, 200);
    await log.append({
      type: "supervision.answered",
      id: uuidFromName(`supervision-answered:${order.orderId}`),
      actor: officer.id,
      aggregate: { kind: "supervision", id: order.about.id },
      to: OFFICE,
      data: { orderId: order.orderId, about: order.about, by: agency, answer },
    });
    const answered = {
      ...order,
      status: "answered" as const,
      answer,
      answeredAt: clock().toISOString(),
    };
    await store.saveOrder(answered);
    return c.json(answered, 200);
  });
}
