// Joint inspections (联合检查) over the in-memory county: the office plans one through its route,
// each participant records its findings through its own, the office follows them; only the
// office plans, only participants record, once each. No nats-server.
import { createHash } from "node:crypto";
import { acrossRestart, agencyDesks, type List } from "@liandong/agency/testing";
import { STREAMS } from "@liandong/contracts";
import { sampleFindings } from "@liandong/domain/testing";
import { type MemoryCounty, memoryCounty } from "@liandong/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { office } from "./office.ts";

type Findings = { devicesSealed: number; leads: string[]; recordedAt: string };
type OfficeInspection = {
  inspectionId: string;
  agencies: string[];
  plannedAt: string;
  findings: Record<string, Findings>;
};
type DeskInspection = { inspectionId: string; agencies: string[]; findings?: Findings };
type Problem = { errors?: { field: string }[] };

const services = { ...agencyDesks(), office };

let county: MemoryCounty;
beforeAll(async () => {
  county = await memoryCounty({ config: { county: "441723" }, services });
});
afterAll(async () => {
  await county?.stop();
});

const DAY = 86_400_000;
const day = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);
const plan = (more: Record<string, unknown> = {}) => ({
  title: "城区B超与药店联合检查",
  agencies: ["health", "drug-regulation"],
  targets: [{ kind: "institution", name: "城区某诊所", county: "441723" }],
  startsOn: day(1),
  endsOn: day(3),
  ...more,
});
const findings = sampleFindings;

const officeView = async (id: string) =>
  (await county.as("office").get<List<OfficeInspection>>("/inspections")).body.items.find(
    (i) => i.inspectionId === id,
  );
const deskView = async (agency: string, id: string) =>
  (await county.as(agency).get<List<DeskInspection>>("/inspections")).body.items.find(
    (i) => i.inspectionId === id,
  );

describe("joint inspections", () => {
  it("are planned by the office, found by each participant once, followed by the office", async () => {
    const planned = await county.as("office").post<OfficeInspection>("/inspections", plan());
    expect(planned.status).toBe(201);
    expect(planned.body).not.toHaveProperty("events");
    const id = planned.body.inspectionId;
    await county.settle();
    expect(await deskView("health", id)).toMatchObject({ agencies: ["health", "drug-regulation"] });
    expect(await deskView("commerce", id)).toBeUndefined();

    const lead = await county.as("health").post<{ leadId: string }>("/leads", {
      source: "inspection",
      violations: ["unregistered-ultrasound"],
      target: { kind: "institution", name: "城区某诊所", county: "441723" },
      summary: "联合检查发现未登记B超机两台",
      evidence: [{ ref: "health:inspection/1", sha256: createHash("sha256").digest("hex") }],
    });
    expect(lead.status).toBe(201);
    const notHers = await county
      .as("drug-regulation")
      .post<Problem>(`/inspections/${id}/findings`, findings([lead.body.leadId]));
    expect(notHers.status).toBe(422);
    expect(notHers.body.errors?.[0]?.field).toBe("leads.0");

    const recorded = await county
      .as("health")
      .post<DeskInspection>(`/inspections/${id}/findings`, findings([lead.body.leadId]));
    expect(recorded.status).toBe(201);
    expect(recorded.body.findings).toMatchObject({ devicesSealed: 2, leads: [lead.body.leadId] });
    expect(recorded.body).not.toHaveProperty("events");
    const again = await county
      .as("health")
      .post<DeskInspection>(`/inspections/${id}/findings`, { ...findings(), devicesSealed: 9 });
    expect(again.status).toBe(200);
    expect(again.body.findings?.devicesSealed).toBe(2);
    const outsider = await county.as("commerce").post(`/inspections/${id}/findings`, findings());
    expect(outsider.status).toBe(404);
    expect(
      (await county.as("drug-regulation").post(`/inspections/${id}/findings`, findings())).status,
    ).toBe(201);

    await county.settle();
    const followed = await officeView(id);
    expect(Object.keys(followed?.findings ?? {}).sort()).toEqual(["drug-regulation", "health"]);
    expect(followed?.findings.health?.devicesSealed).toBe(2);
    // Each participant shows its own findings only.
    expect((await deskView("drug-regulation", id))?.findings?.leads).toEqual([]);
    const recordings = county.streams
      .messages(STREAMS.events)
      .filter((m) => m.subject.startsWith("ld.ev.441723.health.inspection."));
    expect(recordings).toHaveLength(1);
  });

  it("are planned with the county's agencies, on plausible days", async () => {
    const post = (body: unknown) => county.as("office").post<Problem>("/inspections", body);
    const cases: [Record<string, unknown>, string][] = [
      [{ agencies: ["health", "womens-federation"] }, "agencies.1"],
      [{ agencies: ["office"] }, "agencies.0"],
      [{ startsOn: day(3), endsOn: day(1) }, "endsOn"],
      [{ startsOn: "1900-01-01", endsOn: "1900-01-02" }, "startsOn"],
      [{ startsOn: day(1), endsOn: "2099-12-31" }, "endsOn"],
    ];
    for (const [more, field] of cases) {
      const r = await post(plan(more));
      expect(r.status, JSON.stringify(more)).toBe(422);
      expect(r.body.errors?.map((e) => e.field)).toContain(field);
    }
    const key = { "idempotency-key": "plan-once" };
    const first = await county.as("office").post<OfficeInspection>("/inspections", plan(), key);
    const retried = await county.as("office").post<OfficeInspection>("/inspections", plan(), key);
    expect([first.status, retried.status]).toEqual([201, 200]);
    expect(retried.body.inspectionId).toBe(first.body.inspectionId);
  });

  it("are planned only by the office: an agency's plan on the bus is a dead letter, shown nowhere", async () => {
    const forger = county.publisher("commerce");
    const inspectionId = crypto.randomUUID();
    await forger.publish({
      type: "inspection.planned",
      actor: "commerce.liaison",
      aggregate: { kind: "inspection", id: inspectionId },
      to: "health",
      prev: null,
      data: { inspectionId, ...plan(), to: "health" } as never,
    });
    await county.settle();
    expect(await officeView(inspectionId)).toBeUndefined();
    expect(await deskView("health", inspectionId)).toBeUndefined();
    const dead = county.streams.messages(STREAMS.deadLetters).map((m) => m.subject);
    expect(dead).toContain("ld.dlq.office.not-entitled");
    expect(dead).toContain("ld.dlq.health.not-entitled");
    await forger.close();
  });

  it("are the same after the office rebuilds them from the log", async () => {
    const { before, after } = await acrossRestart<List<OfficeInspection>>(
      county,
      "office",
      "/inspections",
    );
    expect(before.total).toBeGreaterThanOrEqual(2);
    expect(after).toEqual(before);
  });
});
