// S1 to S4 (scenarios.md) whole, through HTTP: leads, referrals back and onward, cases closed
// with each agency's sanctions, and the office's verified trails. One county for the four: each
// scenario acts on leads, referrals and informants of its own (and its own targets), as in a
// county where they happen side by side.
//
// S2 (scenarios.md) — double doses of ethacridine: drug-regulation's ledger check becomes a
// lead, a referral to health, a case closed with sanctions, and feedback back to
// drug-regulation; the office verifies the trail. Everything through HTTP.
//
// S3 (scenarios.md) — a tip about a home ultrasound: the informant stays sealed in
// family-planning; public-security and health act on the shared lead; a supervisor approves
// the reward, two different supervisors unseal the contact to pay it; every step is on the
// record and no shared stream ever carries who the informant is.
import { createHash } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
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

const informant = {
  name: "陈某某",
  phone: "13700001111",
  idNumber: "44172319900202456X",
  rewardEligible: true,
};

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

it("S3: tip, joint action, reward and two-person unsealing, nothing leaked", async () => {
  const fp = county.as("family-planning");
  // 1–2. The tip is registered; the shared lead says only that a reward-eligible informant is on file.
  const tip = await fp.post<{ leadId: string; sharedWith: string[]; informantRef: string }>(
    "/leads",
    {
      source: "public-tip",
      violations: ["illegal-sex-determination", "unregistered-ultrasound"],
      target: { kind: "person", name: "沿海某镇个体医生乙", county: "441723" },
      summary: "来电举报：该医生在家中用私购B超机为孕妇鉴定胎儿性别",
      informant,
    },
  );
  expect(tip.body.sharedWith).toEqual(["public-security", "health"]);
  const ref = tip.body.informantRef;

  // 3. Joint action: public-security seizes the device, health revokes the certificate.
  for (const [agency, sanctions] of [
    ["public-security", [{ kind: "transfer-to-judiciary", against: "医生乙" }]],
    ["health", [{ kind: "revoke-practising-certificate", against: "医生乙" }]],
  ] as const) {
    const api = county.as(agency);
    await eventually(async () =>
      (await api.get(`/inbox/${tip.body.leadId}`)).status === 200 ? true : undefined,
    );
    const opened = await api.post<{ caseId: string }>("/cases", {
      title: "家中B超非法鉴定胎儿性别案",
      leads: [tip.body.leadId],
      violations: ["illegal-sex-determination"],
      target: { kind: "person", name: "沿海某镇个体医生乙", county: "441723" },
    });
    expect(opened.status).toBe(201);
    if (agency === "public-security") {
      await api.post(`/cases/${opened.body.caseId}/steps`, {
        kind: "evidence",
        summary: "搜查住所，扣押B超机一台",
      });
    }
    const closed = await api.post<{
      status: string;
      sanctions: { kind: string; transferBy?: string }[];
    }>(`/cases/${opened.body.caseId}/closure`, { summary: "查证属实", sanctions });
    expect(closed.body.status).toBe("closed");
    if (agency === "public-security") expect(closed.body.sanctions[0]?.transferBy).toBeDefined();
  }

  // 4. The reward: a supervisor approves; a liaison officer cannot.
  const byLiaison = await fp.post(`/informants/${ref}/reward-approval`, {
    amountYuan: 10000,
    reason: "举报属实",
  });
  expect(byLiaison.status).toBe(403);
  const approved = await county
    .as("family-planning", "supervisor")
    .post<{ reward: { amountYuan: number } }>(`/informants/${ref}/reward-approval`, {
      amountYuan: 10000,
      reason: "举报属实，案件已查处",
    });
  expect(approved.body.reward.amountYuan).toBe(10000);
  const early = await fp.post(`/informants/${ref}/reward-payment`, { amountYuan: 10000 });
  expect(early.status).toBe(409);

  // Unsealing the contact needs two different supervisors.
  const req = await fp.post<{ requestId: string }>(`/informants/${ref}/unseal-requests`, {
    reason: "联系举报人发放奖金",
  });
  expect(req.status).toBe(201);
  const path = `/informants/${ref}/unseal-requests/${req.body.requestId}/approvals`;
  const first = await county
    .as("family-planning", "supervisor")
    .post<Record<string, unknown>>(path, {});
  expect(first.body).toMatchObject({ status: "approved-once" });
  expect(JSON.stringify(first.body)).not.toContain(informant.phone);
  const twice = await county.as("family-planning", "supervisor").post(path, {});
  expect(twice.status).toBe(409);
  const second = await county
    .as("family-planning", "deputy")
    .post<{ status: string; informant: typeof informant }>(path, {});
  expect(second.body.status, JSON.stringify(second.body)).toBe("unsealed");
  expect(second.body.informant).toMatchObject({ name: informant.name, phone: informant.phone });
  const paid = await fp.post<{ reward: { paid: boolean } }>(`/informants/${ref}/reward-payment`, {
    amountYuan: 10000,
  });
  expect(paid.body.reward.paid).toBe(true);

  // No other agency sees who the informant is.
  expect((await county.as("health").get(`/informants/${ref}`)).status).toBe(404);
  const healthAtFp = await fp.raw(`/informants/${ref}`, {
    method: "GET",
    headers: { authorization: `Bearer ${county.as("health").token}` },
  });
  expect(healthAtFp.status).toBe(403);

  // Both steps are on the record, verified, with who approved.
  const trail = await county.as("office").get<{
    verification: { ok: boolean };
    steps: { type: string; actor: string }[];
  }>(`/trail/informant/${ref}`);
  expect(trail.body.verification.ok).toBe(true);
  expect(trail.body.steps.map((s) => `${s.type}:${s.actor}`)).toEqual([
    "informant.reward-approved:family-planning.supervisor",
    "informant.unseal-requested:family-planning.liaison",
    "informant.unseal-approved:family-planning.supervisor",
    "informant.unseal-approved:family-planning.deputy",
    "informant.unsealed:family-planning.deputy",
    "informant.reward-paid:family-planning.liaison",
  ]);

  // A scan of every shared stream finds no name, phone or ID number.
  const admin = await county.admin();
  try {
    const jsm = await jetstreamManager(admin);
    for await (const s of jsm.streams.list()) {
      if (s.config.name.startsWith("KV_") || s.state.messages === 0) continue;
      const c = await jetstream(admin).consumers.get(s.config.name);
      let text = "";
      for await (const m of await c.consume()) {
        text += new TextDecoder().decode(m.data);
        if (m.info.pending === 0) break;
      }
      for (const secret of [informant.name, informant.phone, informant.idNumber]) {
        expect(text.includes(secret), `${s.config.name} carries ${secret}`).toBe(false);
      }
    }
  } finally {
    await admin.close();
  }
});
