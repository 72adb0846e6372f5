// S3's informant file (举报人档案) through the routes as they are, over the bus in memory: the
// reward approved by a supervisor, the contact unsealed by two, then the reward paid; the
// identity never on the bus nor at another agency; two supervisors approving at once counted
// once each; the file rebuilt from the bus after a restart.
import { STREAMS } from "@liandong/contracts";
import { type MemoryCounty, memoryCounty } from "@liandong/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acrossRestart, agencyDesks, eventsOn } from "./testing.ts";

type File = {
  ref: string;
  reward?: { amountYuan: number; approvedBy: string; paid: boolean };
  requests: { requestId: string; approvers: string[]; unsealed: boolean }[];
};

const informant = { name: "陈某某", phone: "13700001111", idNumber: "44172319900202456X" };

const desks = agencyDesks();

let county: MemoryCounty;
let ref: string;
let leadId: string;
beforeEach(async () => {
  county = await memoryCounty({ config: { county: "441723" }, services: desks });
  const tip = await county
    .as("family-planning")
    .post<{ informantRef: string; leadId: string }>("/leads", {
      source: "public-tip",
      violations: ["illegal-sex-determination"],
      target: { kind: "person", name: "沿海某镇个体医生乙", county: "441723" },
      summary: "来电举报：该医生在家中用私购B超机为孕妇鉴定胎儿性别",
      informant,
    });
  ref = tip.body.informantRef;
  leadId = tip.body.leadId;
  await county.settle();
});
afterEach(async () => {
  await county.stop();
});

const fp = (role: "liaison" | "supervisor" | "deputy" = "liaison") =>
  county.as("family-planning", role);
const stepsOnLog = () => eventsOn<{ type: string; actor: string }>(county, "informant", ref);

