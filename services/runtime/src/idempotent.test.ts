// Requests made once whatever the retries, with the keys the bucket remembers listed at start: a
// new key is run without a lookup, a remembered one (before the start, or since) is answered
// from the bucket, a reused one refused.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createHttpApp, readJson } from "./http.ts";
import { IdempotentRequests } from "./idempotent.ts";
import { createLogger } from "./logger.ts";
import { MemoryBucket } from "./memory/memory-bucket.ts";
import { createMetrics } from "./metrics.ts";

const Body = z.object({ n: z.number() });

/** A service whose `POST /things` counts the work it does; `gets`: the bucket's lookups. */
function service(bucket: MemoryBucket) {
  const lookups: string[] = [];
  const counted = new Proxy(bucket, {
    get(target, prop, receiver) {
      if (prop === "get")
        return (key: string) => {
          lookups.push(key);
          return target.get(key);
        };
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const requests = new IdempotentRequests(counted);
  let work = 0;
  const app = createHttpApp({
    logger: createLogger("test", "silent"),
    metrics: createMetrics("test"),
    maxBodyBytes: 1024,
  });
  app.post("/things", async (c) => {
    const body = await readJson(c, Body);
    const { result, replay } = await requests.run(c, body, async () => ({ made: ++work }));
    return c.json(result, replay ? 200 : 201);
  });
  const post = async (key: string, n: number) => {
    const res = await app.request("/things", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify({ n }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { requests, post, lookups, work: () => work };
}

describe("IdempotentRequests with the remembered keys listed", () => {
  it("runs a new key without a lookup, and answers a retry of it from the bucket", async () => {
    const bucket = new MemoryBucket("agency");
    const s = service(bucket);
    await s.requests.load();
    expect(await s.post("k1", 1)).toEqual({ status: 201, body: { made: 1 } });
    expect(s.lookups).toEqual([]);
    expect(await s.post("k1", 1)).toEqual({ status: 200, body: { made: 1 } });
    expect(s.lookups).toHaveLength(1);
    expect((await s.post("k1", 2)).status).toBe(422);
    expect(s.work()).toBe(1);
  });

  it("answers a key remembered before the start from the bucket, not by working again", async () => {
    const bucket = new MemoryBucket("agency");
    const before = service(bucket);
    await before.requests.load();
    await before.post("k1", 1);
    await before.post("k2", 2);

    const after = service(bucket);
    await after.requests.load();
    expect(await after.post("k1", 1)).toEqual({ status: 200, body: { made: 1 } });
    expect((await after.post("k2", 3)).status).toBe(422);
    expect(await after.post("k3", 3)).toEqual({ status: 201, body: { made: 1 } });
    expect(after.work()).toBe(1);
    // The two remembered keys looked up; the new one not.
    expect(after.lookups).toHaveLength(2);
  });

  it("a key written while the keys are being listed is known once they are, seen by the listing or not", async () => {
    const bucket = new MemoryBucket("agency");
    const before = service(bucket);
    await before.post("k1", 1);
    // The listing reads what stood when it began, and ends only when let go.
    let letGo!: () => void;
    const held = new Promise<void>((r) => {
      letGo = r;
    });
    const keys = bucket.keys.bind(bucket);
    bucket.keys = async (filter?: string) => {
      const listed = [];
      for await (const k of await keys(filter)) listed.push(k);
      return (async function* () {
        yield* listed;
        await held;
      })();
    };
    const s = service(bucket);
    const loading = s.requests.load();
    // Answered while the listing runs: looked up (nothing known yet), run, remembered.
    expect(await s.post("k2", 2)).toEqual({ status: 201, body: { made: 1 } });
    letGo();
    await loading;
    expect(await s.post("k2", 2)).toEqual({ status: 200, body: { made: 1 } });
    expect(s.work()).toBe(1);
  });

  it("looks every key up when the keys were not listed", async () => {
    const s = service(new MemoryBucket("agency"));
    await s.post("k1", 1);
    expect(s.lookups).toHaveLength(1);
  });
});
