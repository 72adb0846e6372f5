// The office's referral tracker: every referral of the county with its holder, state, chain
// and deadlines; filters; deadlines found passed by the office's own scheduler and recorded on
// the bus once, across a restart of the whole county.
import { STREAMS } from "@liandong/contracts";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

type Tracked = {
  referralId: string;
  status: string;
  holder: string;
  from: string;
  to: string;
  chainRoot: string;
  violations: string[];
  overdue: Record<string, string>;
  overdueNow: boolean;
};
type List = { items: Tracked[]; total: number };

let county: TestCounty;
let leadId: string;
beforeAll(async () => {
  county = await startTestCounty({ overdueCheckSeconds: 0.2 });
  const lead = await county.as("family-planning").post<{ leadId: string }>("/leads", {
    source: "pregnancy-disappearance",
    violations: ["sex-selective-termination"],
    target: { kind: "person", name: "随访对象", county: "441723" },
    summary: "孕情不明原因消失",
  });
  leadId = lead.body.leadId;
});
afterAll(async () => {
  await county?.cleanup();
});

const office = () => county.as("office");
const tracked = (query = "") => office().get<List>(`/tracker/referrals${query}`);

it("tracks every referral, filters it, and records a passed deadline once, across a restart", async () => {
  const fp = county.as("family-planning");
  // One due for acceptance almost at once, one with the configured deadlines.
  const soon = new Date(Date.now() + 1500).toISOString();
  const late = await fp.post<{ referralId: string }>("/referrals", {
    to: "health",
    about: { kind: "lead", id: leadId },
    reason: "请核查（限期受理）",
    acceptBy: soon,
  });
  const normal = await fp.post<{ referralId: string; acceptBy: string }>("/referrals", {
    to: "public-security",
    about: { kind: "lead", id: leadId },
    reason: "请协查",
  });
  // The configured default: three days to accept.
  const days = (Date.parse(normal.body.acceptBy) - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(2.9);
  expect(days).toBeLessThanOrEqual(3);
  await eventually(async () => {
    const r = await county.as("public-security").get(`/referrals/${normal.body.referralId}`);
    return r.status === 200 ? r : undefined;
  });
  const accepted = await county
    .as("public-security")
    .post(`/referrals/${normal.body.referralId}/acceptance`, {});
  expect(accepted.status).toBe(200);

  const all = await eventually(async () => {
    const r = await tracked();
    return r.body.total === 2 && r.body.items.some((i) => i.status === "accepted") ? r : undefined;
  });
  expect(all.status).toBe(200);
  const byId = new Map(all.body.items.map((i) => [i.referralId, i]));
  expect(byId.get(late.body.referralId)).toMatchObject({
    status: "offered",
    // 当前持有: the sender until accepted; 待办方: the addressee, whose acceptance is due.
    holder: "family-planning",
    awaiting: "health",
    from: "family-planning",
    chainRoot: late.body.referralId,
    violations: ["sex-selective-termination"],
  });
  expect(byId.get(normal.body.referralId)).toMatchObject({
    status: "accepted",
    holder: "public-security",
  });

  // Filters.
  expect((await tracked("?agency=health")).body.items.map((i) => i.referralId)).toEqual([
    late.body.referralId,
  ]);
  expect((await tracked("?status=accepted")).body.total).toBe(1);
  expect((await tracked("?violation=sex-selective-termination")).body.total).toBe(2);
  expect((await tracked("?violation=intermediary")).body.total).toBe(0);
  const future = new Date(Date.now() + 3_600_000).toISOString();
  expect((await tracked(`?since=${encodeURIComponent(future)}`)).body.total).toBe(0);
  const bad = await tracked("?status=lost");
  expect(bad.status).toBe(422);
  expect(JSON.stringify(bad.body)).toContain("status");

  // The office's scheduler finds the passed acceptance deadline without anyone asking.
  const overdue = await eventually(async () => {
    const r = await tracked("?overdue=true");
    return r.body.total === 1 ? r.body.items[0] : undefined;
  }, 15_000);
  expect(overdue).toMatchObject({
    referralId: late.body.referralId,
    overdueNow: true,
    overdue: { acceptance: soon },
  });
  expect((await tracked("?overdue=false")).body.total).toBe(1);
  // On the record, and on the referral's trail? The overdue stands on the office's own
  // supervision aggregate for the referral.
  const countOverdue = async () => {
    const admin = await county.admin();
    try {
      const jsm = await jetstreamManager(admin);
      const info = await jsm.streams.info(STREAMS.events, {
        subjects_filter: `ld.ev.441723.office.supervision.${late.body.referralId}.>`,
      });
      return Object.values(info.state.subjects ?? {}).reduce((n, c) => n + c, 0);
    } finally {
      await admin.close();
    }
  };
  expect(await countOverdue()).toBe(1);

  // Only the office's officers see the tracker.
  const fromAgency = await county.as("health").raw("/tracker/referrals", { method: "GET" });
  expect(fromAgency.status).toBe(404);
  const noToken = await office().raw("/tracker/referrals", {
    method: "GET",
    headers: { authorization: "" },
  });
  expect(noToken.status).toBe(401);
  // Denied by default: every route of the office but its page, the public keys and the probes.
  const open = new Set(["/", "/ui/app.js", "/ui/style.css", "/ui/config.json", "/audit/keys"]);
  const paths: ["GET" | "POST", string][] = [
    ["GET", "/tracker/referrals"],
    ["GET", `/tracker/referrals/${late.body.referralId}`],
    ["GET", "/supervision"],
    ["POST", "/supervision"],
    ["GET", "/statistics?month=2026-01"],
    ["GET", "/reports/2026-01.csv"],
    ["GET", "/reports/2026-01.json"],
    ["GET", "/inspections"],
    ["POST", "/inspections"],
    ["GET", "/leads"],
    ["GET", "/overview"],
    ["GET", `/trail/referral/${late.body.referralId}`],
    ...[...open].map((p) => ["GET", p] as ["GET", string]),
  ];
  for (const [method, path] of paths) {
    const r = await office().raw(path, {
      method,
      headers: { authorization: "", "content-type": "application/json" },
      ...(method === "POST" ? { body: "{}" } : {}),
    });
    if (open.has(path)) expect(r.status, path).toBe(200);
    else expect(r.status, `${method} ${path}`).toBe(401);
  }
  // A path no route serves is 404 whoever asks (not 401: nothing there to be denied).
  expect(
    (await office().raw("/no-such-route", { method: "GET", headers: { authorization: "" } }))
      .status,
  ).toBe(404);

  // Restarted, the tracker is rebuilt from the stream and nothing is recorded twice.
  await county.stop();
  await county.restart();
  const again = await eventually(async () => {
    const r = await tracked("?overdue=true");
    return r.status === 200 && r.body.total === 1 ? r : undefined;
  });
  expect(again.body.items[0]!.referralId).toBe(late.body.referralId);
  await new Promise((r) => setTimeout(r, 1000)); // five more looks by the scheduler
  expect(await countOverdue()).toBe(1);
  expect((await tracked()).body.total).toBe(2);
});

type Order = {
  orderId: string;
  to: string;
  status: string;
  level: number;
  grounds: string;
  answer?: string;
};

it("supervises an overdue referral: the order, the answer, an escalation when none comes, all on the trail", async () => {
  const fp = county.as("family-planning");
  const health = county.as("health");
  const offered = await fp.post<{ referralId: string }>("/referrals", {
    to: "health",
    about: { kind: "lead", id: leadId },
    reason: "请核查（督办）",
    acceptBy: new Date(Date.now() + 1500).toISOString(),
  });
  const id = offered.body.referralId;
  // Tracked by the office (404 until its copy arrives), and not overdue yet: no order.
  await eventually(async () =>
    (await office().get(`/tracker/referrals/${id}`)).status === 200 ? true : undefined,
  );
  const notYet = await office().post("/supervision", {
    about: { kind: "referral", id },
    reason: "尚未逾期",
  });
  expect(notYet.status).toBe(409);
  await eventually(async () => {
    const r = await office().get<{ overdueNow: boolean }>(`/tracker/referrals/${id}`);
    return r.body.overdueNow ? r : undefined;
  }, 15_000);

  const ordered = await office().post<Order>("/supervision", {
    about: { kind: "referral", id },
    reason: "移交逾期未接收，请于期限内办理并回复",
  });
  expect(ordered.status).toBe(201);
  expect(ordered.body).toMatchObject({
    to: "health",
    status: "open",
    level: 1,
    grounds: "overdue",
  });
  const received = await eventually(async () => {
    const r = await health.get<{ items: Order[] }>("/supervision");
    return r.body.items.find((o) => o.orderId === ordered.body.orderId);
  });
  expect(received.status).toBe("open");
  // Only the addressed agency answers.
  const wrong = await county
    .as("public-security")
    .post(`/supervision/${ordered.body.orderId}/answer`, { answer: "不是我们" });
  expect(wrong.status).toBe(404);
  const answered = await health.post<Order>(`/supervision/${ordered.body.orderId}/answer`, {
    answer: "已接收并安排核查，三日内反馈",
  });
  expect(answered.status).toBe(200);
  await eventually(async () => {
    const r = await office().get<{ items: Order[] }>("/supervision");
    const o = r.body.items.find((x) => x.orderId === ordered.body.orderId);
    return o?.status === "answered" ? o : undefined;
  });

  // A second order with almost no time to answer: the scheduler escalates it.
  const hurried = await office().post<Order>("/supervision", {
    about: { kind: "referral", id },
    reason: "再次督办",
    answerWithinDays: 0.00002,
  });
  expect(hurried.status).toBe(201);
  const escalated = await eventually(async () => {
    const r = await health.get<{ items: Order[] }>("/supervision");
    const o = r.body.items.find((x) => x.orderId === hurried.body.orderId);
    return o?.status === "escalated" ? o : undefined;
  }, 15_000);
  expect(escalated.level).toBe(2);

  const trail = await office().get<{
    verification: { ok: boolean };
    steps: { type: string; agency: string }[];
  }>(`/trail/referral/${id}`);
  expect(trail.body.verification.ok).toBe(true);
  expect(trail.body.steps.map((s) => s.type)).toEqual([
    "referral.offered",
    "supervision.overdue",
    "supervision.ordered",
    "supervision.answered",
    "supervision.ordered",
    "supervision.escalated",
  ]);
});
