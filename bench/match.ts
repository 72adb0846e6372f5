import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { agencyBucket, identityInput, MatchConfig } from "@liandong/contracts";
import { comparePregnancies, factsOf, prescriberOverdoses, saleOf } from "@liandong/domain";
import { generateRegisters } from "@liandong/domain/testing";
import {
  type Bucket,
  comparisonKey,
  connectBus,
  oprfReady,
  provisionCounty,
  pseudonymsOf,
} from "@liandong/runtime";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { parseRegisterFile, storeRegisterRows } from "../services/agency/src/register-import.ts";
import { ensureIdentities } from "../services/county/src/identities.ts";
import { renderAuthorization } from "../services/county/src/server-config.ts";
import { startNatsServer } from "../test/support/nats-server.ts";
import type { Figure } from "./run.ts";

const COUNTY = "441723";
const AGENCIES = ["health", "family-planning", "drug-regulation", "office"];
const root = resolve(import.meta.dirname, "..");

/**
 * 数据比对 end to end on one machine: a county's nats-server with its generated permissions, the
 * comparison service in a process of its own (its identity, its key), and health and family
 * planning each blinding its registers' identities, asking, checking the proofs, unblinding,
 * and the rules run over the facts. `match.records_per_s`: register rows compared per second,
 * from the first blinding to the last finding (each distinct identity is evaluated once per
 * agency, as an agency does it). `match.import_rows_per_s`: a CSV of the ultrasound register
 * parsed, checked and kept in health's own bucket.
 */
