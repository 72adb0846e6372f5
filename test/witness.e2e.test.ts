// Counties witness each other (见证): Ganzhou's office sends its signed heads to Liangzhou's
// office over the regional link, which co-signs them and sends the co-signature back; Ganzhou's
// office serves it. `liandong verify-region` lists, from the two counties' exports, which of
// Ganzhou's checkpoints Liangzhou witnessed. Then Ganzhou's operator, who holds every key of
// the county, rewrites history in its export (an event changed, re-sealed, its checkpoint
// re-signed with health's own key): the export verifies clean on its own, and verify-region
// names the split view, with the checkpoint Liangzhou witnessed and the one the log now holds.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AuditHeads,
  AuditWitnesses,
  checkpointSigningText,
  eventSealText,
} from "@liandong/contracts";
import { cosignatureProblem, signerFromSeed } from "@liandong/runtime";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningCounty } from "../services/county/src/county.ts";
import { type RunningRegion, startRegion } from "../services/county/src/region.ts";
import { liandong } from "./support/cli.ts";
import { eventually, officerOf, ROOT } from "./support/county.ts";
import { natsServerBinary } from "./support/nats-server.ts";

const GANZHOU = "620702";
const LIANGZHOU = "620602";
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

let stateDir: string;
let region: RunningRegion;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "liandong-witness-"));
  const configFile = join(stateDir, "input.json");
  writeFileSync(
    configFile,
    JSON.stringify({ county: GANZHOU, region: { witnessEverySeconds: 1 } }),
  );
  region = await startRegion({
    root: ROOT,
    stateDir,
    configFile,
    natsServer: natsServerBinary(),
    ports: "free",
    neighbour: LIANGZHOU,
  });
}, 120_000);

afterAll(async () => {
  await region?.stop();
  if (!process.env.LIANDONG_KEEP_TEST_STATE) rmSync(stateDir, { recursive: true, force: true });
});

const keysOf = (county: RunningCounty) =>
  JSON.parse(readFileSync(county.keysFile, "utf8")) as {
    county: string;
    agencies: Record<string, string>;
  };

type ExportLine = { seq: number; subject: string; data: string; seal?: string };
const bytesOf = (l: ExportLine) => Buffer.from(l.data, "base64");
const envelopeOf = (l: ExportLine) =>
  JSON.parse(bytesOf(l).toString("utf8")) as {
    prev: string | null;
    time: string;
    data: { agency: string; index: number; hashes: string[]; signature: string };
  };

