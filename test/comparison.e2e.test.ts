// 数据比对 end to end, against a real nats-server with the county's generated permissions: the
// holders blind their registers' identities, the comparison service (its own identity, its
// own key) evaluates them, the holders unblind and compare pseudonyms only. Every planted case
// is found and nothing else; no identity is anywhere on the bus or on the server's disk; the
// service answers only holders, within their budget, and every request is on the log.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startComparison } from "@liandong/comparison";
import {
  type ComparisonRequested,
  comparisonSubject,
  type Envelope,
  identityInput,
  MatchConfig,
  STREAMS,
} from "@liandong/contracts";
import { comparePregnancies, factsOf, prescriberOverdoses, saleOf } from "@liandong/domain";
import { type Generated, generateRegisters } from "@liandong/domain/testing";
import {
  ComparisonRefused,
  comparisonKey,
  comparisonPort,
  connectBus,
  createLogger,
  EventPublisher,
  oprfKeysFromSeed,
  provisionCounty,
  pseudonymsOf,
  readPresent,
  signerFromSeed,
} from "@liandong/runtime";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureIdentities } from "../services/county/src/identities.ts";
import { renderAuthorization } from "../services/county/src/server-config.ts";
import { type NatsServer, startNatsServer } from "./support/nats-server.ts";
import { violation } from "./support/violation.ts";

const COUNTY = "441723";
const AGENCIES = ["health", "family-planning", "drug-regulation", "office"];
const BURST = 2_000;
let server: NatsServer;
let dir: string;
const conns: NatsConnection[] = [];
let comparison: ReturnType<typeof startComparison>;
let publisher: EventPublisher;
/** Everything that crossed the bus on the comparison's subjects and the replies to them. */
const wire: Uint8Array[] = [];
let g: Generated;

async function as(who: string): Promise<NatsConnection> {
  const nc = await connectBus({
    servers: server.url,
    agency: who,
    seedFile: join(dir, `${who}.nk`),
    waitOnFirstConnect: false,
  });
  conns.push(nc);
  return nc;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "liandong-match-"));
  const identities = await ensureIdentities(dir, AGENCIES);
  server = await startNatsServer({
    config: renderAuthorization(COUNTY, identities),
    storeDir: join(dir, "store"),
  });
  const admin = await as("admin");
  await provisionCounty(admin, { county: COUNTY, agencies: AGENCIES });
  // The operator's view of the wire: requests and answers alike.
  admin.subscribe("ld.match.>", { callback: (_e, m) => void wire.push(m.data) });
  admin.subscribe("_INBOX_health.>", { callback: (_e, m) => void wire.push(m.data) });
  admin.subscribe("_INBOX_family-planning.>", { callback: (_e, m) => void wire.push(m.data) });
  const nc = await as("comparison");
  publisher = new EventPublisher(nc, {
    county: COUNTY,
    agency: "comparison",
    signer: signerFromSeed(readFileSync(identities.comparison.seedFile, "utf8")),
  });
  comparison = startComparison({
    nc,
    county: COUNTY,
    keys: oprfKeysFromSeed(new Uint8Array(32).fill(3)),
    holders: ["health", "family-planning"],
    limit: { burst: BURST, perMinute: 1 },
    publisher,
    logger: createLogger("comparison", "silent"),
    now: () => 0,
  });
  g = generateRegisters({ perRegister: 400, planted: 4, seed: 9 });
}, 60_000);

/** Every client of the server closed, before it stops (a client left open writes to a closed socket). */
let clientsClosed = false;
async function closeClients(): Promise<void> {
  if (clientsClosed) return;
  clientsClosed = true;
  await comparison?.stop();
  await publisher?.close();
  for (const nc of conns) await nc.close().catch(() => undefined);
}

