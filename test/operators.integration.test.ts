// Operators can read, not rewrite (README, 审计 › 身份与权限), against a real nats-server with the
// county's generated authorization: no everyday identity (an agency, the office, the admin, the
// auditor, the keeper) can delete, purge, delete a message of or reconfigure EVENTS, an inbox or
// a bucket; the auditor reads the log and nothing else; only the break-glass identity rewrites.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agencyBucket, DEFAULT_AGENCIES, jetstreamDomain, STREAMS } from "@liandong/contracts";
import { connectBus, provisionCounty, StreamConfigDrift } from "@liandong/runtime";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cli } from "../services/cli/src/cli.ts";
import { ensureIdentities, type Identities } from "../services/county/src/identities.ts";
import { renderAuthorization } from "../services/county/src/server-config.ts";
import { type NatsServer, startNatsServer } from "./support/nats-server.ts";
import { violation } from "./support/violation.ts";

const AGENCIES = DEFAULT_AGENCIES.map((a) => a.code);
const COUNTY = "441723";
const NEIGHBOUR = "620602";
const EVERYDAY = ["admin", "auditor", "keeper", ...AGENCIES];
let server: NatsServer;
let dir: string;
let ids: Identities;
const conns: NatsConnection[] = [];

const identity = (name: string) =>
  ({ admin: ids.admin, auditor: ids.auditor, keeper: ids.keeper, "break-glass": ids.breakGlass })[
    name
  ] ?? ids.agencies[name]!;

async function as(name: string): Promise<NatsConnection> {
  const nc = await connectBus({
    servers: server.url,
    agency: name,
    seedFile: identity(name).seedFile,
    waitOnFirstConnect: false,
  });
  conns.push(nc);
  return nc;
}

/**
 * One JetStream API request as `name`, on a connection of its own: the server's refusal (a
 * permissions violation naming the subject), or the server's answer when it let it through.
 */
async function attempt(name: string, subject: string, body: unknown = {}): Promise<string> {
  const nc = await as(name);
  const refused = violation(nc);
  const answered = nc
    .request(subject, JSON.stringify(body), { timeout: 3000 })
    .then((m) => `answered ${m.string()}`)
    // A refused request is rejected with the violation too; any other failure says what it was.
    .catch((err: unknown) => `failed: ${String(err)}`);
  return Promise.race([refused, answered]);
}

const messages = async (stream: string) =>
  (await (await jetstreamManager(await as("admin"))).streams.info(stream)).state.messages;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "liandong-operators-"));
  ids = await ensureIdentities(dir, AGENCIES);
  server = await startNatsServer({
    config: renderAuthorization(COUNTY, ids, [], [NEIGHBOUR]),
  });
  await provisionCounty(await as("admin"), {
    county: COUNTY,
    agencies: AGENCIES,
    neighbours: [NEIGHBOUR],
  });
  // Something in the log, in an inbox and in a bucket.
  const js = jetstream(await as("health"));
  for (let i = 0; i < 3; i++)
    await js.publish(`ld.ev.${COUNTY}.health.lead.${crypto.randomUUID()}.public-security`, "{}");
  const kv = await new Kvm(await as("health")).open(agencyBucket("health"));
  await kv.put("state", "1");
});

afterAll(async () => {
  for (const nc of conns) await nc.close().catch(() => undefined);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the seeds", () => {
  it("keeps the break-glass seed apart from the everyday ones, readable by its owner only", () => {
    expect(ids.breakGlass.seedFile).toBe(join(dir, "break-glass", "break-glass.nk"));
    for (const id of [ids.admin, ids.auditor, ids.keeper, ids.breakGlass])
      expect(readFileSync(id.seedFile, "utf8").startsWith("SU"), id.name).toBe(true);
  });
});

