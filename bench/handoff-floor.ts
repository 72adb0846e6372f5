import { type ChildProcess, fork } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { AckPolicy, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { request } from "undici";
import { bundle } from "../services/county/build.mjs";
import { LEAN_MALLOC, NATS_ENV, nodeFlags } from "../services/county/src/county.ts";
import { referralFeed } from "../test/support/feed.ts";
import { startNatsServer } from "../test/support/nats-server.ts";
import type { FloorParty } from "./floor-party.ts";

const STREAM = "FLOOR";
const ROOT = "floor.ev";

export type HandoffFloor = {
  /** One offer, until the addressee's live feed has it. */
  offer(i: number): Promise<void>;
  /** Its processes by part: nats-server, sender, addressee, office. */
  pids: [string, number][];
  close(): Promise<void>;
};

/**
 * The least a hand-off costs: three processes of bench/floor-party.ts, bundled and run as the
 * county's services are (node, its flags and malloc settings), on a nats-server of their own
 * (run as the county's is);
 * the county benchmark measures its CPU per hand-off as it measures the county's (one offer at a
 * time, each until the addressee's live feed has it, after as many warm-up offers), in blocks
 * alternating with the county's own offers, so that both see the same machine.
 * What it keeps of the county's guarantees: an HTTP request with a bearer token and a checked
 * body; the event sealed at its source (SHA-256, ed25519) and checked by each reader; published
 * with its id (deduplicated) and the aggregate's expected last sequence, answered once the stream
 * holds it; the sender's and the addressee's copies in their buckets; the addressee acknowledging
 * after its copy is stored, then pushing it on its live feed; the audit (the office) reading and
 * acknowledging every event. What it leaves out, which the county's design adds: the inbox streams
 * each agency reads from (a copy of the log's event per addressee), the sender reading its own
 * events back, batch seals and checkpoints, the lead's record and permissions, logs and metrics.
 */
export async function startHandoffFloor(): Promise<HandoffFloor> {
  const dir = mkdtempSync(join(tmpdir(), "liandong-floor-"));
  // Its nats-server as the county runs its own.
  const server = await startNatsServer({ env: { ...process.env, ...NATS_ENV } });
  const parties: ChildProcess[] = [];
  const close = async () => {
    for (const p of parties) p.kill();
    await Promise.all(parties.map((p) => (p.exitCode === null ? once(p, "exit") : null)));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const root = resolve(import.meta.dirname, "..");
    await bundle(dir, { "floor-party": "bench/floor-party.ts" }, root);
    const nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: STREAM,
      subjects: [`${ROOT}.>`],
      storage: StorageType.File,
      duplicate_window: 2 * 60 * 1_000_000_000,
    });
    for (const durable of ["addressee", "office"])
      await jsm.consumers.add(STREAM, { durable_name: durable, ack_policy: AckPolicy.Explicit });
    const kvm = new Kvm(nc);
    for (const b of ["floor_sender", "floor_addressee"])
      await kvm.create(b, { history: 5, storage: StorageType.File });
    await nc.close();

    const keys = generateKeyPairSync("ed25519");
    const token = crypto.randomUUID();
    const start = async (p: Omit<FloorParty, "natsUrl" | "token" | "stream" | "subjectRoot">) => {
      const child = fork(
        join(dir, "floor-party.mjs"),
        [JSON.stringify({ ...p, natsUrl: server.url, token, stream: STREAM, subjectRoot: ROOT })],
        { execArgv: nodeFlags(p.role), env: { ...process.env, ...LEAN_MALLOC } },
      );
      parties.push(child);
      const [port] = (await once(child, "message")) as [number];
      return port;
    };
    const publicKey = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
    const sender = await start({
      role: "sender",
      key: keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      bucket: "floor_sender",
    });
    const addressee = await start({
      role: "addressee",
      key: publicKey,
      bucket: "floor_addressee",
      durable: "addressee",
    });
    await start({ role: "office", key: publicKey, durable: "office" });
    const feed = referralFeed(`http://127.0.0.1:${addressee}`, token);
    await feed.opened;
    const pids: [string, number][] = [
      ["nats-server", server.pid],
      ...parties.map((p, i): [string, number] => [["sender", "addressee", "office"][i]!, p.pid!]),
    ];
    return {
      async offer(i) {
        const res = await request(`http://127.0.0.1:${sender}/referrals`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ to: "health", reason: `第${i}次移交` }),
        });
        const { referralId } = (await res.body.json()) as { referralId: string };
        if (res.statusCode !== 201) throw new Error(`floor offer: ${res.statusCode}`);
        await feed.next((r) => r.referralId === referralId);
      },
      pids,
      async close() {
        await feed.close();
        await close();
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
