// S1 and S4 (scenarios.md) whole, through HTTP: leads, referrals back and onward, cases closed
// with each agency's sanctions, and the office's verified trails.
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
const waitingAt = (agency: string, referralId: string) =>
  eventually(async () => {
    const r = await county
      .as(agency)
      .get<{ items: { referralId: string }[] }>("/referrals?waiting=true");
    return r.body.items.find((x) => x.referralId === referralId);
  });
const inboxAt = (agency: string, leadId: string) =>
  eventually(async () =>
    (await county.as(agency).get(`/inbox/${leadId}`)).status === 200 ? true : undefined,
  );

it("S1: same name, five inductions — audit, identity check, referral back, case with three sanctions", async () => {
  const health = county.as("health");
  const ps = county.as("public-security");
  const target = {
    kind: "institution",
    name: "某镇卫生院",
    unit: "产科",
    county: "441723",
  } as const;
  const lead = await health.post<{ leadId: string; sharedWith: string[] }>("/leads", {
    source: "record-audit",
    violations: ["sex-selective-termination"],
    target,
    summary: "同一姓名一年内五次引产记录",
    evidence: [
      {
        ref: "health:archive/ob-2026.pdf",
        sha256: createHash("sha256").update("ob").digest("hex"),
      },
    ],
  });
  expect(lead.body.sharedWith).toEqual(["public-security", "family-planning"]);
  await inboxAt("public-security", lead.body.leadId);
  await inboxAt("family-planning", lead.body.leadId);

  // Public-security finds the name was cover, and refers the lead back to health with the finding.
  const back = await ps.post<{ referralId: string }>("/referrals", {
    to: "health",
    about: { kind: "lead", id: lead.body.leadId },
    reason: "核查：全县同名8人，均无引产记录，系冒名；请卫健部门查处",
  });
  expect(back.status).toBe(201);
  await waitingAt("health", back.body.referralId);
  expect((await health.post(`/referrals/${back.body.referralId}/acceptance`, {})).status).toBe(200);
  const opened = await health.post<{ caseId: string }>("/cases", {
    title: "某镇卫生院医生冒名引产案",
    leads: [lead.body.leadId],
    referrals: [back.body.referralId],
    violations: ["sex-selective-termination", "false-certificate"],
    target: { kind: "person", name: "某镇卫生院产科医生丙", county: "441723" },
  });
  await health.post(`/cases/${opened.body.caseId}/steps`, {
    kind: "evidence",
    summary: "调取手术记录与签字",
  });
  const closed = await health.post<{ sanctions: { kind: string }[] }>(
    `/cases/${opened.body.caseId}/closure`,
    {
      summary: "冒用他人姓名实施非医学需要的引产",
      sanctions: [
        { kind: "revoke-practising-certificate", against: "医生丙" },
        { kind: "fine", amountYuan: 30000, against: "医生丙" },
        { kind: "transfer-to-judiciary", against: "医生丙" },
      ],
    },
  );
  expect(closed.body.sanctions.map((s) => s.kind)).toEqual([
    "revoke-practising-certificate",
    "fine",
    "transfer-to-judiciary",
  ]);
  await health.post(`/referrals/${back.body.referralId}/completion`, {
    actions: "立案查处",
    outcome: "吊销执业证书、罚款3万元、移送司法机关",
  });

  // The office sees the whole chain, each hand-off with who, when and why, verified.
  const office = county.as("office");
  for (const path of [
    `/trail/lead/${lead.body.leadId}`,
    `/trail/referral/${back.body.referralId}`,
    `/trail/case/${opened.body.caseId}`,
  ]) {
    const t = await eventually(async () => {
      const r = await office.get<Trail>(path);
      return r.status === 200 ? r.body : undefined;
    });
    expect(t.verification.ok, path).toBe(true);
  }
  const leadTrail = await office.get<Trail>(`/trail/lead/${lead.body.leadId}`);
  expect(leadTrail.body.steps.map((s) => s.type)).toEqual([
    "lead.reported",
    "lead.shared",
    "lead.shared",
  ]);
});