describe("no everyday identity rewrites a stream", () => {
  /** Each rewrite of the record: the stream it aims at, the API call, the request. */
  const rewrites = (name: string): [string, string, unknown][] => {
    const agency = AGENCIES.includes(name) ? name : "health";
    const inbox = STREAMS.inbox(agency);
    const bucket = `KV_${agencyBucket(agency)}`;
    return [
      ["delete EVENTS", `$JS.API.STREAM.DELETE.${STREAMS.events}`, {}],
      ["purge EVENTS", `$JS.API.STREAM.PURGE.${STREAMS.events}`, {}],
      ["delete a message of EVENTS", `$JS.API.STREAM.MSG.DELETE.${STREAMS.events}`, { seq: 1 }],
      [
        "age EVENTS out",
        `$JS.API.STREAM.UPDATE.${STREAMS.events}`,
        { name: STREAMS.events, max_age: 1_000_000 },
      ],
      [`delete ${inbox}`, `$JS.API.STREAM.DELETE.${inbox}`, {}],
      [`purge ${inbox}`, `$JS.API.STREAM.PURGE.${inbox}`, {}],
      [`delete a message of ${inbox}`, `$JS.API.STREAM.MSG.DELETE.${inbox}`, { seq: 1 }],
      [`delete the bucket ${bucket}`, `$JS.API.STREAM.DELETE.${bucket}`, {}],
      [`purge the bucket ${bucket}`, `$JS.API.STREAM.PURGE.${bucket}`, {}],
      [`delete a value of ${bucket}`, `$JS.API.STREAM.MSG.DELETE.${bucket}`, { seq: 1 }],
      // The server maps a domain's API to the plain one after checking permissions.
      [
        "delete EVENTS through the domain's API",
        `$JS.${jetstreamDomain(COUNTY)}.API.STREAM.DELETE.${STREAMS.events}`,
        {},
      ],
    ];
  };

  for (const name of EVERYDAY)
    it(`${name}: every rewrite of EVENTS, an inbox or a bucket is refused by the server`, async () => {
      const outcomes = await Promise.all(
        rewrites(name).map(async ([what, subject, body]) => ({
          what,
          subject,
          outcome: await attempt(name, subject, body),
        })),
      );
      for (const { what, subject, outcome } of outcomes)
        expect(outcome, `${name}: ${what}`).toContain(
          `Permissions Violation for Publish to "${subject}"`,
        );
    });

  it("left the log, the inboxes and the buckets as they were", async () => {
    expect(await messages(STREAMS.events)).toBe(3);
    expect(await messages(STREAMS.inbox("public-security"))).toBe(3);
    const kv = await new Kvm(await as("health")).open(agencyBucket("health"));
    expect((await kv.get("state"))?.string()).toBe("1");
  });

  it("the admin cannot write an agency's bucket (a roll-up would purge it) nor take its durables", async () => {
    const health = await jetstreamManager(await as("health"));
    await health.consumers.add(STREAMS.events, {
      durable_name: "health-sealer",
      ack_policy: AckPolicy.Explicit,
      filter_subject: `ld.ev.${COUNTY}.health.>`,
    });
    for (const [subject, body] of [
      [`$KV.${agencyBucket("health")}.state`, "x"],
      [`$JS.API.CONSUMER.DELETE.${STREAMS.events}.health-sealer`, {}],
      [`$JS.API.CONSUMER.MSG.NEXT.${STREAMS.events}.health-sealer`, { batch: 1 }],
    ] as const)
      expect(await attempt("admin", subject, body), subject).toContain(
        `Permissions Violation for Publish to "${subject}"`,
      );
  });
});

