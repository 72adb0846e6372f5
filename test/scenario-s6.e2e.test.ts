// S6 — an overdue referral (督办): family planning refers a lead to health; the acceptance
// deadline passes; the office sees it overdue and issues a supervision order with a new
// deadline; health accepts and answers; the trail shows the delay and the order. The deadline
// is seconds, not three days: the office's scheduler is what finds it passed, either way.
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

let county: TestCounty;
beforeAll(async () => {
  county = await startTestCounty({ overdueCheckSeconds: 0.2 });
}, 120_000);
afterAll(async () => {
  await county?.cleanup();
});

it("S6: overdue, supervised, accepted, answered, all on the trail", async () => {
  const fp = county.as("family-planning");
  const health = county.as("health");
  const office = county.as("office");
  const lead = await fp.post<{ leadId: string }>("/leads", {
    source: "pregnancy-disappearance",
    violations: ["sex-selective-termination"],
    target: { kind: "person", name: "随访对象（二孩）", county: "441723" },
    summary: "末次随访孕18周，现已无孕，无分娩或批准引产记录",
  });
  const offered = await fp.post<{ referralId: string }>("/referrals", {
    to: "health",
    about: { kind: "lead", id: lead.body.leadId },
    reason: "请核查引产情况",
    acceptBy: new Date(Date.now() + 1000).toISOString(),
  });
  const id = offered.body.referralId;

  // 2. The office sees it overdue, without anyone opening a page, and supervises it.
  const tracked = await eventually(async () => {
    const r = await office.get<{ overdueNow: boolean; holder: string; awaiting?: string }>(
      `/tracker/referrals/${id}`,
    );
    return r.body.overdueNow ? r.body : undefined;
  }, 15_000);
  // Family planning still holds it (当前持有); health's acceptance is the step overdue (待办方).
  expect(tracked.holder).toBe("family-planning");
  expect(tracked.awaiting).toBe("health");
  const order = await office.post<{ orderId: string; answerBy: string; to: string }>(
    "/supervision",
    {
      about: { kind: "referral", id },
      reason: "移交逾期未接收，请于三日内办理并回复",
      answerWithinDays: 3,
    },
  );
  expect(order.status).toBe(201);
  expect(order.body.to).toBe("health");
  const days = (Date.parse(order.body.answerBy) - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(2.9);

  // 3. Health accepts and answers.
  await eventually(async () => {
    const r = await health.get<{ items: { orderId: string }[] }>("/supervision");
    return r.body.items.some((o) => o.orderId === order.body.orderId) ? r : undefined;
  });
  expect((await health.post(`/referrals/${id}/acceptance`, {})).status).toBe(200);
  const answered = await health.post(`/supervision/${order.body.orderId}/answer`, {
    answer: "已接收，正在核查",
  });
  expect(answered.status).toBe(200);

  const trail = await eventually(async () => {
    const r = await office.get<{
      verification: { ok: boolean };
      steps: { type: string; agency: string; reason?: string }[];
    }>(`/trail/referral/${id}`);
    return r.body.steps?.length === 5 ? r.body : undefined;
  });
  expect(trail.verification.ok).toBe(true);
  expect(trail.steps.map((s) => [s.type, s.agency])).toEqual([
    ["referral.offered", "family-planning"],
    ["supervision.overdue", "office"],
    ["supervision.ordered", "office"],
    ["referral.accepted", "health"],
    ["supervision.answered", "health"],
  ]);
  expect(trail.steps[4]!.reason).toBe("已接收，正在核查");
  const final = await office.get<{ status: string; overdueNow: boolean }>(
    `/tracker/referrals/${id}`,
  );
  expect(final.body).toMatchObject({ status: "accepted", overdueNow: false });
});
