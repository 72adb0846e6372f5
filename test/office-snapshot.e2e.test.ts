// The office's snapshot (快照) with a real nats-server and the real launcher: a clean stop writes
// it into the office's own directory, the next start restores it (the message it covers checked
// in the stream) and folds only the tail; a snapshot changed on disk is refused and the whole
// log replayed. Either way the office answers what it answered before.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

let county: TestCounty;
beforeAll(async () => {
  county = await startTestCounty();
}, 120_000);
afterAll(async () => {
  await county?.cleanup();
});

type Readyz = { ready?: boolean; snapshot?: { restored: number | null; covers: number | null } };
const PATHS = ["/tracker/referrals", "/leads", "/overview", "/statistics"];
const answers = () => Promise.all(PATHS.map(async (p) => (await county.as("office").get(p)).body));
const readyz = async () => (await county.as("office").get<Readyz>("/readyz")).body;

it("restarts from its snapshot, folding only the tail; a changed snapshot is replayed over", async () => {
  for (let i = 0; i < 3; i++) {
    const lead = await county.as("family-planning").post<{ leadId: string }>("/leads", {
      source: "pregnancy-disappearance",
      violations: ["sex-selective-termination"],
      target: { kind: "person", name: `随访对象${i}`, county: "441723" },
      summary: "孕情不明原因消失",
    });
    expect(lead.status).toBe(201);
    const r = await county.as("family-planning").post<{ referralId: string }>("/referrals", {
      to: "health",
      about: { kind: "lead", id: lead.body.leadId },
      reason: "请核查",
    });
    expect(r.status).toBe(201);
    if (i > 0) {
      // Accepted once health holds it (the offer reaches it over the bus): a snapshot that holds an
      // acceptance is what the tamper below changes.
      const id = r.body.referralId;
      await eventually(
        async () => (await county.as("health").get(`/referrals/${id}`)).status === 200 || undefined,
      );
      expect((await county.as("health").post(`/referrals/${id}/acceptance`, {})).status).toBe(200);
    }
  }
  await eventually(async () => {
    const list = (await county.as("office").get<{ total: number }>("/tracker/referrals")).body;
    const accepted = (
      await county.as("office").get<{ total: number }>("/tracker/referrals?status=accepted")
    ).body;
    return list.total === 3 && accepted.total === 2 ? true : undefined;
  });
  const before = await answers();
  // The first start had no snapshot: it replayed the log.
  expect((await readyz()).snapshot?.restored).toBeNull();

  await county.stop();
  const file = join(county.stateDir, "office", "office-snapshot.bin");
  expect(existsSync(file)).toBe(true);
  await county.restart();
  const restored = (await readyz()).snapshot?.restored;
  expect(restored).toBeGreaterThan(0);
  expect(await answers()).toEqual(before);

  // Changed on disk (by the operator, say): refused, and the whole log replayed.
  await county.stop();
  const bytes = readFileSync(file);
  const at = bytes.lastIndexOf("accepted");
  expect(at).toBeGreaterThan(0);
  bytes.write("returned", at);
  writeFileSync(file, bytes);
  await county.restart();
  expect((await readyz()).snapshot?.restored).toBeNull();
  expect(await answers()).toEqual(before);
}, 240_000);
