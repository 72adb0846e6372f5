// `liandong keys` and `liandong trail` against a running county's office, as an auditor runs
// them: through the office's API as its OpenAPI document types it.
//
// Named officers, on the same county: the office's supervisor registers one with the CLI (a
// process of its own), the officer works at their agency's service with the token shown once,
// every step names them (经办人) in the trail, and a revocation made with the CLI is refused by
// every service of the county within 2 s, through the bus. The log verifies as before.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { DEFAULT_AGENCIES, type OfficerIssued } from "@liandong/contracts";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { CommandFailed, cli } from "../services/cli/src/cli.ts";
import { liandong } from "./support/cli.ts";
import { api, eventually, startTestCounty, type TestCounty } from "./support/county.ts";

let county: TestCounty;
beforeAll(async () => {
  county = await startTestCounty();
});
afterAll(async () => {
  await county?.cleanup();
});

/** What the command writes on stdout, and its exit code. */
async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    return { code: await cli(argv), out: chunks.join("") };
  } finally {
    spy.mockRestore();
  }
}

it("keys: every agency's public key from the office, and the comparison service's", async () => {
  const { code, out } = await run(["keys", "--office", county.urls.office!]);
  expect(code).toBe(0);
  const keys = JSON.parse(out) as { county: string; agencies: Record<string, string> };
  // The comparison service (数据比对) seals what it records too: verify checks it with its key.
  expect(Object.keys(keys.agencies).sort()).toEqual(
    [...DEFAULT_AGENCIES.map((a) => a.code), "comparison"].sort(),
  );
});

it("trail: a lead's steps in Chinese, its hash chain verified", async () => {
  const health = county.as("health");
  const registered = await health.post<{ leadId: string }>("/leads", {
    source: "record-audit",
    violations: ["sex-selective-termination"],
    target: { kind: "institution", name: "某镇卫生院", county: "441723" },
    summary: "同一姓名一年内多次引产记录",
    evidence: [{ ref: "health:archive/0001.pdf", sha256: createHash("sha256").digest("hex") }],
  });
  expect(registered.status).toBe(201);
  const { leadId } = registered.body;
  const office = county.as("office");
  const args = ["trail", "lead", leadId, "--office", office.url, "--token", office.token];
  // The office reads the trail from the shared log: the lead's fan-out follows its report.
  const { code, out } = await eventually(async () => {
    const r = await run(args);
    return r.out.includes("共享线索") ? r : undefined;
  });
  expect(code).toBe(0);
  expect(out).toContain(`留痕 线索 ${leadId}`);
  expect(out).toContain("登记线索");
  expect(out).toContain("卫生健康部门");
  // A copy the routing rule sent: why, in words (the lead's source), not the rule's identifier.
  expect(out).toContain("理由：按线索来源分送：病历档案查阅");
  expect(out).not.toContain("source:");
  // Registered by health's liaison identity (no officer named): by its role, as tokens.json names it.
  expect(out).toContain("经办人：卫健联络员");
  expect(out).toMatch(/留痕校验：校验通过：记录未被篡改（哈希链 \d+ 条）/);

  const json = await run([...args, "--json"]);
  const trail = JSON.parse(json.out) as {
    steps: { type: string }[];
    verification: { ok: boolean };
  };
  expect(trail.verification.ok).toBe(true);
  expect(trail.steps[0]?.type).toBe("lead.reported");
});

it("trail: a referral's record, its holder and whose step is due, as the parties name them", async () => {
  const fp = county.as("family-planning");
  const lead = await fp.post<{ leadId: string }>("/leads", {
    source: "pregnancy-disappearance",
    violations: ["sex-selective-termination"],
    target: { kind: "person", name: "随访对象", county: "441723" },
    summary: "末次随访孕16周，现已无孕",
  });
  const offered = await fp.post<{ referralId: string }>("/referrals", {
    to: "health",
    about: { kind: "lead", id: lead.body.leadId },
    reason: "请核查引产情况",
  });
  const id = offered.body.referralId;
  const office = county.as("office");
  const args = ["trail", "referral", id, "--office", office.url, "--token", office.token];
  // Offered: family planning holds it, health's acceptance is due.
  const first = await eventually(async () => {
    const r = await run(args);
    return r.out.includes("当前持有") ? r : undefined;
  });
  expect(first.out).toContain("状态：待接收　当前持有：人口和计划生育部门　待办方：卫生健康部门");
  await eventually(
    async () => (await county.as("health").get(`/referrals/${id}`)).status === 200 || undefined,
  );
  expect((await county.as("health").post(`/referrals/${id}/acceptance`, {})).status).toBe(200);
  const accepted = await eventually(async () => {
    const r = await run(args);
    return r.out.includes("已接收") ? r : undefined;
  });
  expect(accepted.out).toContain("状态：已接收　当前持有：卫生健康部门　待办方：卫生健康部门");
  // The same as the sender's own record of it.
  const own = await fp.get<{ holder: string; awaiting?: string }>(`/referrals/${id}`);
  expect([own.body.holder, own.body.awaiting]).toEqual(["health", "health"]);
  // A withdrawal too late: refused, on the trail; its reason in Chinese, in English when asked.
  expect((await fp.post(`/referrals/${id}/withdrawal`, { reason: "误报" })).status).toBe(409);
  const refused = await eventually(async () => {
    const r = await run(args);
    return r.out.includes("被拒绝的操作") ? r : undefined;
  });
  expect(refused.out).toContain("理由：该移交已接收");
  const english = await run([...args, "--lang", "en"]);
  expect(english.code, english.out).toBe(0);
  expect(english.out).toContain("Status: Accepted  Holder: health  Step due from: health");
  expect(english.out).toContain("Reason: referral is accepted");
});

