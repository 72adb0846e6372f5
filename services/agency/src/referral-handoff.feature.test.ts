// A referral handed from one agency to another in one county, through the routes as they are,
// over the bus in memory: offer, accept, complete; who may take which step; two parties acting
// at once. No nats-server: milliseconds per test.
import { createHash } from "node:crypto";
import { STREAMS } from "@liandong/contracts";
import { type MemoryCounty, memoryCounty } from "@liandong/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agencyDesks } from "./testing.ts";

type Referral = {
  referralId: string;
  status: string;
  from: string;
  to: string;
  holder: string;
  history: { eventId: string; type: string; seq: number }[];
  feedback?: { actions: string; outcome: string };
};

const desks = agencyDesks();

let county: MemoryCounty;
let leadId: string;
beforeEach(async () => {
  county = await memoryCounty({ config: { county: "441723" }, services: desks });
  const r = await county.as("commerce").post<{ leadId: string }>("/leads", {
    source: "public-tip",
    violations: ["illegal-sex-determination"],
    target: { kind: "institution", name: "某镇私人诊所", county: "441723" },
    summary: "群众举报该诊所夜间为孕妇做B超鉴定胎儿性别",
    evidence: [{ ref: "commerce:tips/2026/0007.jpg", sha256: createHash("sha256").digest("hex") }],
  });
  leadId = r.body.leadId;
});
afterEach(async () => {
  await county.stop();
});

const offer = async () => {
  const o = await county.as("commerce").post<Referral>("/referrals", {
    to: "health",
    about: { kind: "lead", id: leadId },
    reason: "请核查该诊所是否非法开展胎儿性别鉴定",
  });
  expect(o.status).toBe(201);
  await county.settle();
  return o.body;
};

