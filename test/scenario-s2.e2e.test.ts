// S2 (scenarios.md) — double doses of ethacridine: drug-regulation's ledger check becomes a
// lead, a referral to health, a case closed with sanctions, and feedback back to
// drug-regulation; the office verifies the trail. Everything through HTTP.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

let county: TestCounty;
beforeAll(async () => {
  county = await startTestCounty();
});
afterAll(async () => {
  await county?.cleanup();
});

type Trail = {
  verification: { ok: boolean; checked: number };
  steps: { type: string; agency: string }[];
};

it("S2: from a pharmacy ledger to a closed case and feedback", async () => {
  const dr = county.as("drug-regulation");
  const health = county.as("health");

  // 1–2. The ledger check becomes a lead, shared with health, and referred to it.
  const lead = await dr.post<{ leadId: string; sharedWith: string[] }>("/leads", {
    source: "drug-ledger-anomaly",
    violations: ["illegal-drug-sale"],
    target: { kind: "person", name: "某医院妇产科医生甲", unit: "妇产科", county: "441723" },
    summary: "药房进销存显示该医生每次开具利凡诺剂量超过常规两倍以上",
    evidence: [
      {
        ref: "drug-regulation:ledger/2026-10.xlsx",
        sha256: createHash("sha256").update("ledger").digest("hex"),
      },
    ],
  });
  expect(lead.status).toBe(201);
  expect(lead.body.sharedWith).toEqual(["health"]);
  const referral = await dr.post<{ referralId: string; acceptBy: string }>("/referrals", {
    to: "health",
    about: { kind: "lead", id: lead.body.leadId },
    reason: "超量开具终止妊娠药品，请卫健部门立案调查",
  });
  expect(referral.status).toBe(201);
  const referralId = referral.body.referralId;
  await eventually(async () => {
    const r = await health.get<{ items: { referralId: string }[] }>("/referrals?waiting=true");
    return r.body.items.find((x) => x.referralId === referralId);
  });
  const accepted = await health.post<{ status: string; history: { at: string }[] }>(
    `/referrals/${referralId}/acceptance`,
    {},
  );
  expect(accepted.body.status).toBe("accepted");
  expect(Date.parse(accepted.body.history.at(-1)!.at)).toBeLessThan(
    Date.parse(referral.body.acceptBy),
  );

  // Health opens a case from the referral and the lead.
  const opened = await health.post<{ caseId: string; status: string }>("/cases", {
    title: "某医院医生超量开具利凡诺用于非法引产案",
    leads: [lead.body.leadId],
    referrals: [referralId],
    violations: ["sex-selective-termination", "illegal-drug-sale"],
    target: { kind: "person", name: "某医院妇产科医生甲", county: "441723" },
  });
  expect(opened.status).toBe(201);
  const caseId = opened.body.caseId;
  const stepped = await health.post<{ steps: unknown[] }>(`/cases/${caseId}/steps`, {
    kind: "investigation",
    summary: "查明超量部分用于未经批准的引产手术",
  });
  expect(stepped.body.steps).toHaveLength(1);

  // Sanctions health may not impose, or outside the legal range, are refused by field.
  const wrong = await health.post<{ errors: { field: string }[] }>(`/cases/${caseId}/closure`, {
    summary: "x",
    sanctions: [
      { kind: "birth-permit-sanction", against: "某人", detail: "三年内不予安排生育" },
      { kind: "fine", amountYuan: 50000, against: "医生甲" },
    ],
  });
  expect(wrong.status).toBe(422);
  expect(wrong.body.errors.map((e) => e.field)).toEqual([
    "sanctions.0.kind",
    "sanctions.1.amountYuan",
  ]);

  // 3. Closed with the certificate revoked and a fine; feedback goes back to drug-regulation.
  const closed = await health.post<{ status: string; sanctions: { kind: string }[] }>(
    `/cases/${caseId}/closure`,
    {
      summary: "超量药品用于未经批准的引产，情况属实",
      sanctions: [
        { kind: "revoke-practising-certificate", against: "医生甲" },
        { kind: "fine", amountYuan: 30000, against: "医生甲" },
      ],
    },
  );
  expect(closed.body).toMatchObject({
    status: "closed",
    sanctions: [{ kind: "revoke-practising-certificate" }, { kind: "fine" }],
  });
  const again = await health.post(`/cases/${caseId}/steps`, { kind: "evidence", summary: "补充" });
  expect(again.status).toBe(409);
  await health.post(`/referrals/${referralId}/completion`, {
    actions: "立案调查并结案",
    outcome: "吊销执业证书，罚款30000元",
  });
  const atDr = await eventually(async () => {
    const r = await dr.get<{ status: string; feedback?: { outcome: string } }>(
      `/referrals/${referralId}`,
    );
    return r.body.status === "completed" ? r.body : undefined;
  });
  expect(atDr.feedback?.outcome).toBe("吊销执业证书，罚款30000元");

  // The office sees both trails, verified.
  const office = county.as("office");
  const referralTrail = await office.get<Trail>(`/trail/referral/${referralId}`);
  expect(referralTrail.body.verification).toMatchObject({ ok: true, checked: 3 });
  const caseTrail = await office.get<Trail>(`/trail/case/${caseId}`);
  expect(caseTrail.body.verification).toMatchObject({ ok: true, checked: 3 });
  expect(caseTrail.body.steps.map((s) => s.type)).toEqual([
    "case.opened",
    "case.step-recorded",
    "case.closed",
  ]);
});
