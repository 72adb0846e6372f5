// The county keeps itself running, and says how it stands: a service that crashes is started
// again by the launcher and the office's /readyz shows it (each service, ready or not, since when,
// restarts); every request has an id, answered and logged; every step recorded is one log line
// without personal data; /metrics has the process's own figures, consumers' pending counts and
// the office's overdue referrals.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

type Status = { service: string; ready: boolean; since: string; restarts: number };
let county: TestCounty;

beforeAll(async () => {
  county = await startTestCounty();
}, 120_000);
afterAll(async () => {
  await county?.cleanup();
});

const officeReadyz = async () => {
  const r = await fetch(`${county.urls.office}/readyz`);
  return (await r.json()) as { status: string; county?: Status[] };
};
const logOf = (agency: string) =>
  readFileSync(join(county.stateDir, "logs", `${agency}.log`), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

it("the office's /readyz reports every service of the county; a crashed one is restarted and shown so", async () => {
  const all = await eventually(async () => {
    const r = await officeReadyz();
    return r.county?.every((s) => s.ready) ? r.county : undefined;
  }, 30_000);
  expect(all.map((s) => s.service).sort()).toEqual(Object.keys(county.urls).sort());
  expect(all.every((s) => s.restarts === 0)).toBe(true);

  // The health service dies (SIGKILL, as the out-of-memory killer would).
  const lock = JSON.parse(readFileSync(join(county.stateDir, "county.lock"), "utf8")) as {
    children: { name: string; pgid: number }[];
  };
  const health = lock.children.find((c) => c.name === "health");
  expect(health).toBeDefined();
  process.kill(health!.pgid, "SIGKILL");

  // Started again by the launcher, ready again, and the office counts the restart.
  const after = await eventually(async () => {
    const r = await officeReadyz();
    const h = r.county?.find((s) => s.service === "health");
    return h?.ready && h.restarts === 1 ? h : undefined;
  }, 60_000);
  expect(Date.parse(after.since)).toBeGreaterThan(Date.parse(all[0]!.since) - 1);
  expect(logOf("health").some((l) => l.msg === "restarting after crash" && l.restart === 1)).toBe(
    true,
  );
  // It answers its officers again.
  expect((await county.as("health").get("/leads")).status).toBe(200);
}, 120_000);

it("a request's id is answered and logged; a step recorded is one line, without the lead's words", async () => {
  const r = await fetch(`${county.urls.health}/leads`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${county.as("health").token}`,
      "content-type": "application/json",
      "x-request-id": "desk-20260301-0001",
    },
    body: JSON.stringify({
      source: "record-audit",
      violations: ["sex-selective-termination"],
      target: { kind: "institution", name: "某镇卫生院", unit: "产科", county: "441723" },
      summary: "同一姓名一年内五次引产记录（请求编号测试）",
    }),
  });
  expect(r.status).toBe(201);
  expect(r.headers.get("x-request-id")).toBe("desk-20260301-0001");
  const { leadId } = (await r.json()) as { leadId: string };
  const lines = await eventually(async () => {
    const l = logOf("health");
    return l.some((x) => x.step === "lead.reported") &&
      l.some((x) => x.reqId === "desk-20260301-0001")
      ? l
      : undefined;
  });
  expect(lines.filter((l) => l.reqId === "desk-20260301-0001")).toEqual([
    expect.objectContaining({ msg: "request", method: "POST", route: "/leads", status: 201 }),
  ]);
  const step = lines.find((l) => l.step === "lead.reported" && String(l.subject).includes(leadId));
  expect(step).toBeDefined();
  const text = JSON.stringify(lines);
  expect(text).not.toContain("请求编号测试");
  expect(text).not.toContain("某镇卫生院");
});

it("/metrics: the process's memory, CPU and event-loop lag, consumers' pending counts, overdue referrals", async () => {
  const office = await (await fetch(`${county.urls.office}/metrics`)).text();
  for (const name of [
    "process_resident_memory_bytes",
    "process_cpu_seconds_total",
    "nodejs_eventloop_lag_seconds",
  ])
    expect(office).toContain(name);
  expect(office).toMatch(/^liandong_consumer_pending\{consumer="office",service="office"\} \d+$/m);
  expect(office).toMatch(/^liandong_overdue_referrals\{service="office"\} 0$/m);
  const health = await (await fetch(`${county.urls.health}/metrics`)).text();
  expect(health).toMatch(/^liandong_consumer_pending\{consumer="[^"]+",service="health"\} \d+$/m);
});