describe("the admin provisions", () => {
  it("again at every start: what is there and matches is left as it is", async () => {
    await provisionCounty(await as("admin"), {
      county: COUNTY,
      agencies: AGENCIES,
      neighbours: [NEIGHBOUR],
    });
    expect(await messages(STREAMS.events)).toBe(3);
  });

  it("but a stream whose configuration must change takes the break-glass identity", async () => {
    // Another neighbour: the log would source one more copy.
    const changed = { county: COUNTY, agencies: AGENCIES, neighbours: [NEIGHBOUR, "620702"] };
    const err = await provisionCounty(await as("admin"), changed).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamConfigDrift);
    expect((err as StreamConfigDrift).stream).toBe(STREAMS.events);
    expect(String(err)).toContain("liandong break-glass provision");
    await provisionCounty(await as("break-glass"), changed);
    const info = await (await jetstreamManager(await as("admin"))).streams.info(STREAMS.events);
    expect(info.config.sources?.map((s) => s.name).sort()).toEqual(
      [STREAMS.regionIn(NEIGHBOUR), STREAMS.regionIn("620702")].sort(),
    );
    expect(info.state.messages).toBe(3);
  });
});

describe("the auditor", () => {
  it("exports the whole log with `liandong export`", async () => {
    const out = join(dir, "export.ndjson");
    const spy = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const code = await cli([
      "export",
      "--nats",
      server.url,
      "--seed",
      ids.auditor.seedFile,
      "--out",
      out,
    ]).finally(() => spy.mockRestore());
    expect(code).toBe(0);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0]!).subject).toMatch(/^ld\.ev\.441723\.health\.lead\./);
  });

  it("publishes nothing, writes no bucket, runs no durable, reads no inbox", async () => {
    const lead = crypto.randomUUID();
    for (const [subject, body] of [
      [`ld.ev.${COUNTY}.health.lead.${lead}._`, "{}"],
      [`$KV.${agencyBucket("health")}.state`, "x"],
      [
        `$JS.API.CONSUMER.DURABLE.CREATE.${STREAMS.events}.audit`,
        { stream_name: STREAMS.events, config: { durable_name: "audit" } },
      ],
      [`$JS.API.CONSUMER.MSG.NEXT.${STREAMS.events}.health-sealer`, { batch: 1 }],
      [`$JS.API.CONSUMER.CREATE.${STREAMS.inbox("health")}`, {}],
      [`$JS.API.STREAM.INFO.${STREAMS.inbox("health")}`, {}],
    ] as const)
      expect(await attempt("auditor", subject, body), subject).toContain(
        `Permissions Violation for Publish to "${subject}"`,
      );
  });
});

describe("the keeper", () => {
  it("restarts a link's copy (REGION_IN) by reconfiguring it, and no other stream", async () => {
    const jsm = await jetstreamManager(await as("admin"));
    const copy = (await jsm.streams.info(STREAMS.regionIn(NEIGHBOUR))).config;
    const answer = await attempt("keeper", `$JS.API.STREAM.UPDATE.${copy.name}`, copy);
    expect(answer).toMatch(
      /^answered .*"type":"io\.nats\.jetstream\.api\.v1\.stream_update_response"/,
    );
    expect(answer).not.toContain('"error"');
    const log = (await jsm.streams.info(STREAMS.events)).config;
    const subject = `$JS.API.STREAM.UPDATE.${STREAMS.events}`;
    expect(await attempt("keeper", subject, log)).toContain(
      `Permissions Violation for Publish to "${subject}"`,
    );
  });
});

describe("the break-glass identity", () => {
  it("may delete or purge a stream; EVENTS itself refuses a purge or a message deleted, to anyone", async () => {
    const jsm = await jetstreamManager(await as("break-glass"));
    expect((await jsm.streams.purge(`KV_${agencyBucket("commerce")}`)).success).toBe(true);
    await jsm.streams.add({ name: "SCRATCH", subjects: ["scratch.>"] });
    expect(await jsm.streams.delete("SCRATCH")).toBe(true);
    // deny_delete and deny_purge cannot be taken back: the log's one way out is to delete it whole.
    await expect(jsm.streams.purge(STREAMS.events)).rejects.toThrow(/purge/i);
    await expect(jsm.streams.deleteMessage(STREAMS.events, 1)).rejects.toThrow(/delete/i);
    await expect(
      jsm.streams.update(STREAMS.events, { deny_delete: false } as never),
    ).rejects.toThrow(/deny/i);
  });
});
