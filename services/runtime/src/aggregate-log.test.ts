// The log's answers to "was it stored?" after a crash, over streams in memory that check as a
// single nats-server does (the expected sequence before the duplicate window), with a clock the
// test moves past the duplicate window: a restarted service is a new log over the same bucket.
import { STREAMS } from "@liandong/contracts";
import { describe, expect, it } from "vitest";
import { AggregateLog, type HeadPersistence } from "./aggregate-log.ts";
import { sha256Hex, uuidFromName } from "./hash.ts";
import { createLogger } from "./logger.ts";
import { MemoryBucket } from "./memory/memory-bucket.ts";
import { MemoryBus } from "./memory/memory-bus.ts";
import { MemoryPublisher } from "./memory/memory-publisher.ts";
import { MemoryStreams } from "./memory/memory-streams.ts";
import { DEDUP_WINDOW_MS } from "./streams.ts";

const COUNTY = "441723";
const AGENCY = "health";
const decoder = new TextDecoder();

function agency() {
  const now = { ms: 1_000_000 };
  const streams = new MemoryStreams({ now: () => now.ms, expectedSequenceFirst: true });
  streams.addStream({ name: STREAMS.events, subjects: ["ld.ev.>"] });
  const publisher = new MemoryPublisher(streams, { county: COUNTY, agency: AGENCY });
  const bus = new MemoryBus(streams, {
    agency: AGENCY,
    publisher,
    logger: createLogger(AGENCY, "silent"),
  });
  const bucket = new MemoryBucket("agency_health");
  /** The agency's log as a (re)started service makes it: nothing in memory. */
  const log = (persist: HeadPersistence = "observed") =>
    new AggregateLog(publisher, bucket, COUNTY, persist, {
      agency: AGENCY,
      last: (subject) => bus.last(STREAMS.events, subject),
    });
  const events = () =>
    streams
      .messages(STREAMS.events)
      .map((m) => JSON.parse(decoder.decode(m.data)) as { id: string; prev: string | null });
  return { streams, publisher, log, events, afterWindow: () => (now.ms += DEDUP_WINDOW_MS + 1) };
}

const leadId = uuidFromName("lead-1");
/** A step of the lead with the id a retried request derives again. */
const step = (reason: string, to?: "public-security") => ({
  type: "lead.dismissed" as const,
  id: uuidFromName(`${leadId}:${reason}:${to ?? ""}`),
  actor: "health.liaison",
  aggregate: { kind: "lead" as const, id: leadId },
  ...(to ? { to } : {}),
  data: { leadId, reason },
});

describe("AggregateLog.begin", () => {
  it("begins an aggregate once: a retry after a restart and the duplicate window gets the event as stored", async () => {
    const a = agency();
    const first = await a.log().begin(step("第一步"));
    a.afterWindow();
    const again = await a.log().begin(step("第一步"));
    expect(again).toMatchObject({ seq: first!.seq, id: first!.id, duplicate: true });
    expect(again!.hash).toBe(first!.hash);
    expect(a.events()).toHaveLength(1);
  });

  it("answers undefined, and stores nothing, when the aggregate was begun and has moved on", async () => {
    const a = agency();
    const log = a.log();
    await log.begin(step("第一步"));
    await log.append(step("第二步"));
    a.afterWindow();
    expect(await a.log().begin(step("第一步"))).toBeUndefined();
    expect(await a.log().begin(step("另一个开头"))).toBeUndefined();
    expect(a.events()).toHaveLength(2);
  });
});

describe("AggregateLog.append, onConflict reread", () => {
  it("reads a stale head back from the stream and chains onto it, once", async () => {
    const a = agency();
    const before = a.log();
    await before.begin(step("第一步"));
    const second = await before.append(step("第二步"));
    // A restarted service whose head never reached the bucket (observed persistence).
    const next = await a.log().append(step("第三步"), { onConflict: "reread" });
    expect(next.seq).toBe(second.seq + 1);
    expect(a.events()[2]!.prev).toBe(sha256Hex(second.bytes));
    expect(a.events()).toHaveLength(3);
  });

  it("answers an event whose earlier send was stored (its answer lost) as stored, after the window too", async () => {
    const a = agency();
    const log = a.log();
    const first = await log.begin(step("第一步"));
    // The earlier send: stored on the head the log still holds, its answer never came back.
    const sent = await a.publisher.publish({
      ...step("第二步"),
      prev: first!.hash,
      expect: { lastSubjectSequence: first!.seq, subject: `ld.ev.${COUNTY}.*.lead.${leadId}.>` },
    });
    a.afterWindow();
    const again = await log.append(step("第二步"), { onConflict: "reread" });
    expect(again).toMatchObject({ seq: sent.seq, id: sent.id, duplicate: true });
    expect(a.events()).toHaveLength(2);
  });
});
