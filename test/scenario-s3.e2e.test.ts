// S3 (scenarios.md) — a tip about a home ultrasound: the informant stays sealed in
// family-planning; public-security and health act on the shared lead; a supervisor approves
// the reward, two different supervisors unseal the contact to pay it; every step is on the
// record and no shared stream ever carries who the informant is.
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

const informant = {
  name: "陈某某",
  phone: "13700001111",
  idNumber: "44172319900202456X",
  rewardEligible: true,
};

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