afterAll(async () => {
  await closeClients();
  await server?.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** One holder's side: its registers' identities blinded, evaluated, proven and unblinded. */
async function pseudonymise(
  agency: string,
  rows: readonly { idNumber?: string | undefined; name: string; birthDate?: string | undefined }[],
) {
  const nc = await as(agency);
  const publicKey = await comparisonKey(nc, COUNTY, agency);
  const inputs = [...new Set(rows.map((r) => identityInput(r)).filter((x) => x !== undefined))];
  const names = await pseudonymsOf(nc, { county: COUNTY, agency, publicKey, inputs, batch: 256 });
  return { nc, map: new Map(inputs.map((input, i) => [input, names[i]!])), count: inputs.length };
}

const ref = (holder: string) => (recordId: string) =>
  Buffer.from(`${holder}:${recordId}`).toString("hex").padEnd(32, "0").slice(0, 32);

describe("comparing registers through the comparison service", () => {
  let used = 0;

  it("finds every planted case and nothing else, comparing pseudonyms only", async () => {
    const r = g.registers;
    const health = await pseudonymise("health", [...r.ultrasound, ...r.delivery, ...r.termination]);
    const fp = await pseudonymise("family-planning", [...r["follow-up"], ...r.approval]);
    used = health.count;
    const byHealth = (i: string) => health.map.get(i);
    const byFp = (i: string) => fp.map.get(i);
    const facts = [
      ...factsOf("ultrasound", r.ultrasound, byHealth, ref("health")),
      ...factsOf("delivery", r.delivery, byHealth, ref("health")),
      ...factsOf("termination", r.termination, byHealth, ref("health")),
      ...factsOf("follow-up", r["follow-up"], byFp, ref("family-planning")),
      ...factsOf("approval", r.approval, byFp, ref("family-planning")),
    ];
    const config = MatchConfig.parse({});
    const sales = r["drug-sale"].map((s) => saleOf(s, ref("drug-regulation")(s.recordId)));
    const found = [
      ...comparePregnancies(facts, g.today, config),
      ...prescriberOverdoses(sales, g.today, config),
    ];
    // The holders name their own: health's pseudonym of a planted woman is family planning's too.
    const idOf = new Map([...health.map].map(([input, p]) => [p, input.slice(3)]));
    const named = found
      .map((f) =>
        f.rule === "prescriber-overdose"
          ? `${f.rule} ${f.prescriber?.prescriber} ${f.prescriber?.drug}`
          : `${f.rule} ${idOf.get(f.pseudonym!) ?? byFpOnly(f.pseudonym!)} ${f.key.slice(-10)}`,
      )
      .sort();
    function byFpOnly(p: string) {
      for (const [input, q] of fp.map) if (q === p) return input.slice(3);
      return "?";
    }
    expect(named).toEqual(g.expected.map((e) => `${e.rule} ${e.who} ${e.at}`).sort());
  }, 240_000);

  it("refuses an agency that holds no register of people, and one over its budget; records every request", async () => {
    const drug = await as("drug-regulation");
    const body = new Uint8Array(32 * 4);
    const refused = await drug.request(
      comparisonSubject(COUNTY, "drug-regulation", "evaluate"),
      body,
    );
    expect(refused.headers?.get("Liandong-Refused")).toBe("not-a-holder");

    const health = await as("health");
    const over = new Uint8Array(32 * (BURST - used + 1));
    const limited = await health.request(comparisonSubject(COUNTY, "health", "evaluate"), over);
    expect(limited.headers?.get("Liandong-Refused")).toBe("rate-limited");
    await expect(
      pseudonymsOf(health, {
        county: COUNTY,
        agency: "health",
        publicKey: await comparisonKey(health, COUNTY, "health"),
        inputs: Array.from({ length: BURST - used + 1 }, (_, i) => `id:${i}`),
        batch: BURST,
      }),
    ).rejects.toBeInstanceOf(ComparisonRefused);

    // Every request is on the log, by the service, with who asked and how many; nothing more.
    const admin = await as("admin");
    const records: ComparisonRequested[] = [];
    for await (const e of readPresent(admin, STREAMS.events, {
      namePrefix: "test",
      filterSubjects: [`ld.ev.${COUNTY}.comparison.>`],
    })) {
      const env = JSON.parse(Buffer.from(e.bytes).toString()) as Envelope;
      expect(env.type).toBe("comparison.requested");
      expect(e.seal).toBeTruthy();
      records.push(env.data as ComparisonRequested);
    }
    expect(records).toHaveLength(comparison.requests());
    expect(records.filter((x) => x.refused === "not-a-holder")).toEqual([
      { agency: "drug-regulation", count: 4, refused: "not-a-holder" },
    ]);
    expect(records.filter((x) => x.refused === "rate-limited")).toHaveLength(2);
    const evaluated = records.filter((x) => !x.refused);
    expect(new Set(evaluated.map((x) => x.agency))).toEqual(new Set(["health", "family-planning"]));
  }, 60_000);

  it("refuses an evaluation proved under another key than the one pinned from configuration", async () => {
    const fp = await as("family-planning");
    const inputs = ["id:110101199001011234", "id:11010119900101567X"];
    const pinned = (seed: number) =>
      comparisonPort(fp, {
        county: COUNTY,
        agency: "family-planning",
        publicKey: oprfKeysFromSeed(new Uint8Array(32).fill(seed)).publicKey,
      });
    // The service's own key, as the launcher writes it for the agencies: evaluated and proved.
    const names = await pinned(3).pseudonyms(inputs);
    expect(names).toHaveLength(2);
    expect(names[0]).not.toBe(names[1]);
    // Any other key (a service that is not the county's, or a key swapped): refused, nothing used.
    await expect(pinned(4).pseudonyms(inputs)).rejects.toMatchObject({
      name: "ComparisonRefused",
      code: "unproven",
    });
  });

  it("lets no agency answer in the service's place, nor ask as another", async () => {
    const health = await as("health");
    const refused = violation(health);
    health.subscribe(`ld.match.${COUNTY}.*.*`);
    expect(await refused).toMatch(/subscription to "ld\.match/i);
    // Asking as family planning is refused by the server: the service never hears it.
    const other = await as("health");
    const denied = violation(other);
    const before = comparison.requests();
    other.publish(comparisonSubject(COUNTY, "family-planning", "evaluate"), new Uint8Array(32));
    expect(await denied).toMatch(/publish to "ld\.match/i);
    expect(comparison.requests()).toBe(before);
  });

  it("leaves no identity of the registers on the bus, in any stream, bucket or on the server's disk", async () => {
    await closeClients();
    await server.stop();
    const needles = new Set<string>();
    for (const rows of [
      g.registers.ultrasound,
      g.registers.delivery,
      g.registers.termination,
      g.registers["follow-up"],
      g.registers.approval,
    ])
      for (const row of rows) {
        if (row.idNumber) needles.add(row.idNumber);
        needles.add(row.name);
      }
    const haystacks: { where: string; text: string }[] = wire.map((w, i) => ({
      where: `wire#${i}`,
      text: Buffer.from(w).toString("latin1") + Buffer.from(w).toString("utf8"),
    }));
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else haystacks.push({ where: p, text: readFileSync(p).toString("utf8") });
      }
    };
    walk(server.storeDir);
    expect(haystacks.length).toBeGreaterThan(10);
    // The scan can see: the log holds the service's records, which name the agencies that asked.
    expect(haystacks.some((h) => h.text.includes("comparison.requested"))).toBe(true);
    const hits: string[] = [];
    for (const h of haystacks)
      for (const n of needles) if (h.text.includes(n)) hits.push(`${n} @ ${h.where}`);
    expect(hits).toEqual([]);
  });
});
