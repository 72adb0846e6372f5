// A county on a 3-node cluster with R3 streams loses a node under load: a steady stream of
// hand-offs over HTTP goes on while the EVENTS stream's leader is killed with SIGKILL. Every
// acknowledged step is on the log exactly once, both parties agree, the trail verifies; the
// node, restarted, catches up.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { STREAMS } from "@liandong/contracts";
import { type LogEntry, LogVerifier } from "@liandong/runtime";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readStream } from "../services/cli/src/read-log.ts";
import { liandong } from "./support/cli.ts";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

let county: TestCounty;
let admin: NatsConnection;
let killed: TestCounty["nodes"][number] | undefined;

beforeAll(async () => {
  county = await startTestCounty({}, { clusterNodes: 3 });
  admin = await county.admin();
}, 180_000);

afterAll(async () => {
  await admin?.close();
  await county?.cleanup();
});

async function readLog(): Promise<
  { entry: LogEntry; event: { id: string; type: string; data: { referralId?: string } } }[]
> {
  const out = [];
  for await (const e of readStream(admin, STREAMS.events)) {
    const entry = { ...e, bytes: Buffer.from(e.bytes) };
    out.push({ entry, event: JSON.parse(entry.bytes.toString()) });
  }
  return out;
}

/** What the agencies' sealers logged about sealing, the last `n` lines each: said when a check fails. */
function sealersSaid(n: number): string {
  return county.config.agencies
    .map(({ code }) => {
      const file = join(county.stateDir, "logs", `${code}.log`);
      const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n") : [];
      return `${code}: ${lines
        .filter((l) => /seal|checkpoint/.test(l))
        .slice(-n)
        .join(" | ")}`;
    })
    .join("\n");
}

/**
 * Every checkpoint on the log: its agency, stream sequence, first position and size, and how
 * many of its hashes an earlier checkpoint of the agency sealed already (a sealer that sealed
 * events twice).
 */
async function checkpointsSaid(): Promise<string> {
  const sealed = new Set<string>();
  const out: string[] = [];
  for (const { entry, event } of await readLog()) {
    if (event.type !== "audit.checkpoint") continue;
    const d = event.data as unknown as { agency: string; index: number; hashes: string[] };
    const again = d.hashes.filter((h) => sealed.has(`${d.agency}:${h}`)).length;
    for (const h of d.hashes) sealed.add(`${d.agency}:${h}`);
    out.push(
      `${d.agency} #${entry.seq} ${d.index}+${d.hashes.length}${again ? ` (${again} sealed before)` : ""}`,
    );
  }
  return out.join("; ");
}

/** The EVENTS stream as its leader states it, and as a read of it finds it: do they agree? */
async function streamSaid() {
  const info = await (await jetstreamManager(admin)).streams.info(STREAMS.events);
  const read = await readLog();
  return {
    messages: info.state.messages,
    lastSeq: info.state.last_seq,
    read: read.length,
    lastRead: read.at(-1)?.entry.seq,
    cluster: info.cluster,
  };
}

const leaderOfEvents = async () =>
  (await (await jetstreamManager(admin)).streams.info(STREAMS.events)).cluster;