it("trail: the office's problem, in Chinese, when there is nothing to show", async () => {
  const office = county.as("office");
  const missing = crypto.randomUUID();
  const err = await cli([
    "trail",
    "referral",
    missing,
    "--office",
    office.url,
    "--token",
    office.token,
  ]).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CommandFailed);
  expect((err as Error).message).toMatch(/返回 404：未找到：未找到该记录/);
  const badKind = await cli(["trail", "lorry", missing, "--office", office.url]).catch(
    (e: unknown) => e,
  );
  expect((badKind as Error).message).toMatch(/类型应为 lead、referral/);
});

const asOffice = () => [
  "--office",
  county.urls.office!,
  "--token",
  county.as("office", "supervisor").token,
];

it("registers an officer with the CLI, names them on every step, and revokes them in every service within 2 s", async () => {
  const added = await liandong([
    "officers",
    "add",
    "--agency",
    "health",
    "--name",
    "张三",
    "--role",
    "liaison",
    ...asOffice(),
    "--json",
  ]);
  expect(added.code, added.stdout).toBe(0);
  const { officer, token } = JSON.parse(added.stdout) as OfficerIssued;
  expect(officer).toMatchObject({ agency: "health", name: "张三", status: "active" });

  const health = api(county.urls.health!, token);
  const commerce = api(county.urls.commerce!, token);
  const me = await eventually(async () => {
    const r = await health.get<{ name: string }>("/me");
    return r.status === 200 ? r.body : undefined;
  });
  expect(me).toMatchObject({ id: officer.id, name: "张三", role: "liaison" });
  // An officer acts only as their agency.
  expect((await commerce.get("/me")).status).toBe(403);

  const lead = await health.post<{ leadId: string }>("/leads", {
    source: "public-tip",
    violations: ["illegal-sex-determination"],
    target: { kind: "institution", name: "某镇诊所", county: "441723" },
    summary: "群众举报该诊所为孕妇鉴定胎儿性别",
  });
  expect(lead.status, JSON.stringify(lead.body)).toBe(201);

  // The trail names them, in the office's answer and in the CLI's.
  const trail = await eventually(async () => {
    const r = await liandong(["trail", "lead", lead.body.leadId, ...asOffice()]);
    return r.code === 0 ? r.stdout : undefined;
  }, 20_000);
  expect(trail).toContain("经办人：张三（卫健联络员）");

  const listed = await liandong(["officers", "list", ...asOffice()]);
  expect(listed.stdout).toContain(`${officer.id}  张三（卫健联络员）  有效`);
  expect(listed.stdout).not.toContain(token);

  const revoked = await liandong([
    "officers",
    "revoke",
    officer.id,
    "--reason",
    "调离岗位",
    ...asOffice(),
  ]);
  expect(revoked.code, revoked.stdout).toBe(0);
  // Within 2 s of the revocation being recorded, both services refuse the token, saying so.
  const refusedBy = async (service: typeof health) => {
    const r = await service.get<{ type: string; title: string }>("/me");
    return r.status === 401 ? r : undefined;
  };
  const [atHealth, atCommerce] = await Promise.all([
    eventually(() => refusedBy(health), 2000),
    eventually(() => refusedBy(commerce), 2000),
  ]);
  for (const r of [atHealth, atCommerce]) {
    expect(r.type).toContain("application/problem+json");
    expect(r.body.type).toMatch(/token-revoked$/);
    expect(r.body.title).toBe("令牌已注销");
  }

  // The register's changes are on the record, and the log verifies as before.
  const verified = await eventually(async () => {
    const r = await liandong([
      "verify",
      "--nats",
      county.natsUrl,
      "--seed",
      join(county.stateDir, "secrets", "auditor.nk"),
      "--keys",
      county.keysFile,
      "--json",
    ]);
    const report = JSON.parse(r.stdout) as { ok: boolean; unsealed: unknown[] };
    return report.unsealed.length === 0 ? { code: r.code, report } : undefined;
  }, 30_000);
  expect(verified.report.ok).toBe(true);
  expect(verified.code).toBe(0);
}, 120_000);
