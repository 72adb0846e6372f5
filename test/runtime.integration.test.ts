// The runtime's typed publish and consume against a real server: acknowledgement only after
// the handler, retries with back-off for transient failures, dead letters with the reason and
// the original bytes for what can never succeed, optimistic concurrency on an aggregate.
import { aggregateSubjects, type BusEvent, inboxSubjects, STREAMS } from "@liandong/contracts";
import {
  AggregateLog,
  BusError,
  createLogger,
  DEDUP_WINDOW_MS,
  type Delivery,
  EVENT_LIMITS,
  EventConsumer,
  EventPublisher,
  INBOX_LIMITS,
  provisionCounty,
  SEAL_BATCH,
  sealVerifies,
  sha256Hex,
  signerFromSeed,
  ValidationError,
} from "@liandong/runtime";
import {
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { createUser } from "@nats-io/nkeys";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "./support/county.ts";
import { type NatsServer, startNatsServer } from "./support/nats-server.ts";

let server: NatsServer;
let nc: NatsConnection;
let publisher: EventPublisher;
const logger = createLogger("test", "silent");

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url, noAsyncTraces: true, inboxPrefix: "_INBOX_health" });
  await provisionCounty(nc, { county: "441723", agencies: ["health", "public-security"] });
  publisher = new EventPublisher(nc, { county: "441723", agency: "health" });
});
afterAll(async () => {
  await publisher?.close();
  await nc?.close();
  await server?.stop();
});

const dismissed = (leadId: string, to?: string) =>
  ({
    type: "lead.dismissed",
    actor: "health.liaison",
    aggregate: { kind: "lead", id: leadId },
    ...(to ? { to } : {}),
    data: { leadId, reason: "测试" },
    prev: null,
  }) as const;

async function deadLetters(agency: string) {
  const c = await jetstream(nc).consumers.get(STREAMS.deadLetters, {
    filter_subjects: `ld.dlq.${agency}.>`,
  });
  const n = (await c.info(true)).num_pending;
  const out: { reason: string; detail: string; data: string }[] = [];
  if (n === 0) return out;
  for await (const m of await c.consume()) {
    out.push({
      reason: m.headers?.get("Liandong-Dlq-Reason") ?? "",
      detail: m.headers?.get("Liandong-Dlq-Detail") ?? "",
      data: new TextDecoder().decode(m.data),
    });
    if (m.info.pending === 0) break;
  }
  return out;
}

describe("streams as provisioned", () => {
  const config = async (name: string) =>
    (await (await jetstreamManager(nc)).streams.info(name)).config;
  const dedupNanos = DEDUP_WINDOW_MS * 1_000_000;
  /** What every stream of the county shares: on disk, full means refused, never trimmed. */
  const durable = (c: StreamConfig) => {
    expect(c.storage).toBe(StorageType.File);
    expect(c.retention).toBe(RetentionPolicy.Limits);
    expect(c.discard).toBe(DiscardPolicy.New);
    expect(c.num_replicas).toBe(1);
    // Nothing ages out: bounded by count and size only (streams.ts sets no max_age).
    expect(c.max_age).toBe(0);
    // A limit left out reads back as -1 (unlimited): discard-new would then never refuse.
    expect(c.max_msgs).toBeGreaterThan(0);
    expect(c.max_bytes).toBeGreaterThan(0);
  };

  it("EVENTS: the shared log on file, bounded, deduplicated, its events not to be deleted or purged", async () => {
    const c = await config(STREAMS.events);
    durable(c);
    expect(c.subjects).toEqual(["ld.ev.>"]);
    expect(c.max_msgs).toBe(EVENT_LIMITS.maxMsgs);
    expect(c.max_bytes).toBe(EVENT_LIMITS.maxBytes);
    expect(c.duplicate_window).toBe(dedupNanos);
    expect(c.deny_delete).toBe(true);
    expect(c.deny_purge).toBe(true);
    expect(c.allow_direct).toBe(true);
  });

  it("the dead-letter stream: on file, bounded, deduplicated, its letters kept", async () => {
    const c = await config(STREAMS.deadLetters);
    durable(c);
    expect(c.subjects).toEqual(["ld.dlq.>"]);
    expect(c.max_msgs).toBe(1_000_000);
    expect(c.max_bytes).toBe(1024 ** 3);
    expect(c.duplicate_window).toBe(dedupNanos);
    expect(c.deny_delete).toBe(true);
    expect(c.deny_purge).toBe(true);
  });

  it("each INBOX_<agency>: on file, bounded, kept, sourcing from EVENTS only what is addressed to it", async () => {
    for (const agency of ["health", "public-security"]) {
      const c = await config(STREAMS.inbox(agency));
      durable(c);
      expect(c.max_msgs).toBe(INBOX_LIMITS.maxMsgs);
      expect(c.max_bytes).toBe(INBOX_LIMITS.maxBytes);
      // No dedup window of its own (streams.ts sets none, and the server gives a stream without
      // subjects none): what it sources was deduplicated by EVENTS on the way in.
      expect(c.deny_delete).toBe(true);
      expect(c.deny_purge).toBe(true);
      // An agency reads its own inbox by direct get too (its permissions allow it).
      expect(c.allow_direct).toBe(true);
      expect(c.subjects ?? []).toEqual([]);
      expect(c.sources).toEqual([
        expect.objectContaining({ name: STREAMS.events, filter_subject: inboxSubjects(agency) }),
      ]);
    }
  });

  it("provisioning again (every start) leaves the settings as they were", async () => {
    const names = [STREAMS.events, STREAMS.deadLetters, STREAMS.inbox("health")];
    const before = await Promise.all(names.map(config));
    await provisionCounty(nc, { county: "441723", agencies: ["health", "public-security"] });
    expect(await Promise.all(names.map(config))).toEqual(before);
  });
});

