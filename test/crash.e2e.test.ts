// Kill every service and nats-server (SIGKILL) in the middle of a stream of lead
// registrations, start them again: every acknowledged lead is still there and reached each
// inbox exactly once.
import { jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

let county: TestCounty;
beforeAll(async () => {
  county = await startTestCounty();
});
afterAll(async () => {
  await county?.cleanup();
});

const lead = (i: number) => ({
  source: "record-audit",
  violations: ["sex-selective-termination"],
  target: { kind: "institution", name: `卫生院${i}`, unit: "产科", county: "441723" },
  summary: `第 ${i} 条：同名多次引产`,
});

it("loses no acknowledged lead and delivers each exactly once", async () => {
  const health = county.as("health");
  const acknowledged = new Map<number, string>();
  let next = 0;
  let killed = false;
  const worker = async () => {
    while (!killed) {
      const i = next++;
      try {
        const r = await health.post<{ leadId: string }>("/leads", lead(i), {
          "idempotency-key": `crash-${i}`,
        });
        if (r.status === 201 || r.status === 200) acknowledged.set(i, r.body.leadId);
      } catch {
        // the service is gone: not acknowledged
      }
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  await eventually(async () => (acknowledged.size >= 40 ? true : undefined), 30_000);
  await county.kill();
  killed = true;
  await Promise.all(workers);
  const before = acknowledged.size;
  expect(before).toBeGreaterThanOrEqual(40);

  await county.restart();

  // Everything acknowledged before the kill is still with the originator…
  for (const [, leadId] of acknowledged) {
    const r = await health.get(`/leads/${leadId}`);
    expect(r.status, `lead ${leadId}`).toBe(200);
  }
  // …and in each recipient's inbox exactly once.
  for (const agency of ["public-security", "family-planning"]) {
    const inbox = await eventually(async () => {
      const r = await county.as(agency).get<{ items: { leadId: string }[] }>("/inbox?limit=500");
      const ids = r.body.items.map((x) => x.leadId);
      return [...acknowledged.values()].every((id) => ids.includes(id)) ? ids : undefined;
    }, 30_000);
    for (const id of acknowledged.values()) expect(inbox.filter((x) => x === id)).toHaveLength(1);
  }
  // On the bus too: one lead.shared per acknowledged lead and recipient.
  const admin = await county.admin();
  try {
    for (const agency of ["public-security", "family-planning"]) {
      const c = await jetstream(admin).consumers.get(`INBOX_${agency}`);
      const counts = new Map<string, number>();
      const total = (await c.info(true)).num_pending;
      const it = await c.consume();
      let seen = 0;
      for await (const m of it) {
        const e = JSON.parse(new TextDecoder().decode(m.data)) as {
          type: string;
          data: { leadId: string };
        };
        if (e.type === "lead.shared")
          counts.set(e.data.leadId, (counts.get(e.data.leadId) ?? 0) + 1);
        if (++seen >= total) break;
      }
      for (const id of acknowledged.values()) expect(counts.get(id), `${agency} ${id}`).toBe(1);
    }
  } finally {
    await admin.close();
  }

  // And the county works again.
  const after = await health.post("/leads", lead(10_000));
  expect(after.status).toBe(201);
}, 180_000);
