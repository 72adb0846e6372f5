import {
  BREAK_GLASS_API,
  type BreakGlassObservedRecord,
  type BreakGlassRecord,
  BreakGlassRequest,
  type BusEvent,
  type EventType,
  STREAMS,
  serviceActor,
} from "@liandong/contracts";
import {
  type AggregateLog,
  type HttpEnv,
  readJson,
  type ServiceContext,
  type StreamRewrite,
} from "@liandong/runtime";
import { Hono } from "hono";
import { supervisorOnly } from "./supervisor-only.ts";

/**
 * What the office keeps of the break-glass identity: every use recorded (`break-glass.used`)
 * and every rewrite of a stream it saw the server carry out (`break-glass.observed`), by event id.
 */
export type BreakGlassLog = {
  uses: Map<string, BreakGlassRecord>;
  observed: Map<string, BreakGlassObservedRecord>;
};

export const newBreakGlassLog = (): BreakGlassLog => ({ uses: new Map(), observed: new Map() });

/** A break-glass event read from the log, kept with its place in EVENTS. */
export function followBreakGlass(log: BreakGlassLog, e: BusEvent, seq: number): void {
  if (e.type === "break-glass.used")
    log.uses.set(e.id, { ...e.data, eventId: e.id, streamSeq: seq, actor: e.actor, at: e.time });
  else if (e.type === "break-glass.observed")
    log.observed.set(e.id, { ...e.data, eventId: e.id, streamSeq: seq, at: e.time });
}

/** How long after its record a use may still be the one a rewrite carries out. */
const ANNOUNCED_FOR_MS = 15 * 60_000;

/** The use recorded for this rewrite: same key, same kind of rewrite, same stream, recently. */
function announcement(
  log: BreakGlassLog,
  r: StreamRewrite,
  now: Date,
): BreakGlassRecord | undefined {
  return [...log.uses.values()]
    .filter(
      (u) =>
        u.key === r.key &&
        BREAK_GLASS_API[u.action] === r.api &&
        (u.action === "provision" || u.stream === r.stream) &&
        now.getTime() - Date.parse(u.at) <= ANNOUNCED_FOR_MS,
    )
    .sort((a, b) => b.streamSeq - a.streamSeq)[0];
}

/**
 * Records every rewrite of a stream the server carries out while the office runs (its API
 * audit advisories), whoever the caller: one announced by `liandong break-glass` names its
 * record; one that is not was made with the break-glass identity directly. The copies of what
 * neighbours send (REGION_IN_…) are left out: the keeper reconfigures them to restart a link.
 * When the log itself was deleted, the record waits until the county has a log again.
 */
export function recordRewrites(
  ctx: ServiceContext,
  deps: { log: AggregateLog; breakGlass: BreakGlassLog },
): { stop(): void } {
  let stopped = false;
  const record = async (r: StreamRewrite) => {
    const time = ctx.clock();
    const announced = announcement(deps.breakGlass, r, time)?.eventId;
    const id = crypto.randomUUID();
    const type: EventType = "break-glass.observed";
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await deps.log.append(
          {
            type,
            id,
            time,
            actor: serviceActor(ctx.agency),
            aggregate: { kind: "break-glass", id },
            data: { ...r, ...(announced ? { announced } : {}) },
          },
          { fresh: true },
        );
        return;
      } catch (err) {
        if (attempt % 30 === 0)
          ctx.logger.warn({ err, rewrite: r }, "a stream rewrite not yet recorded; trying again");
        await new Promise((done) => setTimeout(done, 2000).unref());
      }
    }
  };
  const watch = ctx.bus.streamRewrites((r) => {
    if (r.stream.startsWith(STREAMS.regionIn(""))) return;
    ctx.logger.warn({ rewrite: r }, "a stream was rewritten");
    void record(r);
  });
  return {
    stop() {
      stopped = true;
      watch.stop();
    },
  };
}

/**
 * `POST /audit/break-glass`: an office supervisor puts on the log that the break-glass identity
 * is about to be used, what for and why; `liandong break-glass` acts only once this answered
 * 201. `GET /audit/break-glass`: every use recorded and every rewrite observed, newest first.
 * Authenticated by the office's app.
 */
export function breakGlassRoutes(
  ctx: ServiceContext,
  deps: { log: AggregateLog; breakGlass: BreakGlassLog },
): Hono<HttpEnv> {
  const { uses, observed } = deps.breakGlass;
  const app = new Hono<HttpEnv>();
  app.post("/audit/break-glass", async (c) => {
    const officer = c.get("officer");
    supervisorOnly(officer, "记录动用紧急权限");
    const data = await readJson(c, BreakGlassRequest);
    const id = crypto.randomUUID();
    const time = ctx.clock();
    const type: EventType = "break-glass.used";
    const published = await deps.log.append(
      { type, id, time, actor: officer.id, aggregate: { kind: "break-glass", id }, data },
      { fresh: true },
    );
    // Kept at once (the log's copy follows): the action comes right after this answer.
    if (!uses.has(id))
      uses.set(id, {
        ...data,
        eventId: id,
        streamSeq: published.seq,
        actor: officer.id,
        at: time.toISOString(),
      });
    return c.json(uses.get(id), 201);
  });
  app.get("/audit/break-glass", (c) => {
    const newest = <T extends { streamSeq: number }>(m: Map<string, T>) =>
      [...m.values()].sort((a, b) => b.streamSeq - a.streamSeq);
    const items = newest(uses);
    return c.json({ items, total: items.length, observed: newest(observed) });
  });
  return app;
}
