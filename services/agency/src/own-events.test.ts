// What the agency's own-events consumer keeps of its own events: the heads of the aggregates it
// appends to through its log, and none of the sealer's chain, which keeps its own.
import type { BusEvent } from "@liandong/contracts";
import { AggregateLog, type Delivery, MemoryBucket, type Publisher } from "@liandong/runtime";
import { describe, expect, it } from "vitest";
import { DeskStore } from "./desk-store.ts";
import { ownEventsHandler } from "./own-events.ts";

const encoder = new TextEncoder();

function handlerOver(kv: MemoryBucket) {
  // Observing appends nothing: no publisher is needed.
  const log = new AggregateLog({} as Publisher, kv, "441723", "observed");
  return ownEventsHandler({
    agency: "health",
    store: new DeskStore(kv),
    log,
    informantEvent: async () => undefined,
    startedAt: 0,
  });
}

const delivered = (seq: number, e: unknown): Delivery => ({
  origin: { stream: "EVENTS", seq },
  subject: "ld.ev.441723.health.x",
  stream: "EVENTS",
  seq,
  deliveryCount: 1,
  bytes: encoder.encode(JSON.stringify(e)),
});

async function keysOf(kv: MemoryBucket): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of await kv.keys()) keys.push(k);
  return keys;
}

describe("ownEventsHandler", () => {
  it("keeps no head of the audit chain, which the sealer links itself", async () => {
    const kv = new MemoryBucket("agency_health");
    const checkpoint = {
      type: "audit.checkpoint",
      county: "441723",
      agency: "health",
      aggregate: { kind: "audit", id: "health" },
    } as unknown as BusEvent;
    await handlerOver(kv)(checkpoint, delivered(7, checkpoint));
    expect((await keysOf(kv)).filter((k) => k.startsWith("head."))).toEqual([]);
  });

  it("keeps the head of an aggregate it appends to through its log", async () => {
    const kv = new MemoryBucket("agency_health");
    // A refused step on the record (留痕), appended through the log.
    const refused = {
      type: "attempt.refused",
      county: "441723",
      agency: "health",
      aggregate: { kind: "attempt", id: "a1" },
    } as unknown as BusEvent;
    await handlerOver(kv)(refused, delivered(9, refused));
    expect(await keysOf(kv)).toContain("head.attempt.a1");
  });
});