it("a county's checkpoints co-signed by its neighbour, listed by verify-region, and a history rewritten since named as a split view", async () => {
  const gzHealth = officerOf(region.home, "health");
  const gzOffice = officerOf(region.home, "office");

  // Work in Ganzhou: health registers a lead; its sealer checkpoints it and what it shares.
  const lead = await gzHealth.post<{ leadId: string }>("/leads", {
    source: "record-audit",
    violations: ["illegal-sex-determination"],
    target: { kind: "institution", name: "甘州区某诊所", county: GANZHOU },
    summary: "病历档案查阅发现同名多次引产",
  });
  expect(lead.status).toBe(201);

  // Ganzhou's office sends its heads; Liangzhou's office co-signs them and answers over the link.
  // Waited for until the co-signed health head is the county's latest.
  const witnessed = await eventually(async () => {
    const [heads, w] = await Promise.all([
      gzOffice.get<AuditHeads>("/audit/heads"),
      gzOffice.get("/audit/witnesses"),
    ]);
    const cosigned = AuditWitnesses.parse(w.body).neighbours[LIANGZHOU]?.cosigned;
    const latest = heads.body.heads.health;
    return latest && cosigned?.heads.heads.health?.checkpoint === latest.checkpoint
      ? cosigned
      : undefined;
  }, 60_000);
  expect(witnessed.witness).toBe(LIANGZHOU);
  // The co-signature is Liangzhou's office's, over heads Ganzhou's office signed.
  expect(
    cosignatureProblem(witnessed, {
      witness: keysOf(region.neighbour).agencies.office,
      county: keysOf(region.home).agencies.office,
    }),
  ).toBeUndefined();
  const health = witnessed.heads.heads.health!;

  // Both counties' logs, exported by their auditors.
  const files: Record<string, string> = {};
  for (const county of [region.home, region.neighbour]) {
    const file = join(stateDir, `${county.config.county}.ndjson`);
    const exported = await liandong([
      "export",
      "--nats",
      county.natsUrl,
      "--seed",
      join(county.keysFile, "..", "secrets", "auditor.nk"),
      "--out",
      file,
    ]);
    expect(exported.code).toBe(0);
    files[county.config.county] = file;
  }
  const logs = (gz: string) => [
    "--log",
    `${gz}:${region.home.keysFile}`,
    "--log",
    `${files[LIANGZHOU]}:${region.neighbour.keysFile}`,
  ];
  const clean = await liandong(["verify-region", ...logs(files[GANZHOU]!), "--json"]);
  const report = JSON.parse(clean.stdout) as {
    ok: boolean;
    witnesses: {
      ok: boolean;
      counties: Record<
        string,
        { by: Record<string, { heads: Record<string, { size: number; checkpoint: string }[]> }> }
      >;
      splitViews: unknown[];
    };
  };
  expect(report.witnesses.splitViews).toEqual([]);
  expect(report.ok).toBe(true);
  expect(clean.code).toBe(0);
  // Health's latest checkpoint in Ganzhou's log is among those Liangzhou witnessed.
  expect(report.witnesses.counties[GANZHOU]?.by[LIANGZHOU]?.heads.health).toContainEqual(
    expect.objectContaining({ size: health.size, checkpoint: health.checkpoint }),
  );
  const text = await liandong(["verify-region", ...logs(files[GANZHOU]!)]);
  expect(text.stdout).toContain(`邻县凉州区（${LIANGZHOU}） 见证签名`);
  expect(text.stdout).toContain(`卫生健康部门：已见证至长度 ${health.size}`);
  expect(text.stdout).toContain("未发现县向邻县展示两套历史");

  // Ganzhou's operator rewrites history in the export: the last event health's witnessed
  // checkpoint seals is changed, sealed again and the checkpoint re-signed, with health's key.
  const lines = readFileSync(files[GANZHOU]!, "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as ExportLine);
  const cpAt = lines.findIndex((l) => sha256(bytesOf(l)) === health.checkpoint);
  expect(cpAt).toBeGreaterThanOrEqual(0);
  const cp = envelopeOf(lines[cpAt]!);
  const lastHash = cp.data.hashes.at(-1)!;
  const evAt = lines.findIndex((l) => sha256(bytesOf(l)).startsWith(lastHash));
  expect(evAt).toBeGreaterThanOrEqual(0);
  // What is rewritten is the end of the story: nothing links to the event or the checkpoint.
  const linked = new Set(lines.map((l) => envelopeOf(l).prev));
  expect(linked.has(sha256(bytesOf(lines[evAt]!)))).toBe(false);
  expect(linked.has(health.checkpoint)).toBe(false);
  const signer = signerFromSeed(
    readFileSync(join(region.home.keysFile, "..", "secrets", "health.nk"), "utf8"),
  );
  const event = JSON.parse(bytesOf(lines[evAt]!).toString("utf8")) as { time: string };
  event.time = new Date(Date.parse(event.time) - 3_600_000).toISOString();
  const rewritten = Buffer.from(JSON.stringify(event));
  lines[evAt] = {
    ...lines[evAt]!,
    data: rewritten.toString("base64"),
    seal: signer.sign(eventSealText(lines[evAt]!.subject, sha256(rewritten))),
  };
  cp.data.hashes[cp.data.hashes.length - 1] = sha256(rewritten).slice(0, 32);
  cp.data.signature = signer.sign(checkpointSigningText(GANZHOU, cp.data, cp.prev));
  const resigned = Buffer.from(JSON.stringify(cp));
  lines[cpAt] = { ...lines[cpAt]!, data: resigned.toString("base64") };
  const doctored = join(stateDir, `${GANZHOU}-rewritten.ndjson`);
  writeFileSync(doctored, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);

  // On its own, the rewritten log verifies clean: every key it needs signed it.
  const alone = await liandong(["verify", "--file", doctored, "--keys", region.home.keysFile]);
  expect(alone.stdout).toContain("结果：通过");
  expect(alone.code).toBe(0);
  // Against what its neighbour witnessed, it is another history, named with its checkpoint.
  const caught = await liandong(["verify-region", ...logs(doctored)]);
  expect(caught.code).toBe(1);
  expect(caught.stdout).toContain("分叉视图");
  expect(caught.stdout).toContain(
    `甘州区（${GANZHOU}） 卫生健康部门 长度 ${health.size}：邻县凉州区（${LIANGZHOU}） 见证签名的检查点 ${health.checkpoint}，而本县日志在该长度处是另一个检查点 ${sha256(resigned)}（流序号 ${lines[cpAt]!.seq}）`,
  );
  const json = JSON.parse((await liandong(["verify-region", ...logs(doctored), "--json"])).stdout);
  expect(json.ok).toBe(false);
  expect(json.witnesses.splitViews).toEqual([
    expect.objectContaining({
      county: GANZHOU,
      agency: "health",
      size: health.size,
      checkpoint: health.checkpoint,
      witnesses: [LIANGZHOU],
      other: { by: "log", verdict: "forked", checkpoint: sha256(resigned), seq: lines[cpAt]!.seq },
    }),
  ]);
}, 240_000);
