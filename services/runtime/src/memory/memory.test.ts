import { type BusEvent, STREAMS } from "@liandong/contracts";
import { headers } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { AggregateLog } from "../aggregate-log.ts";
import type { Delivery } from "../consumer.ts";
import { BusError, ValidationError } from "../errors.ts";
import { uuidFromName } from "../hash.ts";
import { createLogger } from "../logger.ts";
import type { StreamMessage } from "../ports.ts";
import { MemoryBucket } from "./memory-bucket.ts";
import { MemoryBus } from "./memory-bus.ts";
import { MemoryPublisher } from "./memory-publisher.ts";
import { MemoryStreams } from "./memory-streams.ts";
import { subjectMatches } from "./subject-match.ts";

const COUNTY = "441723";
const enc = (s: string) => new TextEncoder().encode(s);
const logger = createLogger("test", "silent");

/** EVENTS, the dead letters and two inboxes, as provisioned, with a clock the test moves. */
function county(now = { ms: 0 }) {
  const streams = new MemoryStreams({ now: () => now.ms });
  streams.addStream({ name: STREAMS.events, subjects: ["ld.ev.>"] });
  streams.addStream({ name: STREAMS.deadLetters, subjects: ["ld.dlq.>"] });
  for (const agency of ["health", "public-security"])
    streams.addStream({
      name: STREAMS.inbox(agency),
      sources: [{ stream: STREAMS.events, filterSubjects: [`ld.ev.*.*.*.*.${agency}`] }],
    });
  const publisher = (agency: string) => new MemoryPublisher(streams, { county: COUNTY, agency });
  return { streams, publisher, now };
}

const withId = (id: string, extra: Record<string, string> = {}) => {
  const h = headers();
  h.set("Nats-Msg-Id", id);
  for (const [k, v] of Object.entries(extra)) h.set(k, v);
  return h;
};

const dismissal = (leadId: string, to?: "health" | "public-security") => ({
  type: "lead.dismissed" as const,
  actor: "commerce.liaison",
  aggregate: { kind: "lead" as const, id: leadId },
  ...(to ? { to } : {}),
  data: { leadId, reason: "重复登记" },
});

describe("subjectMatches", () => {
  it("matches tokens, `*` for one and a last `>` for one or more", () => {
    expect(subjectMatches("ld.ev.>", "ld.ev.1.health.lead.x._")).toBe(true);
    expect(subjectMatches("ld.ev.>", "ld.ev")).toBe(false);
    expect(subjectMatches("ld.ev.*.*.*.*.health", "ld.ev.1.a.lead.x.health")).toBe(true);
    expect(subjectMatches("ld.ev.*.*.*.*.health", "ld.ev.1.a.lead.x.health.620702")).toBe(false);
    expect(subjectMatches("ld.ev.*.*.*.*.health", "ld.ev.1.a.lead.x.commerce")).toBe(false);
    expect(subjectMatches("a.*", "a")).toBe(false);
  });
});

describe("MemoryStreams", () => {
  it("numbers what it stores from 1 and refuses a subject no stream takes", () => {
    const { streams } = county();
    expect(streams.publish("ld.ev.1.a.lead.x._", enc("1"))).toEqual({
      stream: "EVENTS",
      seq: 1,
      duplicate: false,
    });
    expect(streams.publish("ld.dlq.a.malformed-json", enc("2")).seq).toBe(1);
    expect(streams.publish("ld.ev.1.a.lead.y._", enc("3")).seq).toBe(2);
    expect(() => streams.publish("elsewhere", enc("4"))).toThrow(BusError);
  });

  it("stores a message id once within the duplicate window, and again after it", () => {
    const { streams, now } = county();
    const first = streams.publish("ld.ev.1.a.lead.x._", enc("1"), withId("a:1"));
    const again = streams.publish("ld.ev.1.a.lead.x._", enc("1"), withId("a:1"));
    expect(again).toEqual({ ...first, duplicate: true });
    expect(streams.messages(STREAMS.events)).toHaveLength(1);
    now.ms += 2 * 60_000;
    expect(streams.publish("ld.ev.1.a.lead.x._", enc("1"), withId("a:1")).seq).toBe(2);
  });

  it("refuses a publish unless the last sequence under the filter is the one expected", () => {
    const { streams } = county();
    const filter = "ld.ev.1.*.lead.x.>";
    const expect0 = {
      "Nats-Expected-Last-Subject-Sequence": "0",
      "Nats-Expected-Last-Subject-Sequence-Subject": filter,
    };
    streams.publish("ld.ev.1.other.lead.y._", enc("unrelated"));
    expect(streams.publish("ld.ev.1.a.lead.x._", enc("1"), withId("a:1", expect0)).seq).toBe(2);
    // Another publisher's event on the same aggregate counts: the filter spans agencies.
    expect(() => streams.publish("ld.ev.1.b.lead.x.a", enc("2"), withId("b:2", expect0))).toThrow(
      expect.objectContaining({ code: "wrong-last-sequence", message: "wrong last sequence: 2" }),
    );
    const expect2 = { ...expect0, "Nats-Expected-Last-Subject-Sequence": "2" };
    expect(streams.publish("ld.ev.1.b.lead.x.a", enc("2"), withId("b:2", expect2)).seq).toBe(3);
    // A duplicate is answered as one before any expectation is checked (as nats-server does).
    expect(streams.publish("ld.ev.1.a.lead.x._", enc("1"), withId("a:1", expect0))).toEqual({
      stream: "EVENTS",
      seq: 2,
      duplicate: true,
    });
    // Without the filter header, the expectation is on the subject itself.
    const bare = withId("c:3", { "Nats-Expected-Last-Subject-Sequence": "0" });
    expect(streams.publish("ld.ev.1.c.lead.z._", enc("3"), bare).seq).toBe(4);
  });

  it("copies what is addressed to an agency into its inbox, once, remembering the origin", () => {
    const { streams } = county();
    streams.publish("ld.ev.1.a.lead.x._", enc("to no one"));
    streams.publish("ld.ev.1.a.lead.x.health", enc("to health"), withId("a:1"));
    streams.publish("ld.ev.1.a.lead.x.health", enc("to health"), withId("a:1"));
    streams.publish("ld.ev.1.a.lead.x.health.620702", enc("across the line"));
    const inbox = streams.messages(STREAMS.inbox("health"));
    expect(inbox.map((m) => [m.seq, m.origin])).toEqual([[1, { stream: "EVENTS", seq: 2 }]]);
    expect(streams.messages(STREAMS.inbox("public-security"))).toHaveLength(0);
  });
});

