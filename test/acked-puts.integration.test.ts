// The agency's bucket writes as the services make them (`ackedPuts`) against a real server:
// stored in order with their revisions, the client's own writes with options untouched, and
// its failures of the kinds `retryingPuts` tells apart.
import { ackedPuts, transientWriteError } from "@liandong/runtime";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type NatsServer, startNatsServer } from "./support/nats-server.ts";

let server: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url, noAsyncTraces: true, inboxPrefix: "_INBOX_health" });
});
afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

describe("a bucket's plain writes on the shared reply subscription", () => {
  it("are stored in the order sent, each answered with its revision", async () => {
    const kv = ackedPuts(await new Kvm(nc).create("acked_order"), nc, "health");
    // None of them a request of the client's (a reply entry, a timer and an error object each).
    const requests = vi.spyOn(nc, "request");
    const revisions = await Promise.all(
      Array.from({ length: 200 }, (_, i) => kv.put(`referral.r${i % 7}`, JSON.stringify({ i }))),
    );
    expect(revisions).toEqual(revisions.map((_, i) => revisions[0]! + i));
    expect(requests).not.toHaveBeenCalled();
    requests.mockRestore();
    for (let k = 0; k < 7; k++) {
      const last = 199 - ((199 - k) % 7);
      const e = await kv.get(`referral.r${k}`);
      expect(e?.json()).toEqual({ i: last });
      expect(e?.revision).toBe(revisions[last]);
    }
    // Bytes as given.
    await kv.put("blob", new Uint8Array([1, 2, 3]));
    expect([...((await kv.get("blob"))?.value ?? [])]).toEqual([1, 2, 3]);
  });

  it("leave the client's writes with options and its checks of keys as they were", async () => {
    const kv = ackedPuts(await new Kvm(nc).create("acked_options"), nc, "health");
    const first = await kv.put("head.lead.a", "1");
    await expect(kv.put("head.lead.a", "2", { previousSeq: first + 5 })).rejects.toThrow(
      /wrong last sequence/i,
    );
    expect(await kv.put("head.lead.a", "2", { previousSeq: first })).toBe(first + 1);
    await expect(kv.create("head.lead.a", "3")).rejects.toThrow(/wrong last sequence/i);
    await expect(kv.put(".bad", "x")).rejects.toThrow(/invalid key/);
    await expect(kv.put("a b", "x")).rejects.toThrow(/invalid key/);
  });

  it("create a key the subject holds nothing of as a plain write, and leave the rest to the client", async () => {
    const kv = ackedPuts(await new Kvm(nc).create("acked_create"), nc, "health");
    const requests = vi.spyOn(nc, "request");
    const first = await kv.create("figure.2026-12.lead.a.registered", '{"n":1}');
    expect(requests).not.toHaveBeenCalled();
    requests.mockRestore();
    expect((await kv.get("figure.2026-12.lead.a.registered"))?.revision).toBe(first);
    // Held already: refused, as the client refuses it.
    await expect(kv.create("figure.2026-12.lead.a.registered", '{"n":2}')).rejects.toThrow(
      /wrong last sequence/i,
    );
    expect((await kv.get("figure.2026-12.lead.a.registered"))?.json()).toEqual({ n: 1 });
    // Deleted: created again (the client's own rule).
    await kv.delete("figure.2026-12.lead.a.registered");
    const again = await kv.create("figure.2026-12.lead.a.registered", '{"n":3}');
    expect(again).toBeGreaterThan(first);
    expect((await kv.get("figure.2026-12.lead.a.registered"))?.json()).toEqual({ n: 3 });
  });

  it("fail as transient where no stream answers, and the next write after goes through", async () => {
    const kv = ackedPuts(await new Kvm(nc).create("acked_gone"), nc, "health");
    await kv.put("k", "1");
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete("KV_acked_gone");
    const err = await kv.put("k", "2").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(transientWriteError(err)).toBe(true);
    const again = ackedPuts(await new Kvm(nc).create("acked_gone"), nc, "health");
    expect(await again.put("k", "3")).toBe(1);
  });
});