describe("a referral between two agencies of one county", () => {
  it("is offered, accepted and completed; both parties hold the same history", async () => {
    const offered = await offer();
    expect(offered).toMatchObject({ status: "offered", from: "commerce", to: "health" });
    const waiting = await county.as("health").get<{ items: Referral[] }>("/referrals?waiting=true");
    expect(waiting.body.items.map((r) => r.referralId)).toEqual([offered.referralId]);

    const id = offered.referralId;
    const accepted = await county.as("health").post<Referral>(`/referrals/${id}/acceptance`, {});
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: "accepted", holder: "health" });
    const done = await county.as("health").post<Referral>(`/referrals/${id}/completion`, {
      actions: "现场检查，查获便携式B超机一台",
      outcome: "没收设备，移送公安机关",
    });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe("completed");
    await county.settle();

    const sender = await county.as("commerce").get<Referral>(`/referrals/${id}`);
    expect(sender.body.status).toBe("completed");
    expect(sender.body.feedback?.outcome).toBe("没收设备，移送公安机关");
    expect(sender.body.history.map((h) => h.eventId)).toEqual(
      done.body.history.map((h) => h.eventId),
    );
    expect(sender.body.history.map((h) => h.type)).toEqual([
      "referral.offered",
      "referral.accepted",
      "referral.completed",
    ]);
    // Each step is on the shared log once, in the order both parties recorded it.
    const onLog = county.streams
      .messages(STREAMS.events)
      .filter((m) => m.subject.includes(`.referral.${id}.`))
      .map((m) => m.seq);
    expect(sender.body.history.map((h) => h.seq)).toEqual(onLog);
  });

  it("lets only the addressee accept, only the sender withdraw, and no one else see it", async () => {
    const { referralId: id } = await offer();
    const bySender = await county.as("commerce").post(`/referrals/${id}/acceptance`, {});
    expect(bySender.status).toBe(403);
    // What the officer reads of it: Chinese unless English is asked for, its code beside it.
    expect(bySender.body).toMatchObject({
      title: "无权执行此操作",
      detail: "只有接收部门可以接收或退回该移交",
      refusal: "referral.not-addressee",
    });
    const inEnglish = await county
      .as("commerce")
      .post(`/referrals/${id}/acceptance`, {}, { "accept-language": "en" });
    expect(inEnglish.body).toMatchObject({
      title: "Not allowed",
      detail: "only the addressee accepts or returns",
      refusal: "referral.not-addressee",
    });
    const byAddressee = await county
      .as("health")
      .post(`/referrals/${id}/withdrawal`, { reason: "不是我们的" });
    expect(byAddressee.status).toBe(403);
    const outsider = await county.as("public-security").post(`/referrals/${id}/acceptance`, {});
    expect(outsider.status).toBe(404);
    const noReason = await county.as("health").post(`/referrals/${id}/return`, {});
    expect(noReason.status).toBe(422);
    const returned = await county
      .as("health")
      .post<Referral>(`/referrals/${id}/return`, { reason: "线索不足，请补充" });
    expect(returned.body).toMatchObject({ status: "returned", holder: "commerce" });
    await county.settle();
    expect((await county.as("commerce").get<Referral>(`/referrals/${id}`)).body.status).toBe(
      "returned",
    );
  });

  it("has one winner when the sender withdraws as the addressee accepts", async () => {
    const { referralId: id } = await offer();
    const [accept, withdraw] = await Promise.all([
      county.as("health").post<Referral>(`/referrals/${id}/acceptance`, {}),
      county.as("commerce").post<Referral>(`/referrals/${id}/withdrawal`, { reason: "已另行处理" }),
    ]);
    expect([accept.status, withdraw.status].toSorted()).toEqual([200, 409]);
    await county.settle();
    const health = await county.as("health").get<Referral>(`/referrals/${id}`);
    const commerce = await county.as("commerce").get<Referral>(`/referrals/${id}`);
    expect(health.body.status).toBe(accept.status === 200 ? "accepted" : "withdrawn");
    expect(commerce.body.history.map((h) => h.eventId)).toEqual(
      health.body.history.map((h) => h.eventId),
    );
  });

  it("keeps each party's copy as the referral's only record, and steps on from it after a restart", async () => {
    const { referralId: id } = await offer();
    // Each party's bucket holds its copy of the referral, which is the referral's head too
    // (its last step's sequence and hash): no separate head to look up and write per step.
    for (const agency of ["commerce", "health"]) {
      const keys: string[] = [];
      for await (const k of await county.bucket(agency).keys()) keys.push(k);
      expect(keys).toContain(`referral.${id}`);
      expect(keys.filter((k) => k.startsWith("head.referral."))).toEqual([]);
    }
    // Restarted, each party links its next step to its copy's last step: the stream takes it.
    await county.restart("health");
    const accepted = await county.as("health").post<Referral>(`/referrals/${id}/acceptance`, {});
    expect(accepted.status).toBe(200);
    await county.settle();
    await county.restart("commerce");
    const sender = await county.as("commerce").get<Referral>(`/referrals/${id}`);
    expect(sender.body.status).toBe("accepted");
    const done = await county.as("health").post<Referral>(`/referrals/${id}/completion`, {
      actions: "现场检查",
      outcome: "立案查处",
    });
    expect(done.status).toBe(200);
    await county.settle();
    const onLog = county.streams
      .messages(STREAMS.events)
      .filter((m) => m.subject.includes(`.referral.${id}.`))
      .map((m) => m.seq);
    expect(done.body.history.map((h) => h.seq)).toEqual(onLog);
    expect(onLog).toHaveLength(3);
  });

  it("records a retried acceptance with the same Idempotency-Key once", async () => {
    const { referralId: id } = await offer();
    const h = { "idempotency-key": "accept-once" };
    const first = await county.as("health").post<Referral>(`/referrals/${id}/acceptance`, {}, h);
    const again = await county.as("health").post<Referral>(`/referrals/${id}/acceptance`, {}, h);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body.history).toHaveLength(first.body.history.length);
    await county.settle();
    const steps = county.streams
      .messages(STREAMS.events)
      .filter((m) => m.subject.includes(`.referral.${id}.`));
    expect(steps).toHaveLength(2);
  });
});