describe("MemoryPublisher and AggregateLog", () => {
  it("publishes typed events with keyed message ids; a re-published event is a duplicate", async () => {
    const { streams } = county();
    const p = new MemoryPublisher(streams, {
      county: COUNTY,
      agency: "commerce",
      idKey: new Uint8Array(32).fill(7),
    });
    const leadId = uuidFromName("lead-1");
    const req = { ...dismissal(leadId), id: uuidFromName("e-1"), prev: null };
    const published = await p.publish({ ...req, time: new Date(0) });
    const again = await p.publish({ ...req, time: new Date(0) });
    expect([published.seq, again.seq, again.duplicate]).toEqual([1, 1, true]);
    expect(again.hash).toBe(published.hash);
    const msgId = streams.messages(STREAMS.events)[0]!.headers!.get("Nats-Msg-Id");
    expect(msgId.startsWith("commerce:")).toBe(true);
    expect(msgId).not.toContain(req.id);
    await expect(
      p.publish({ ...req, data: { leadId } } as unknown as typeof req),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it("refuses a writer of an aggregate whose head is stale, and chains once it has seen the newer one", async () => {
    const { publisher } = county();
    const leadId = uuidFromName("lead-2");
    const bucket = () => new MemoryBucket("agency_x");
    const health = new AggregateLog(publisher("health"), bucket(), COUNTY);
    const security = new AggregateLog(publisher("public-security"), bucket(), COUNTY);
    const first = await health.append(dismissal(leadId));
    // public-security has not seen it: its head is stale, and the stream says so.
    await security.head("lead", leadId);
    const stale = security.append(dismissal(leadId), { onConflict: "throw" });
    await expect(stale).rejects.toMatchObject({ name: "BusError", code: "wrong-last-sequence" });
    // As its inbox consumer would tell it.
    await security.observe("lead", leadId, { seq: first.seq, hash: first.hash });
    const chained = await security.append(dismissal(leadId));
    expect(chained.seq).toBe(first.seq + 1);
    expect(JSON.parse(new TextDecoder().decode(chained.bytes)).prev).toBe(first.hash);
  });
});

describe("MemoryBucket", () => {
  it("creates a key once, reads a deletion as one, lists and filters keys as NATS KV does", async () => {
    const kv = new MemoryBucket("agency_health");
    const r1 = await kv.create("inbox.a", "1");
    await expect(kv.create("inbox.a", "2")).rejects.toMatchObject({ code: "wrong-last-sequence" });
    await kv.put("inbox.b", enc("2"));
    await kv.put("lead.c", "3");
    expect((await kv.get("inbox.a"))?.json()).toBe(1);
    await kv.delete("inbox.a");
    expect(await kv.get("inbox.a")).toMatchObject({ operation: "DEL" });
    expect(await kv.get("never")).toBeNull();
    const keys = [];
    for await (const k of await kv.keys("inbox.>")) keys.push(k);
    expect(keys).toEqual(["inbox.b"]);
    expect(await kv.create("inbox.a", "again")).toBeGreaterThan(r1);
    await expect(kv.put("has space", "x")).rejects.toThrow("invalid key");
    await expect(kv.keys("a..b")).rejects.toThrow("invalid key");
  });
});

describe("MemoryBus", () => {
  const deps = (streams: MemoryStreams) => ({
    agency: "health",
    publisher: new MemoryPublisher(streams, { county: COUNTY, agency: "health" }),
    logger,
  });

  it("dead-letters a forged event with its reason in Chinese, its code beside it", async () => {
    const { streams, publisher } = county();
    await publisher("commerce").publish({ ...dismissal(uuidFromName("f"), "health"), prev: null });
    const [real] = streams.messages(STREAMS.events);
    // The same bytes under another agency's subject: the envelope gives the forgery away.
    const forged = real!.subject.replace(".commerce.", ".family-planning.");
    streams.publish(forged, real!.data);
    const handled: string[] = [];
    const consumer = new MemoryBus(streams, deps(streams)).consumer(
      { stream: STREAMS.inbox("health"), durable: "health-inbox" },
      async (e: BusEvent) => {
        handled.push(e.agency);
      },
    );
    await consumer.start();
    await streams.settle();
    await consumer.stop();
    expect(handled).toEqual(["commerce"]);
    const [letter, ...more] = streams.messages(STREAMS.deadLetters);
    expect(more).toEqual([]);
    expect(letter?.subject).toBe("ld.dlq.health.subject-mismatch");
    expect(letter?.headers?.get("Liandong-Dlq-Reason")).toBe("subject-mismatch");
    expect(letter?.headers?.get("Liandong-Dlq-Detail")).toBe(
      `事件信封与其主题不符：主题为 ${forged}`,
    );
  });

  it("delivers in order, redelivers after a transient failure, dead-letters what can never succeed", async () => {
    const { streams, publisher } = county();
    const commerce = publisher("commerce");
    const ids = ["a", "b", "c"].map((n) => uuidFromName(n));
    for (const id of ids) await commerce.publish({ ...dismissal(id, "health"), prev: null });
    streams.publish(`ld.ev.${COUNTY}.commerce.lead.${uuidFromName("d")}.health`, enc("{oops"));
    const seen: [string, number, number][] = [];
    let failOnce = true;
    const bus = new MemoryBus(streams, deps(streams));
    const consumer = bus.consumer(
      { stream: STREAMS.inbox("health"), durable: "health-inbox" },
      async (e: BusEvent, d: Delivery) => {
        seen.push([e.aggregate.id, d.deliveryCount, d.origin.seq]);
        if (e.aggregate.id === ids[1] && failOnce) {
          failOnce = false;
          throw new Error("bucket unavailable");
        }
        if (e.aggregate.id === ids[2]) throw new ValidationError("misaddressed", "not ours");
      },
    );
    await consumer.start();
    await streams.settle();
    expect(seen).toEqual([
      [ids[0], 1, 1],
      [ids[1], 1, 2],
      [ids[2], 1, 3],
      [ids[1], 2, 2],
    ]);
    const dead = streams.messages(STREAMS.deadLetters);
    expect(dead.map((m) => [m.subject, m.headers?.get("Liandong-Original-Seq")])).toEqual([
      ["ld.dlq.health.misaddressed", "3"],
      ["ld.dlq.health.malformed-json", "4"],
    ]);
    // Why, for the IT person: the reason's Chinese title first, its code on the subject.
    expect(dead.map((m) => m.headers?.get("Liandong-Dlq-Detail")?.split("：")[0])).toEqual([
      "事件投递对象有误",
      "JSON 格式错误",
    ]);
    await consumer.stop();

    // A durable resumes where it was: nothing delivered twice, the next message delivered.
    await commerce.publish({ ...dismissal(uuidFromName("e"), "health"), prev: null });
    const again = bus.consumer(
      { stream: STREAMS.inbox("health"), durable: "health-inbox" },
      async (e: BusEvent) => {
        seen.push([e.aggregate.id, 0, 0]);
      },
    );
    await again.start();
    await streams.settle();
    await again.stop();
    expect(seen.slice(4)).toEqual([[uuidFromName("e"), 0, 0]]);
  });

  it("follows a stream from the first message, caught up once nothing is pending", async () => {
    const { streams, publisher } = county();
    const bus = new MemoryBus(streams, deps(streams));
    const empty: string[] = [];
    const f0 = await bus.follow(STREAMS.events, {
      namePrefix: "office",
      onMessage: () => undefined,
      onCaughtUp: () => empty.push("caught up"),
    });
    expect(empty).toEqual(["caught up"]);
    await f0.stop();

    const commerce = publisher("commerce");
    for (const n of ["a", "b"])
      await commerce.publish({ ...dismissal(uuidFromName(n)), prev: null });
    const log: string[] = [];
    const follower = await bus.follow(STREAMS.events, {
      namePrefix: "office",
      onMessage: async (m: StreamMessage) => {
        log.push(`seq ${m.seq}`);
      },
      onCaughtUp: () => log.push("caught up"),
    });
    await streams.settle();
    await commerce.publish({ ...dismissal(uuidFromName("c")), prev: null });
    await streams.settle();
    await follower.stop();
    expect(log).toEqual(["seq 1", "seq 2", "caught up", "seq 3"]);

    const present = [];
    for await (const e of bus.readPresent(STREAMS.events, {
      namePrefix: "trail",
      filterSubjects: [`ld.ev.${COUNTY}.*.lead.${uuidFromName("b")}.>`],
    }))
      present.push(e.seq);
    expect(present).toEqual([2]);
  });
});
