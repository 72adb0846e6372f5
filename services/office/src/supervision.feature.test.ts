// Supervision orders (督办) over the in-memory county: the office supervises an overdue referral
// and an open case through its routes, the addressed agency answers through its own, the
// office's scheduler escalates an order left unanswered; every reader folds the domain's record.
// The county's clock is moved, not waited for. No nats-server.
import { createHash } from "node:crypto";
import { acrossRestart, agencyDesks, type List, registerTip } from "@liandong/agency/testing";
import { STREAMS } from "@liandong/contracts";
import { type MemoryCounty, memoryCounty } from "@liandong/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { office } from "./office.ts";

type Order = {
  orderId: string;
  to: string;
  status: string;
  level: number;
  grounds: string;
  answer?: string;
  answerBy: string;
  about: { kind: string; id: string };
};

const DAY = 86_400_000;
let offset = 0;
const clock = () => new Date(Date.now() + offset);

const services = { ...agencyDesks(), office };

let county: MemoryCounty;
beforeAll(async () => {
  county = await memoryCounty({
    config: { county: "441723", overdueCheckSeconds: 0.05 },
    services,
    clock,
  });
});
afterAll(async () => {
  await county?.stop();
});

/** The county's clock moved on, and the office's scheduler given time to look. */
async function advance(ms: number) {
  offset += ms;
  await new Promise((r) => setTimeout(r, 150));
  await county.settle();
}

async function overdueReferral(name: string) {
  const leadId = await registerTip(county, "family-planning", name);
  const offered = await county.as("family-planning").post<{ referralId: string }>("/referrals", {
    to: "health",
    about: { kind: "lead", id: leadId },
    reason: "请核查引产情况",
  });
  expect(offered.status).toBe(201);
  await county.settle();
  const id = offered.body.referralId;
  const early = await county
    .as("office")
    .post("/supervision", { about: { kind: "referral", id }, reason: "尚未逾期" });
  expect(early.status).toBe(409);
  await advance(4 * DAY);
  const tracked = await county
    .as("office")
    .get<{ overdueNow: boolean; awaiting: string }>(`/tracker/referrals/${id}`);
  expect(tracked.body).toMatchObject({ overdueNow: true, awaiting: "health" });
  return id;
}

/** The office's order on an overdue referral, issued. */
const orderOn = async (id: string, reason: string, answerWithinDays: number) => {
  const ordered = await county
    .as("office")
    .post<Order>("/supervision", { about: { kind: "referral", id }, reason, answerWithinDays });
  expect(ordered.status).toBe(201);
  return ordered;
};

const orderAt = async (agency: string, orderId: string) =>
  (await county.as(agency).get<List<Order>>("/supervision")).body.items.find(
    (o) => o.orderId === orderId,
  );

