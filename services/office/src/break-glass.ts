import {
  type BreakGlassRecord,
  BreakGlassRequest,
  type BusEvent,
  type EventType,
} from "@liandong/contracts";
import {
  type AggregateLog,
  type HttpEnv,
  ProblemError,
  readJson,
  type ServiceContext,
} from "@liandong/runtime";
import { Hono } from "hono";

/** Every recorded use of the break-glass identity, by event id (the office keeps them all). */
export type BreakGlassUses = Map<string, BreakGlassRecord>;

/** A `break-glass.used` event read from the log, kept with its place in EVENTS. */
export function followBreakGlass(uses: BreakGlassUses, e: BusEvent, seq: number): void {
  if (e.type !== "break-glass.used") return;
  uses.set(e.id, { ...e.data, eventId: e.id, streamSeq: seq, actor: e.actor, at: e.time });
}

/**
 * `POST /audit/break-glass`: an office supervisor puts on the log that the break-glass identity
 * is about to be used, what for and why; `liandong break-glass` acts only once this answered
 * 201. `GET /audit/break-glass`: every use recorded, newest first. Authenticated by the office's app.
 */
export function breakGlassRoutes(
  ctx: ServiceContext,
  deps: { log: AggregateLog; uses: BreakGlassUses },
): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.post("/audit/break-glass", async (c) => {
    const officer = c.get("officer");
    if (!officer.supervisor)
      throw new ProblemError(
        403,
        "forbidden",
        "须由办公室分管领导记录动用紧急权限",
        `${officer.id} is not a supervisor`,
      );
    const data = await readJson(c, BreakGlassRequest);
    const id = crypto.randomUUID();
    const time = ctx.clock();
    const type: EventType = "break-glass.used";
    const published = await deps.log.append(
      {
        type,
        id,
        time,
        actor: officer.id,
        aggregate: { kind: "break-glass", id },
        data,
      },
      { fresh: true },
    );
    const record: BreakGlassRecord = {
      ...data,
      eventId: id,
      streamSeq: published.seq,
      actor: officer.id,
      at: time.toISOString(),
    };
    deps.uses.set(id, deps.uses.get(id) ?? record);
    return c.json(deps.uses.get(id), 201);
  });
  app.get("/audit/break-glass", (c) => {
    const items = [...deps.uses.values()].sort((a, b) => b.streamSeq - a.streamSeq);
    return c.json({ items, total: items.length });
  });
  return app;
}