describe("an informant's reward and unsealing", () => {
  it("is approved, unsealed by two supervisors and paid, every step on the record once", async () => {
    const byLiaison = await fp().post(`/informants/${ref}/reward-approval`, {
      amountYuan: 10_000,
      reason: "举报属实",
    });
    expect(byLiaison.status).toBe(403);
    const tooMuch = await fp("supervisor").post<{ errors: { field: string }[] }>(
      `/informants/${ref}/reward-approval`,
      { amountYuan: 60_000, reason: "举报属实" },
    );
    expect([tooMuch.status, tooMuch.body.errors?.[0]?.field]).toEqual([422, "amountYuan"]);
    const approved = await fp("supervisor").post<File>(`/informants/${ref}/reward-approval`, {
      amountYuan: 10_000,
      reason: "举报属实，案件已查处",
    });
    expect(approved.body.reward).toEqual({
      amountYuan: 10_000,
      approvedBy: "family-planning.supervisor",
      paid: false,
    });
    expect(
      (
        await fp("deputy").post(`/informants/${ref}/reward-approval`, {
          amountYuan: 500,
          reason: "再批",
        })
      ).status,
    ).toBe(409);
    expect(
      (await fp().post(`/informants/${ref}/reward-payment`, { amountYuan: 10_000 })).status,
    ).toBe(409);

    const asked = await fp().post<{ requestId: string }>(
      `/informants/${ref}/unseal-requests`,
      { reason: "联系举报人发放奖金" },
      { "idempotency-key": "unseal-1" },
    );
    expect(asked.status).toBe(201);
    const retried = await fp().post<{ requestId: string }>(
      `/informants/${ref}/unseal-requests`,
      { reason: "联系举报人发放奖金" },
      { "idempotency-key": "unseal-1" },
    );
    expect(retried.body.requestId).toBe(asked.body.requestId);
    const path = `/informants/${ref}/unseal-requests/${asked.body.requestId}/approvals`;
    expect((await fp().post(path, {})).status).toBe(403);
    expect(
      (
        await fp("supervisor").post(
          `/informants/${ref}/unseal-requests/${crypto.randomUUID()}/approvals`,
          {},
        )
      ).status,
    ).toBe(404);
    const first = await fp("supervisor").post<Record<string, unknown>>(path, {});
    expect(first.body).toMatchObject({ status: "approved-once" });
    expect(JSON.stringify(first.body)).not.toContain(informant.phone);
    expect((await fp("supervisor").post(path, {})).status).toBe(409);
    const second = await fp("deputy").post<{ status: string; informant: typeof informant }>(
      path,
      {},
    );
    expect(second.body).toMatchObject({ status: "unsealed", informant });
    expect((await fp("deputy").post(path, {})).status).toBe(409);

    const wrong = await fp().post(`/informants/${ref}/reward-payment`, { amountYuan: 9_000 });
    expect(wrong.status).toBe(422);
    const paid = await fp().post<File>(`/informants/${ref}/reward-payment`, { amountYuan: 10_000 });
    expect(paid.body.reward?.paid).toBe(true);
    expect(
      (await fp().post(`/informants/${ref}/reward-payment`, { amountYuan: 10_000 })).status,
    ).toBe(409);
    await county.settle();

    expect(stepsOnLog().map((e) => `${e.type}:${e.actor}`)).toEqual([
      "informant.reward-approved:family-planning.supervisor",
      "informant.unseal-requested:family-planning.liaison",
      "informant.unseal-approved:family-planning.supervisor",
      "informant.unseal-approved:family-planning.deputy",
      "informant.unsealed:family-planning.deputy",
      "informant.reward-paid:family-planning.liaison",
    ]);
    // No stream carries who the informant is; no other agency holds the file.
    for (const stream of [
      STREAMS.events,
      STREAMS.inbox("health"),
      STREAMS.inbox("public-security"),
    ]) {
      const text = county.streams
        .messages(stream)
        .map((m) => new TextDecoder().decode(m.data))
        .join("\n");
      for (const secret of Object.values(informant)) expect(text).not.toContain(secret);
    }
    expect((await county.as("health").get(`/informants/${ref}`)).status).toBe(404);
    const file = await fp().get<File>(`/informants/${ref}`);
    expect(JSON.stringify(file.body)).not.toContain(informant.name);
    expect(file.body).not.toHaveProperty("applied");
  });

  it("counts two supervisors approving at once, each once, and unseals exactly once", async () => {
    const { body } = await fp().post<{ requestId: string }>(`/informants/${ref}/unseal-requests`, {
      reason: "核实举报内容",
    });
    const path = `/informants/${ref}/unseal-requests/${body.requestId}/approvals`;
    const answers = await Promise.all([
      fp("supervisor").post<{ status: string }>(path, {}),
      fp("deputy").post<{ status: string }>(path, {}),
    ]);
    expect(answers.map((a) => a.body.status).toSorted()).toEqual(["approved-once", "unsealed"]);
    await county.settle();
    expect(stepsOnLog().filter((e) => e.type === "informant.unsealed")).toHaveLength(1);
  });

  it("catches up from the bus a step its copy missed, and takes none no officer could have taken", async () => {
    // As if the service stopped right after the stream took its step, before its copy was written.
    const own = county.publisher("family-planning");
    const approved = await own.publish({
      type: "informant.reward-approved",
      actor: "family-planning.supervisor",
      aggregate: { kind: "informant", id: ref },
      prev: null,
      data: { informantRef: ref, leadId, amountYuan: 800, reason: "举报属实" },
    });
    await county.settle();
    const file = await fp().get<File>(`/informants/${ref}`);
    expect(file.body.reward).toEqual({
      amountYuan: 800,
      approvedBy: "family-planning.supervisor",
      paid: false,
    });
    const again = await fp("deputy").post(`/informants/${ref}/reward-approval`, {
      amountYuan: 900,
      reason: "重复审批",
    });
    expect(again.status).toBe(409);
    // Paid with the contact still sealed: no officer could have decided it.
    await own.publish({
      type: "informant.reward-paid",
      actor: "family-planning.liaison",
      aggregate: { kind: "informant", id: ref },
      prev: approved.hash,
      data: { informantRef: ref, leadId, amountYuan: 800 },
    });
    await county.settle();
    expect((await fp().get<File>(`/informants/${ref}`)).body.reward?.paid).toBe(false);
    const dead = county.streams.messages(STREAMS.deadLetters).map((m) => m.subject);
    expect(dead).toContain("ld.dlq.family-planning.not-entitled");
    // Its reason in Chinese for the person who reads it, its codes beside it for tooling.
    const letter = county.streams
      .messages(STREAMS.deadLetters)
      .find((m) => m.subject === "ld.dlq.family-planning.not-entitled");
    expect(letter?.headers?.get("Liandong-Dlq-Refusal")).toBe(
      "step.not-recordable informant.sealed",
    );
    expect(letter?.headers?.get("Liandong-Dlq-Detail")).toBe(
      "发送部门无权记录该事件：family-planning.liaison 无权记录 informant.reward-paid：" +
        "举报人联系方式尚未解密：须先经两名分管领导批准解密",
    );
  });
});

/** Every value the agency's bucket holds now, as text. */
async function bucketText(agency: string): Promise<string> {
  const kv = county.bucket(agency);
  let text = "";
  for await (const key of await kv.keys(">")) {
    const e = await kv.get(key);
    if (e) text += `${key}=${new TextDecoder().decode(e.value)}\n`;
  }
  return text;
}

type Sealed = { identity?: { keyId: string }; destroyed?: { by: string; reason: string } };
const sealedRecord = async (r: string) =>
  (await county.bucket("family-planning").get(`informant.${r}`))?.json<Sealed>();