describe("typed publish", () => {
  it("namespaces message ids by agency and refuses data that does not match its schema", async () => {
    const leadId = crypto.randomUUID();
    const p = await publisher.publish(dismissed(leadId));
    const stored = await (await jetstreamManager(nc)).streams.getMessage(STREAMS.events, {
      seq: p.seq,
    });
    expect(stored?.header.get("Nats-Msg-Id")).toBe(`health:${p.id}`);
    expect(stored?.header.get("Liandong-Event-Type")).toBe("lead.dismissed");
    await expect(
      publisher.publish({ ...dismissed(leadId), data: { leadId, reason: "" } } as never),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it("sends the expected sequence in its headers, stores the payload apart from them, and refuses a header value with a line break", async () => {
    const leadId = crypto.randomUUID();
    const first = await publisher.publish(dismissed(leadId));
    const subject = aggregateSubjects("441723", "lead", leadId);
    const second = await publisher.publish({
      ...dismissed(leadId),
      prev: first.hash,
      expect: { lastSubjectSequence: first.seq, subject },
    });
    const stored = await (await jetstreamManager(nc)).streams.getMessage(STREAMS.events, {
      seq: second.seq,
    });
    expect(stored?.header.get("Nats-Expected-Last-Subject-Sequence")).toBe(String(first.seq));
    expect(stored?.header.get("Nats-Expected-Last-Subject-Sequence-Subject")).toBe(subject);
    expect(Buffer.from(stored!.data).equals(Buffer.from(second.bytes))).toBe(true);
    expect(JSON.parse(new TextDecoder().decode(stored!.data))).toMatchObject({ prev: first.hash });
    await expect(
      publisher.publish({ ...dismissed(leadId), id: "a\r\nNats-Expected-Stream: x" }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it("the same id twice is stored once", async () => {
    const leadId = crypto.randomUUID();
    const id = crypto.randomUUID();
    const a = await publisher.publish({ ...dismissed(leadId), id });
    const b = await publisher.publish({ ...dismissed(leadId), id });
    expect(b.duplicate).toBe(true);
    expect(b.seq).toBe(a.seq);
  });
  it("times out what no stream acknowledges, again after a rest (its time-out sweep runs only while acks are awaited)", async () => {
    const quiet = new EventPublisher(nc, {
      county: "441723",
      agency: "health",
      retries: 0,
      retryForMs: 0,
      timeoutMs: 300,
    });
    // Something listens on the subject (no "no responders" answer), nothing ever answers.
    const sink = nc.subscribe("ld.nowhere.>");
    const nowhere = (id: string) => quiet.publishBytes(`ld.nowhere.${id}`, Buffer.from("{}"), id);
    try {
      for (const id of ["first", "after-rest"]) {
        const t0 = Date.now();
        await expect(nowhere(id)).rejects.toMatchObject({ code: "timeout" });
        expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
        expect(quiet.inFlight).toBe(0);
        // At rest: the sweep stops itself on its next round and starts again with the next send.
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      sink.unsubscribe();
      await quiet.close();
    }
  });
});

describe("sealed publish", () => {
  it("a burst goes out sealed in batches of at most SEAL_BATCH, in the order it was published, each seal verifying over the stored bytes", async () => {
    const signer = signerFromSeed(new TextDecoder().decode(createUser().getSeed()));
    const sealed = new EventPublisher(nc, { county: "441723", agency: "health", signer });
    try {
      // 150 at once: two full batches sealed as they fill, the rest once the caller yields;
      // then, with many still awaiting the stream, a second burst sealed on the next turn.
      const ids = Array.from({ length: 150 }, () => crypto.randomUUID());
      const first = ids.map((leadId) => sealed.publish(dismissed(leadId)));
      const more = ids.slice(0, 70).map((leadId) => sealed.publish(dismissed(leadId)));
      const published = await Promise.all([...first, ...more]);
      const seqs = published.map((p) => p.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      const jsm = await jetstreamManager(nc);
      const counts = new Set<string>();
      for (const p of published) {
        const stored = await jsm.streams.getMessage(STREAMS.events, { seq: p.seq });
        const seal = stored!.header.get("Liandong-Seal");
        expect(sha256Hex(stored!.data)).toBe(p.hash);
        expect(stored!.header.get("Nats-Msg-Id")).toBe(`health:${p.id}`);
        expect(sealVerifies(signer.publicKey, stored!.subject, p.hash, seal)).toBe(true);
        expect(sealVerifies(signer.publicKey, stored!.subject, sha256Hex(p.id), seal)).toBe(false);
        counts.add(seal.split(".")[1]!);
      }
      expect([...counts].every((c) => Number(c) <= SEAL_BATCH)).toBe(true);
      expect(counts.has(String(SEAL_BATCH))).toBe(true);
      // Published again with its id: the same message id, stored once.
      const again = await sealed.publish({ ...dismissed(ids[0]!), id: published[0]!.id });
      expect(again.duplicate).toBe(true);
      expect(again.seq).toBe(published[0]!.seq);
    } finally {
      await sealed.close();
    }
  });
});

describe("aggregate log", () => {
  it("chains events by hash and refuses a writer with a stale head", async () => {
    const kv = await new Kvm(nc).open("agency_health");
    const log = new AggregateLog(publisher, kv, "441723");
    const leadId = crypto.randomUUID();
    const first = await log.append(dismissed(leadId));
    const second = await log.append(dismissed(leadId));
    const body = JSON.parse(new TextDecoder().decode(second.bytes)) as { prev: string };
    expect(body.prev).toBe(first.hash);
    // A writer that still believes the aggregate is empty is refused by the stream.
    await expect(
      publisher.publish({
        ...dismissed(leadId),
        expect: { lastSubjectSequence: 0, subject: aggregateSubjects("441723", "lead", leadId) },
      }),
    ).rejects.toMatchObject({ name: "BusError", code: "wrong-last-sequence" });
    expect(BusError).toBeDefined();
  });
});

describe("aggregate heads written when observed (an agency's log)", () => {
  it("a burst of appends costs one bucket write, and a head a crash left behind is caught up when its event is observed again", async () => {
    const kv = await new Kvm(nc).open("agency_health");
    const log = new AggregateLog(publisher, kv, "441723", "observed");
    const leadId = crypto.randomUUID();
    const key = `head.lead.${leadId}`;
    const observe = (l: AggregateLog, p: { seq: number; hash: string }) =>
      l.observe("lead", leadId, { seq: p.seq, hash: p.hash });
    const e1 = await log.append(dismissed(leadId), { fresh: true });
    const e2 = await log.append(dismissed(leadId));
    expect(await kv.get(key)).toBeNull();
    // The own-events consumer sees them in order: the first is no longer the newest.
    await observe(log, e1);
    expect(await kv.get(key)).toBeNull();
    await observe(log, e2);
    const stored = await kv.get(key);
    expect(stored?.json()).toEqual({ seq: e2.seq, hash: e2.hash });
    const revisions: number[] = [];
    for await (const e of await kv.history({ key })) revisions.push(e.revision);
    expect(revisions).toHaveLength(1);

    // Appended, then the process died before its consumer saw the event: the bucket is behind.
    const e3 = await log.append(dismissed(leadId));
    const restarted = new AggregateLog(publisher, kv, "441723", "observed");
    const appending = restarted.append(dismissed(leadId));
    // The unacknowledged event is delivered again after the restart.
    setTimeout(() => void observe(restarted, e3), 120);
    const e4 = await appending;
    const body = JSON.parse(new TextDecoder().decode(e4.bytes)) as { prev: string };
    expect(body.prev).toBe(e3.hash);
    await observe(restarted, e4);
    expect((await kv.get(key))?.json()).toEqual({ seq: e4.seq, hash: e4.hash });
  });
});

describe("typed consume", () => {
  it("retries a transient failure with back-off, then handles and acknowledges", async () => {
    const leadId = crypto.randomUUID();
    const deliveries: number[] = [];
    let handled: BusEvent | undefined;
    const consumer = new EventConsumer(
      { nc, agency: "public-security", publisher, logger },
      {
        stream: "INBOX_public-security",
        durable: "retry-probe",
        filterSubject: `ld.ev.*.*.lead.${leadId}.public-security`,
      },
      async (e: BusEvent, d: Delivery) => {
        deliveries.push(d.deliveryCount);
        if (d.deliveryCount < 3) throw new Error("database briefly unavailable");
        handled = e;
      },
    );
    await consumer.start();
    await publisher.publish(dismissed(leadId, "public-security"));
    await eventually(async () => handled);
    await consumer.stop();
    expect(deliveries).toEqual([1, 2, 3]);
    const info = await (await jetstreamManager(nc)).consumers.info(
      "INBOX_public-security",
      "retry-probe",
    );
    expect(info.num_ack_pending).toBe(0);
  });

  it("dead-letters what can never succeed, with its reason and original bytes, and keeps going", async () => {
    const leadId = crypto.randomUUID();
    const seen: string[] = [];
    const consumer = new EventConsumer(
      { nc, agency: "public-security", publisher, logger },
      {
        stream: "INBOX_public-security",
        durable: "dlq-probe",
        filterSubject: `ld.ev.*.*.lead.${leadId}.public-security`,
        maxDeliver: 2,
      },
      async (e: BusEvent) => {
        if (e.type === "lead.dismissed" && e.data.reason === "refuse")
          throw new ValidationError("not-entitled", "not ours");
        if (e.type === "lead.dismissed" && e.data.reason === "always-fails")
          throw new Error("still broken");
        seen.push(e.id);
      },
    );
    await consumer.start();
    const js = jetstream(nc);
    const subject = `ld.ev.441723.health.lead.${leadId}.public-security`;
    await js.publish(subject, "{oops", { msgID: `health:${leadId}:bad-json` });
    await publisher.publish({
      ...dismissed(leadId, "public-security"),
      data: { leadId, reason: "refuse" },
    });
    await publisher.publish({
      ...dismissed(leadId, "public-security"),
      data: { leadId, reason: "always-fails" },
    });
    const good = await publisher.publish(dismissed(leadId, "public-security"));
    await eventually(async () => (seen.includes(good.id) ? true : undefined));
    const dead = await eventually(async () => {
      const all = (await deadLetters("public-security")).filter(
        (d) => d.data.includes(leadId) || d.data === "{oops",
      );
      return all.length >= 3 ? all : undefined;
    });
    await consumer.stop();
    expect(dead.map((d) => d.reason).sort()).toEqual([
      "malformed-json",
      "not-entitled",
      "retries-exhausted",
    ]);
    expect(dead.find((d) => d.reason === "malformed-json")?.data).toBe("{oops");
  });
});
