// The agency's sealer against a real server, at the moment that broke it in the cluster test: its
// reading stalls (its state write hangs on a leader election) while its consumer is lost, so it
// reads again from the first unsealed event; the stalled reading, once its write returns, must not
// hand the events it still holds to the chain a second time.
import { STREAMS } from "@liandong/contracts";
import {
  AuditSealer,
  createLogger,
  EventPublisher,
  LogVerifier,
  provisionCounty,
  sealerConsumer,
  signerFromSeed,
} from "@liandong/runtime";
import { jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { createUser } from "@nats-io/nkeys";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readStream } from "../services/cli/src/read-log.ts";
import { eventually } from "./support/county.ts";
import { type NatsServer, startNatsServer } from "./support/nats-server.ts";

const county = "441723";
const agency = "health";
let server: NatsServer;
let nc: NatsConnection;
const logger = createLogger("test", "silent");

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url, noAsyncTraces: true });
  await provisionCounty(nc, { county, agencies: [agency] });
});
afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

/** A bucket whose writes wait while `held`, or are dropped (a crash before the state was kept). */
function bucket(real: KV, mode: "drop" | "hold") {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let waiting = 0;
  const kv = {
    get: (key: string) => real.get(key),
    put: async (key: string, value: string) => {
      if (mode === "drop") return 0;
      waiting++;
      await gate;
      return real.put(key, value);
    },
  } as unknown as KV;
  return { kv, release, waiting: () => waiting };
}

const dismissed = (leadId: string) =>
  ({
    type: "lead.dismissed",
    actor: "health.liaison",
    aggregate: { kind: "lead", id: leadId },
    data: { leadId, reason: "测试" },
    prev: null,
  }) as const;

it("a stalled reading, superseded, seals nothing twice: each event at one chain position", async () => {
  const signer = signerFromSeed(new TextDecoder().decode(createUser().getSeed()));
  const publisher = new EventPublisher(nc, { county, agency, signer });
  const real = await new Kvm(nc).create(`sealer-test-${agency}`);
  const opts = { nc, county, agency, publisher, signer, logger, idleMs: 100, stallMs: 600 };
  try {
    // Five events sealed by a sealer whose state was never kept (it crashed before writing it).
    await Promise.all(
      Array.from({ length: 5 }, () => publisher.publish(dismissed(crypto.randomUUID()))),
    );
    const first = new AuditSealer({ ...opts, kv: bucket(real, "drop").kv });
    await first.start();
    await eventually(async () => (first.sealedCount === 5 ? true : undefined), 20_000);
    await first.stop();
    // Five more while no sealer runs: the stream now holds 5 events, a checkpoint, 5 events.
    await Promise.all(
      Array.from({ length: 5 }, () => publisher.publish(dismissed(crypto.randomUUID()))),
    );

    // The next sealer reads all eleven in one go, counts the checkpoint, and its state write
    // hangs (a leader election) with the five later events still in its hands.
    const held = bucket(real, "hold");
    const second = new AuditSealer({ ...opts, kv: held.kv });
    await second.start();
    await eventually(async () => (held.waiting() >= 1 ? true : undefined), 20_000);
    // Its consumer is lost meanwhile: the watchdog reads again from the first unsealed event,
    // and seals the five later events itself (its second checkpoint's write hangs too).
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.delete(STREAMS.events, sealerConsumer(agency));
    await eventually(async () => (held.waiting() >= 2 ? true : undefined), 20_000);
    // The first write returns: the stalled reading goes on with what it still held.
    held.release();
    // What it would seal a second time it seals after `idleMs` (100 ms): allow ten times that.
    await new Promise((r) => setTimeout(r, 1000));
    await second.stop();

    const v = new LogVerifier({ keys: { [agency]: signer.publicKey }, county });
    const positions = new Map<string, number>();
    for await (const e of readStream(nc, STREAMS.events)) {
      v.add({ ...e, bytes: Buffer.from(e.bytes) });
      const event = JSON.parse(Buffer.from(e.bytes).toString()) as {
        type: string;
        data: { hashes?: string[] };
      };
      if (event.type !== "audit.checkpoint") continue;
      for (const h of event.data.hashes ?? []) positions.set(h, (positions.get(h) ?? 0) + 1);
    }
    const report = v.finish();
    expect(report.findings).toEqual([]);
    expect(report.unsealed).toEqual([]);
    expect(positions.size).toBe(10);
    expect([...positions.values()].every((n) => n === 1)).toBe(true);
  } finally {
    await publisher.close();
  }
}, 60_000);