describe("an informant's identity at rest (静态加密)", () => {
  it("is sealed in the agency's bucket: no name, phone or ID number there, and it still unseals", async () => {
    const text = await bucketText("family-planning");
    expect(text).toContain(`informant.${ref}=`);
    for (const secret of Object.values(informant)) expect(text).not.toContain(secret);
    expect((await sealedRecord(ref))?.identity?.keyId).toMatch(/^vk_/);
    const { body } = await fp().post<{ requestId: string }>(`/informants/${ref}/unseal-requests`, {
      reason: "核实举报内容",
    });
    const path = `/informants/${ref}/unseal-requests/${body.requestId}/approvals`;
    await fp("supervisor").post(path, {});
    const opened = await fp("deputy").post<{ informant: typeof informant }>(path, {});
    expect(opened.body.informant).toEqual(informant);
  });

  it("is destroyed by a supervisor with a reason, on the record; nothing unseals it after", async () => {
    const asked = await fp().post<{ requestId: string }>(`/informants/${ref}/unseal-requests`, {
      reason: "联系举报人",
    });
    const path = `/informants/${ref}/unseal-requests/${asked.body.requestId}/approvals`;
    await fp("supervisor").post(path, {});

    expect(
      (await fp().post(`/informants/${ref}/shredding`, { reason: "本人申请删除" })).status,
    ).toBe(403);
    const noReason = await fp("supervisor").post<{ errors: { field: string }[] }>(
      `/informants/${ref}/shredding`,
      {},
    );
    expect([noReason.status, noReason.body.errors?.[0]?.field]).toEqual([422, "reason"]);
    const shredded = await fp("supervisor").post<File & { shredded: Record<string, string> }>(
      `/informants/${ref}/shredding`,
      { reason: "举报人依个人信息保护法申请删除" },
    );
    expect(shredded.status).toBe(200);
    expect(shredded.body.shredded).toMatchObject({
      by: "family-planning.supervisor",
      reason: "举报人依个人信息保护法申请删除",
    });
    const record = await sealedRecord(ref);
    expect(record?.identity).toBeUndefined();
    expect(record?.destroyed?.by).toBe("family-planning.supervisor");

    // The second approval would have unsealed it: it is answered that the identity is gone.
    const late = await fp("deputy").post<{ title: string; detail: string }>(path, {});
    expect(late.status).toBe(410);
    expect(late.body.title).toBe("举报人身份已销毁，无法解密");
    expect(late.body.detail).toContain("family-planning.supervisor");
    const again = await fp().post(`/informants/${ref}/unseal-requests`, { reason: "再次申请" });
    expect(again.status).toBe(410);
    expect(
      (await fp("deputy").post(`/informants/${ref}/shredding`, { reason: "再次删除" })).status,
    ).toBe(410);
    await county.settle();
    expect(stepsOnLog().map((e) => `${e.type}:${e.actor}`)).toEqual([
      "informant.unseal-requested:family-planning.liaison",
      "informant.unseal-approved:family-planning.supervisor",
      "informant.shredded:family-planning.supervisor",
    ]);
    const { before, after } = await acrossRestart<File>(
      county,
      "family-planning",
      `/informants/${ref}`,
    );
    expect(after).toEqual(before);
    expect((await fp("deputy").post(path, {})).status).toBe(410);
  });

  it("destroys an identity whose destruction the stream holds but the service did not carry out", async () => {
    await county.publisher("family-planning").publish({
      type: "informant.shredded",
      actor: "family-planning.supervisor",
      aggregate: { kind: "informant", id: ref },
      prev: null,
      data: { informantRef: ref, reason: "删除" },
    });
    await county.settle();
    expect((await sealedRecord(ref))?.destroyed?.by).toBe("family-planning.supervisor");
    expect((await sealedRecord(ref))?.identity).toBeUndefined();
  });

  it("wraps every data key again under a new vault key on rotation, and every identity still unseals", async () => {
    const second = await county.as("family-planning").post<{ informantRef: string }>("/leads", {
      source: "public-tip",
      violations: ["illegal-sex-determination"],
      target: { kind: "institution", name: "某诊所", county: "441723" },
      summary: "群众举报该诊所为孕妇鉴定胎儿性别",
      informant: { name: "林某", idNumber: "441723198001011234" },
    });
    const refs = [ref, second.body.informantRef];
    const before = await Promise.all(refs.map(sealedRecord));
    expect((await fp().post("/vault/rotation", {})).status).toBe(403);
    const rotated = await fp("supervisor").post<{ keyId: string; rewrapped: number }>(
      "/vault/rotation",
      {},
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.rewrapped).toBe(2);
    const after = await Promise.all(refs.map(sealedRecord));
    for (const [i, a] of after.entries()) {
      expect(a?.identity?.keyId).toBe(rotated.body.keyId);
      expect(a?.identity?.keyId).not.toBe(before[i]?.identity?.keyId);
    }
    const { body } = await fp().post<{ requestId: string }>(
      `/informants/${second.body.informantRef}/unseal-requests`,
      { reason: "核实" },
    );
    const path = `/informants/${second.body.informantRef}/unseal-requests/${body.requestId}/approvals`;
    await fp("supervisor").post(path, {});
    const opened = await fp("deputy").post<{ informant: { name: string } }>(path, {});
    expect(opened.body.informant).toEqual({ name: "林某", idNumber: "441723198001011234" });
  });
});