it("S4: a pregnancy that disappeared — family-planning to health, health onward to commerce, both sanction", async () => {
  const fp = county.as("family-planning");
  const health = county.as("health");
  const commerce = county.as("commerce");
  const lead = await fp.post<{ leadId: string }>("/leads", {
    source: "pregnancy-disappearance",
    violations: ["sex-selective-termination"],
    target: { kind: "person", name: "持二孩生育证孕妇（随访对象）", county: "441723" },
    summary: "末次随访孕16周，现无孕，无分娩或批准引产记录",
  });
  const ref = await fp.post<{ referralId: string }>("/referrals", {
    to: "health",
    about: { kind: "lead", id: lead.body.leadId },
    reason: "孕情不明原因消失，请核查引产情况",
  });
  await waitingAt("health", ref.body.referralId);
  await health.post(`/referrals/${ref.body.referralId}/acceptance`, {});
  const hCase = await health.post<{ caseId: string }>("/cases", {
    title: "私人诊所未经批准实施引产案",
    referrals: [ref.body.referralId],
    violations: ["sex-selective-termination", "unlicensed-practice"],
    target: { kind: "institution", name: "某私人诊所", county: "441723" },
  });
  expect(hCase.status).toBe(201);
  // Health refers the clinic on to commerce: the referral becomes a chain.
  const onward = await health.post<{ referralId: string; parentReferralId: string }>(
    `/referrals/${ref.body.referralId}/onward`,
    { to: "commerce", reason: "该诊所无营业执照，请市场监管部门查处" },
  );
  expect(onward.body.parentReferralId).toBe(ref.body.referralId);
  await waitingAt("commerce", onward.body.referralId);
  await commerce.post(`/referrals/${onward.body.referralId}/acceptance`, {});
  const cCase = await commerce.post<{ caseId: string }>("/cases", {
    title: "某私人诊所无照经营案",
    referrals: [onward.body.referralId],
    violations: ["unlicensed-practice"],
    target: { kind: "institution", name: "某私人诊所", county: "441723" },
  });
  const hClosed = await health.post<{ status: string }>(`/cases/${hCase.body.caseId}/closure`, {
    summary: "未经批准实施引产",
    sanctions: [{ kind: "revoke-institution-licence", against: "某私人诊所" }],
  });
  const cClosed = await commerce.post<{ status: string }>(`/cases/${cCase.body.caseId}/closure`, {
    summary: "无照经营，依法取缔",
    sanctions: [{ kind: "fine", amountYuan: 20000, against: "某私人诊所" }],
  });
  expect([hClosed.body.status, cClosed.body.status]).toEqual(["closed", "closed"]);
  // Commerce may not revoke a medical institution's licence.
  const other = await commerce.post<{ caseId: string }>("/cases", {
    title: "x",
    referrals: [onward.body.referralId],
    violations: ["unlicensed-practice"],
    target: { kind: "institution", name: "某私人诊所", county: "441723" },
  });
  const refused = await commerce.post<{ errors: { field: string }[] }>(
    `/cases/${other.body.caseId}/closure`,
    {
      summary: "x",
      sanctions: [{ kind: "revoke-institution-licence", against: "某私人诊所" }],
    },
  );
  expect(refused.status).toBe(422);
  expect(refused.body.errors[0]?.field).toBe("sanctions.0.kind");
  await commerce.post(`/referrals/${onward.body.referralId}/completion`, {
    actions: "立案查处",
    outcome: "取缔无照诊所，罚款2万元",
  });

  const parent = await eventually(async () => {
    const r = await fp.get<{ status: string; childReferralId?: string }>(
      `/referrals/${ref.body.referralId}`,
    );
    return r.body.status === "referred-on" ? r.body : undefined;
  });
  expect(parent.childReferralId).toBe(onward.body.referralId);
  const office = county.as("office");
  for (const id of [ref.body.referralId, onward.body.referralId]) {
    const t = await office.get<Trail>(`/trail/referral/${id}`);
    expect(t.body.verification.ok).toBe(true);
  }
});
