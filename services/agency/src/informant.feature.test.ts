// S3's informant file (举报人档案) through the routes as they are, over the bus in memory: the
// reward approved by a supervisor, the contact unsealed by two, then the reward paid; the
// identity never on the bus nor at another agency; two supervisors approving at once counted
// once each; the file rebuilt from the bus after a restart.
import { STREAMS } from "@liandong/contracts";
import { type MemoryCounty, memoryCounty } from "@liandong/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agencyDesks, eventsOn } from "./testing.ts";

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
  });
});