describe("supervision orders", () => {
  it("go to the agency whose step is overdue, are answered by it alone, once", async () => {
    const id = await overdueReferral("某镇甲诊所");
    const ordered = await orderOn(id, "移交逾期未接收，请于三日内办理并回复", 3);
    expect(ordered.body).toMatchObject({
      to: "health",
      grounds: "overdue",
      status: "open",
      level: 1,
    });
    expect(ordered.body).not.toHaveProperty("events");
    await county.settle();
    expect(await orderAt("health", ordered.body.orderId)).toEqual(ordered.body);
    // Only the agency addressed holds it, and answers it.
    expect(await orderAt("public-security", ordered.body.orderId)).toBeUndefined();
    const wrong = await county
      .as("public-security")
      .post(`/supervision/${ordered.body.orderId}/answer`, { answer: "不是我们" });
    expect(wrong.status).toBe(404);
    const answered = await county
      .as("health")
      .post<Order>(`/supervision/${ordered.body.orderId}/answer`, { answer: "已接收，正在核查" });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ status: "answered", answer: "已接收，正在核查" });
    // Asked again: the first answer, nothing recorded twice.
    const again = await county
      .as("health")
      .post<Order>(`/supervision/${ordered.body.orderId}/answer`, { answer: "再次回复" });
    expect(again.body.answer).toBe("已接收，正在核查");
    await county.settle();
    expect(await orderAt("office", ordered.body.orderId)).toEqual(answered.body);
    const answers = county.streams
      .messages(STREAMS.events)
      .filter((m) => m.subject.startsWith("ld.ev.441723.health.supervision."));
    expect(answers).toHaveLength(1);

    // A retried request (same Idempotency-Key) is the order it made.
    const key = { "idempotency-key": "s6-order-2" };
    const body = { about: { kind: "referral", id }, reason: "再次督办" };
    const second = await county.as("office").post<Order>("/supervision", body, key);
    expect(second.status).toBe(201);
    const retried = await county.as("office").post<Order>("/supervision", body, key);
    expect(retried.status).toBe(200);
    expect(retried.body.orderId).toBe(second.body.orderId);
  });

  it("are escalated once when no answer comes in time, and may still be answered", async () => {
    const id = await overdueReferral("某镇乙诊所");
    const ordered = await orderOn(id, "移交逾期，请一日内回复", 1);
    await advance(2 * DAY);
    await advance(0);
    expect(await orderAt("health", ordered.body.orderId)).toMatchObject({
      status: "escalated",
      level: 2,
    });
    expect(await orderAt("office", ordered.body.orderId)).toMatchObject({ status: "escalated" });
    const escalations = county.streams
      .messages(STREAMS.events)
      .filter((m) => m.subject.includes(`.supervision.${id}.`))
      .map((m) => JSON.parse(new TextDecoder().decode(m.data)).type);
    expect(escalations.filter((t) => t === "supervision.escalated")).toHaveLength(1);
    const answered = await county
      .as("health")
      .post<Order>(`/supervision/${ordered.body.orderId}/answer`, { answer: "已办理" });
    expect(answered.body).toMatchObject({ status: "answered", level: 2 });
    await county.settle();
    expect(await orderAt("office", ordered.body.orderId)).toMatchObject({ status: "answered" });
  });

  it("supervise an open case, as the domain's case record has it, never a closed one", async () => {
    const leadId = await registerTip(county, "health", "某镇丙诊所");
    const opened = await county.as("health").post<{ caseId: string }>("/cases", {
      title: "某镇丙诊所非法鉴定胎儿性别案",
      leads: [leadId],
      referrals: [],
      violations: ["illegal-sex-determination"],
      target: { kind: "institution", name: "某镇丙诊所", county: "441723" },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const caseId = opened.body.caseId;
    const missing = await county.as("office").post("/supervision", {
      about: { kind: "case", id: "0b5a4a4e-7d57-4f5e-9f1e-3a0c8f6c2d11" },
      reason: "重大案件督办",
    });
    expect(missing.status).toBe(404);
    await county.settle();
    const ordered = await county
      .as("office")
      .post<Order>("/supervision", { about: { kind: "case", id: caseId }, reason: "重大案件督办" });
    expect(ordered.status).toBe(201);
    expect(ordered.body).toMatchObject({ to: "health", grounds: "major-case" });
    const closed = await county.as("health").post(`/cases/${caseId}/closure`, {
      summary: "查实并处罚",
      sanctions: [{ kind: "fine", amountYuan: 20000, against: "某镇丙诊所" }],
    });
    expect(closed.status).toBe(200);
    await county.settle();
    const late = await county
      .as("office")
      .post("/supervision", { about: { kind: "case", id: caseId }, reason: "再次督办" });
    expect(late.status).toBe(409);
  });

  it("are issued only by the office: an agency's order on the bus is a dead letter, shown nowhere", async () => {
    const id = await overdueReferral("某镇丁诊所");
    const forger = county.publisher("commerce");
    const orderId = crypto.randomUUID();
    await forger.publish({
      type: "supervision.ordered",
      actor: "commerce.liaison",
      aggregate: { kind: "supervision", id },
      to: "health",
      prev: null,
      data: {
        orderId,
        about: { kind: "referral", id },
        to: "health",
        grounds: "overdue",
        reason: "冒充督办",
        answerBy: new Date(clock().getTime() + DAY).toISOString(),
      },
    });
    await county.settle();
    expect(await orderAt("office", orderId)).toBeUndefined();
    expect(await orderAt("health", orderId)).toBeUndefined();
    const dead = county.streams.messages(STREAMS.deadLetters).map((m) => m.subject);
    expect(dead.some((s) => s.includes("office") && s.includes("not-entitled"))).toBe(true);
    await forger.close();
  });

  it("are answered on the office's newest step, even one not yet arrived when the answer is decided", async () => {
    const id = await overdueReferral("某镇戊诊所");
    const ordered = await county.as("office").post<Order>("/supervision", {
      about: { kind: "referral", id },
      reason: "移交逾期，请回复",
    });
    await county.settle();
    // The office steps on the aggregate again (a deadline passed, as its scheduler records one);
    // the answer is decided before health has it: the stream refuses the answer's link, health
    // waits for the office's step, decides again on it and links to it.
    const officeAgain = county.publisher("office");
    const subject = (m: { subject: string }) => m.subject.includes(`.supervision.${id}.`);
    const last = county.streams.messages(STREAMS.events).filter(subject).at(-1)!;
    const notice = await officeAgain.publish({
      type: "supervision.overdue",
      actor: "svc.office",
      aggregate: { kind: "supervision", id },
      to: "health",
      prev: createHash("sha256").update(last.data).digest("hex"),
      expect: { lastSubjectSequence: last.seq, subject: `ld.ev.441723.*.supervision.${id}.>` },
      data: {
        referralId: id,
        deadline: "feedback",
        dueAt: clock().toISOString(),
        holder: "health",
        awaiting: "health",
        statusSeen: "accepted",
      },
    });
    const answered = await county
      .as("health")
      .post<Order>(`/supervision/${ordered.body.orderId}/answer`, { answer: "已办理" });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    await county.settle();
    const answer = county.streams
      .messages(STREAMS.events)
      .filter(subject)
      .map((m) => JSON.parse(new TextDecoder().decode(m.data)))
      .find((e) => e.type === "supervision.answered");
    expect(answer.prev).toBe(notice.hash);
    expect(await orderAt("office", ordered.body.orderId)).toMatchObject({ status: "answered" });
    await officeAgain.close();
  });

  it("are the same after the office rebuilds them from the log", async () => {
    const { before, after } = await acrossRestart<List<Order>>(county, "office", "/supervision");
    expect(before.total).toBeGreaterThanOrEqual(4);
    expect(after).toEqual(before);
  });
});
