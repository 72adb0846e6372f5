// `liandong keys` and `liandong trail` against a running county's office, as an auditor runs
// them: through the office's API as its OpenAPI document types it.
import { createHash } from "node:crypto";
import { DEFAULT_AGENCIES } from "@liandong/contracts";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { CommandFailed, cli } from "../services/cli/src/cli.ts";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

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
  expect(out).toContain(`留痕 lead ${leadId}`);
  expect(out).toContain("登记线索");
  expect(out).toContain("卫生健康部门");
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
