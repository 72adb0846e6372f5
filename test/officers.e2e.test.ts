// Named officers on a running county: the office's supervisor registers one with the CLI (a
// process of its own), the officer works at their agency's service with the token shown once,
// every step names them (经办人) in the trail, and a revocation made with the CLI is refused by
// every service of the county within 2 s, through the bus. The log verifies as before.
import { join } from "node:path";
import type { OfficerIssued } from "@liandong/contracts";
import { afterAll, beforeAll, expect, it } from "vitest";
import { liandong } from "./support/cli.ts";
import { api, eventually, startTestCounty, type TestCounty } from "./support/county.ts";

let county: TestCounty;
beforeAll(async () => {
  county = await startTestCounty();
}, 120_000);
afterAll(async () => {
  await county?.cleanup();
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