it("survives the loss of the EVENTS leader under a stream of hand-offs: nothing acknowledged lost or doubled", async () => {
  const fp = county.as("family-planning");
  const health = county.as("health");
  const lead = await fp.post<{ leadId: string }>("/leads", {
    source: "pregnancy-disappearance",
    violations: ["sex-selective-termination"],
    target: { kind: "person", name: "随访对象（集群）", county: "441723" },
    summary: "孕情不明原因消失",
  });
  expect(lead.status).toBe(201);

  const offered: string[] = [];
  const accepted: string[] = [];
  let failures = 0;
  const why: string[] = [];
  let running = true;
  const handOff = async () => {
    try {
      const o = await fp.post<{ referralId: string }>("/referrals", {
        to: "health",
        about: { kind: "lead", id: lead.body.leadId },
        reason: "请核查",
      });
      if (o.status !== 201) {
        why.push(`offer ${o.status} ${JSON.stringify(o.body).slice(0, 200)}`);
        return void failures++;
      }
      offered.push(o.body.referralId);
      const seen = await health.get(`/referrals/${o.body.referralId}?wait=20000`);
      if (seen.status !== 200) {
        why.push(`seen ${seen.status}`);
        return void failures++;
      }
      const a = await health.post(`/referrals/${o.body.referralId}/acceptance`, {});
      if (a.status === 200) accepted.push(o.body.referralId);
      else {
        why.push(`accept ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`);
        failures++;
      }
    } catch (err) {
      why.push(`threw ${String(err)}`);
      failures++;
    }
  };
  const load = (async () => {
    while (running) await Promise.all([handOff(), handOff()]);
  })();

  await eventually(async () => (accepted.length >= 20 ? true : undefined), 60_000);
  const before = await leaderOfEvents();
  killed = county.nodes.find((n) => n.name === before?.leader);
  expect(killed, `leader ${before?.leader} among ${county.nodes.map((n) => n.name)}`).toBeDefined();
  await killed!.kill();
  const acceptedAtKill = accepted.length;
  // Nobody acts: the services find the new leader themselves and go on.
  await eventually(
    async () => (accepted.length >= acceptedAtKill + 20 ? true : undefined),
    120_000,
  );
  const after = await leaderOfEvents();
  expect(after?.leader).not.toBe(before?.leader);
  running = false;
  await load;

  // Every acknowledged step is on the log exactly once; nothing at all is there twice.
  const log = await readLog();
  const ids = log.map((l) => l.event.id);
  expect(new Set(ids).size).toBe(ids.length);
  const count = (type: string, referralId: string) =>
    log.filter((l) => l.event.type === type && l.event.data.referralId === referralId).length;
  for (const id of offered) expect(count("referral.offered", id), id).toBe(1);
  for (const id of accepted) expect(count("referral.accepted", id), id).toBe(1);

  // Both parties agree on every referral they acknowledged.
  for (const id of accepted) {
    for (const party of [fp, health]) {
      let last: unknown;
      const r = await eventually(async () => {
        const v = await party.get<{ status: string; holder: string }>(`/referrals/${id}`);
        last = { status: v.status, body: v.body };
        return v.body.status === "accepted" ? v.body : undefined;
      }, 20_000).catch(async (err: Error) => {
        const jsm = await jetstreamManager(admin);
        const inbox = await jsm.streams.info(STREAMS.inbox("family-planning"));
        const consumers = [];
        for await (const c of jsm.consumers.list(STREAMS.inbox("family-planning")))
          consumers.push({
            name: c.name,
            pending: c.num_pending,
            ackPending: c.num_ack_pending,
            delivered: c.delivered,
            cluster: c.cluster,
          });
        const diag = JSON.stringify({
          inbox: { messages: inbox.state.messages, sources: inbox.sources, cluster: inbox.cluster },
          consumers,
        });
        throw new Error(
          `${id} at ${party === fp ? "family-planning" : "health"}: ${JSON.stringify(last)} (${err.message}); family planning's inbox: ${diag}`,
        );
      });
      expect(r).toMatchObject({ status: "accepted", holder: "health" });
    }
  }

  // The trail verifies, every agency's events sealed.
  const keys = JSON.parse(readFileSync(county.keysFile, "utf8")) as {
    county: string;
    agencies: Record<string, string>;
  };
  let lastReport: ReturnType<LogVerifier["finish"]> | undefined;
  const report = await eventually(async () => {
    const v = new LogVerifier({ keys: keys.agencies, county: keys.county });
    for (const l of await readLog()) v.add(l.entry);
    lastReport = v.finish();
    return lastReport.unsealed.length === 0 ? lastReport : undefined;
  }, 120_000).catch((err: Error) => {
    throw new Error(
      `${err.message}: unsealed ${JSON.stringify(lastReport?.unsealed.slice(0, 5))} (${lastReport?.unsealed.length}), findings ${JSON.stringify(lastReport?.findings.slice(0, 3))}\n${sealersSaid(3)}`,
    );
  });
  expect(report.findings).toEqual([]);
  expect(offered.length).toBeGreaterThanOrEqual(40);
}, 420_000);

it("the killed node, restarted, catches up with the others", async () => {
  expect(killed).toBeDefined();
  await killed!.start();
  const cluster = await eventually(async () => {
    const c = await leaderOfEvents();
    const replicas = c?.replicas ?? [];
    const back =
      replicas.find((r) => r.name === killed!.name) ??
      (c?.leader === killed!.name ? { current: true, lag: 0 } : undefined);
    return back && replicas.every((r) => r.current && !r.lag) ? c : undefined;
  }, 120_000);
  expect([cluster.leader, ...(cluster.replicas ?? []).map((r) => r.name)].sort()).toEqual(
    county.nodes.map((n) => n.name).sort(),
  );
}, 180_000);

it("its bus takes mutual TLS only: liandong verify with the auditor's certificate, refused without", async () => {
  const tls = join(county.stateDir, "secrets", "tls");
  const common = [
    "verify",
    "--nats",
    county.natsUrl,
    "--seed",
    join(county.stateDir, "secrets", "auditor.nk"),
    "--keys",
    county.keysFile,
  ];
  const withCert = await liandong([
    ...common,
    "--ca",
    join(tls, "trust.pem"),
    "--cert",
    join(tls, "client-auditor.crt"),
    "--key",
    join(tls, "client-auditor.key"),
  ]);
  expect(withCert.stdout).toMatch(/已校验|校验/);
  // Failing, it says what the checkpoints on the log seal and what the sealers logged (seen
  // once in CI: one agency's last checkpoint sealing 22 positions no event on the log filled).
  const why =
    withCert.code === 0
      ? ""
      : `${withCert.stdout}\nthe stream: ${JSON.stringify(await streamSaid())}\ncheckpoints: ${await checkpointsSaid()}\n${sealersSaid(30)}`;
  expect(withCert.code, why).toBe(0);
  // Without TLS: refused. The CA alone, without a certificate of its own: bad usage.
  expect((await liandong(common)).code).toBe(3);
  expect((await liandong([...common, "--ca", join(tls, "trust.pem")])).code).toBe(2);
}, 180_000);