export async function matchBench(opts: {
  perRegister: number;
  log: (s: string) => void;
}): Promise<Record<string, Figure>> {
  const dir = mkdtempSync(join(tmpdir(), "liandong-bench-match-"));
  const identities = await ensureIdentities(dir, AGENCIES);
  const server = await startNatsServer({ config: renderAuthorization(COUNTY, identities) });
  const conns: NatsConnection[] = [];
  const as = async (who: string) => {
    const nc = await connectBus({
      servers: server.url,
      agency: who,
      seedFile: join(dir, `${who}.nk`),
    });
    conns.push(nc);
    return nc;
  };
  let service: ChildProcess | undefined;
  try {
    await provisionCounty(await as("admin"), { county: COUNTY, agencies: AGENCIES });
    service = spawn(
      process.execPath,
      ["--import", "tsx", join(root, "services/comparison/src/main.ts")],
      {
        env: {
          ...process.env,
          LIANDONG_COUNTY: COUNTY,
          LIANDONG_NATS_URL: server.url,
          LIANDONG_NATS_SEED_FILE: identities.comparison.seedFile,
          LIANDONG_MATCH_KEY_FILE: join(dir, "comparison-oprf.key"),
          LIANDONG_MATCH_BURST: String(10 * opts.perRegister * 5),
          LIANDONG_LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "inherit", "inherit"],
      },
    );
    // The floor first: a whole round on noble in this process, before libsodium is loaded here.
    const floor = await oprfFloor();
    const health = await as("health");
    const fp = await as("family-planning");
    const key = await waitForKey(health);

    const g = generateRegisters({ perRegister: opts.perRegister, planted: 20 });
    const r = g.registers;
    const rows =
      r.ultrasound.length +
      r.delivery.length +
      r.termination.length +
      r["follow-up"].length +
      r.approval.length +
      r["drug-sale"].length;
    await oprfReady();
    const started = performance.now();
    const side = async (
      nc: NatsConnection,
      agency: string,
      people: readonly { idNumber?: string | undefined; name: string }[],
    ) => {
      const inputs = [
        ...new Set(people.map((p) => identityInput(p)).filter((x) => x !== undefined)),
      ];
      const names = await pseudonymsOf(nc, {
        county: COUNTY,
        agency,
        publicKey: key,
        inputs,
        batch: 1024,
        window: 2,
      });
      const map = new Map(inputs.map((input, i) => [input, names[i]!]));
      return { of: (i: string) => map.get(i), identities: inputs.length };
    };
    const [h, f] = await Promise.all([
      side(health, "health", [...r.ultrasound, ...r.delivery, ...r.termination]),
      side(fp, "family-planning", [...r["follow-up"], ...r.approval]),
    ]);
    const ref = (recordId: string) => recordId.padEnd(32, "0").slice(0, 32);
    const facts = [
      ...factsOf("ultrasound", r.ultrasound, h.of, ref),
      ...factsOf("delivery", r.delivery, h.of, ref),
      ...factsOf("termination", r.termination, h.of, ref),
      ...factsOf("follow-up", r["follow-up"], f.of, ref),
      ...factsOf("approval", r.approval, f.of, ref),
    ];
    const config = MatchConfig.parse({});
    const found =
      comparePregnancies(facts, g.today, config).length +
      prescriberOverdoses(
        r["drug-sale"].map((s) => saleOf(s, ref(s.recordId))),
        g.today,
        config,
      ).length;
    const seconds = (performance.now() - started) / 1000;
    if (found !== g.expected.length)
      throw new Error(`比对结果不对：找到 ${found} 条，应为 ${g.expected.length} 条`);
    const recordsPerS = Math.round(rows / seconds);
    opts.log(
      `比对：${rows} 行（${h.identities + f.identities} 个身份经盲化求值），${seconds.toFixed(1)} 秒，${recordsPerS} 行/秒，发现 ${found} 条`,
    );

    // Import: the ultrasound register as a hospital system exports it, into health's bucket.
    const csv = [
      "登记号,姓名,身份证号,检查日期,孕周,预产期,检查机构",
      ...r.ultrasound.map(
        (u) =>
          `${u.recordId},${u.name},${u.idNumber ?? ""},${u.checkedOn},${u.weeks},${u.expectedOn ?? ""},${u.facility}`,
      ),
    ].join("\n");
    const file = join(dir, "ultrasound.csv");
    writeFileSync(file, csv);
    const kv = (await new Kvm(health).open(agencyBucket("health"))) as unknown as Bucket;
    const t0 = performance.now();
    const parsed = await parseRegisterFile("ultrasound", Buffer.from(csv, "utf8"), {
      recordId: "登记号",
      name: "姓名",
      idNumber: "身份证号",
      checkedOn: "检查日期",
      weeks: "孕周",
      expectedOn: "预产期",
      facility: "检查机构",
    });
    const stored = await storeRegisterRows(kv, "ultrasound", parsed.rows);
    const importSeconds = (performance.now() - t0) / 1000;
    if (parsed.errors.length > 0 || stored.added !== r.ultrasound.length)
      throw new Error(`导入结果不对：${JSON.stringify({ errors: parsed.errors.length, stored })}`);
    const importPerS = Math.round(parsed.total / importSeconds);
    opts.log(`导入：${parsed.total} 行，${importSeconds.toFixed(1)} 秒，${importPerS} 行/秒`);
    const rowsPerIdentity = rows / (h.identities + f.identities);
    // Every core busy with rounds and nothing else: the most rows a second each allows.
    const ceiling = (roundUs: number) =>
      Math.round((1e6 / roundUs) * floor.cores * rowsPerIdentity);
    const ceilingNoble = ceiling(floor.nobleRoundUs);
    const ceilingSodium = ceiling(floor.sodiumRoundUs);
    opts.log(
      `比对下限：标量乘 noble ${floor.nobleMulUs.toFixed(0)} µs，libsodium(WASM) ${floor.sodiumMulUs.toFixed(0)} µs；` +
        `每个身份一整轮（盲化、求值、批量证明、验证、去盲）noble ${floor.nobleRoundUs.toFixed(0)} µs ≈ ${(floor.nobleRoundUs / floor.nobleMulUs).toFixed(1)} 次，` +
        `libsodium ${floor.sodiumRoundUs.toFixed(0)} µs ≈ ${(floor.sodiumRoundUs / floor.sodiumMulUs).toFixed(1)} 次；` +
        `每身份 ${rowsPerIdentity.toFixed(2)} 行，${floor.cores} 核：上限 noble ${ceilingNoble} 行/秒，libsodium ${ceilingSodium} 行/秒`,
    );
    return {
      "match.scalar_mul_us_noble": { value: Math.round(floor.nobleMulUs), unit: "µs" },
      "match.scalar_mul_us_sodium_wasm": { value: Math.round(floor.sodiumMulUs), unit: "µs" },
      "match.round_us_per_identity_noble": { value: Math.round(floor.nobleRoundUs), unit: "µs" },
      "match.round_us_per_identity_sodium_wasm": {
        value: Math.round(floor.sodiumRoundUs),
        unit: "µs",
      },
      "match.muls_per_identity_sodium_wasm": {
        value: Math.round((floor.sodiumRoundUs / floor.sodiumMulUs) * 10) / 10,
        unit: "scalar multiplications",
      },
      "match.ceiling_rows_per_s_noble": { value: ceilingNoble, unit: "rows/s" },
      "match.ceiling_rows_per_s_sodium_wasm": { value: ceilingSodium, unit: "rows/s" },
      "match.records_per_s": { value: recordsPerS, unit: "rows/s" },
      "match.identities_per_s": {
        value: Math.round((h.identities + f.identities) / seconds),
        unit: "identities/s",
      },
      "match.import_rows_per_s": { value: importPerS, unit: "rows/s" },
    };
  } finally {
    service?.kill("SIGTERM");
    for (const nc of conns) await nc.close().catch(() => undefined);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The service's key, once it has started and answers. */
async function waitForKey(nc: NatsConnection): Promise<Uint8Array> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await comparisonKey(nc, COUNTY, "health", 1000);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Which floor stops `match.records_per_s`: the cost of one ristretto255 scalar multiplication
 * (noble's, pure JavaScript; libsodium's, WebAssembly), how many of them one identity costs in a
 * whole VOPRF round (measured: a round in this process, blind + evaluate + batched proof + verify
 * + unblind, over noble's multiplication), and what that allows at best on every core of this
 * machine with each, given how many register rows an identity stands for.
 */
export async function oprfFloor() {
  const {
    blindInputs,
    evaluateBlinded,
    finalizePseudonyms,
    oprfKeysFromSeed,
    scalarMultiplyCosts,
  } = await import("@liandong/runtime");
  const { availableParallelism } = await import("node:os");
  const costs = await scalarMultiplyCosts();
  const keys = oprfKeysFromSeed(new Uint8Array(32).fill(7));
  const round = (n: number) => {
    const inputs = Array.from({ length: n }, (_, i) => `id:floor-${i}`);
    const t = performance.now();
    const batch = blindInputs(inputs);
    finalizePseudonyms(batch, evaluateBlinded(keys, batch.blinded), keys.publicKey);
    return ((performance.now() - t) * 1000) / n;
  };
  const nobleRoundUs = round(32);
  await oprfReady();
  round(16);
  const sodiumRoundUs = round(256);
  return {
    nobleMulUs: costs.nobleUs,
    sodiumMulUs: costs.sodiumUs,
    nobleRoundUs,
    sodiumRoundUs,
    cores: availableParallelism(),
  };
}
