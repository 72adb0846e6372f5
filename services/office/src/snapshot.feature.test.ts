// The office restarted from a snapshot (快照) over the in-memory county: whatever point of the
// log the snapshot was taken at, the snapshot and the tail folded after it answer exactly what a
// replay of the whole log answers; a snapshot changed or cut short is refused and the log replayed.
import { agencyDesks, registerTip } from "@liandong/agency/testing";
import { STREAMS } from "@liandong/contracts";
import { type MemoryCounty, memoryCounty } from "@liandong/runtime";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { office } from "./office.ts";
import type { Covered, SnapshotStore } from "./snapshot.ts";

/** Every snapshot the office wrote, in order; and the one the next start reads. */
const written: Buffer[] = [];
let served: Uint8Array | undefined;
const store: SnapshotStore = {
  where: "test",
  read: async () => served,
  write: async (chunks) => {
    written.push(Buffer.concat(chunks));
  },
};
let restored: Covered | undefined;
// A fixed clock: the monthly report says when it was made.
const clock = () => new Date("2026-06-15T08:00:00.000Z");

let county: MemoryCounty;
let taken: Buffer[] = [];
beforeAll(async () => {
  county = await memoryCounty({
    config: { county: "441723", routing: { "public-tip": ["public-security"] } },
    clock,
    services: {
      ...agencyDesks(),
      // A snapshot after every message it can (one write at a time): snapshots all along the log.
      office: (ctx) =>
        office(ctx, {
          snapshots: store,
          snapshotEvery: { events: 1, ms: 3_600_000 },
          onRestored: (c) => {
            restored = c;
          },
        }),
    },
  });
  const agencies = ["commerce", "health", "family-planning"];
  for (let round = 0; round < 12; round++) {
    const leads = await Promise.all(
      agencies.map((a, i) => registerTip(county, a, `第${round}批${i}号诊所`)),
    );
    const r = await county.as("commerce").post<{ referralId: string }>("/referrals", {
      to: "health",
      about: { kind: "lead", id: leads[0] },
      reason: "请核查",
    });
    const id = r.body.referralId;
    if (round % 3 === 1)
      await county.as("health").post(`/referrals/${id}/return`, { reason: "非本部门职责" });
    if (round % 3 === 2) {
      await county.as("health").post(`/referrals/${id}/acceptance`, {});
      await county.as("health").post(`/referrals/${id}/completion`, {
        actions: "现场检查",
        outcome: "立案查处",
      });
    }
    if (round % 4 === 0)
      await county.as("health").post("/cases", {
        title: `第${round}批案件`,
        leads: [leads[1]],
        referrals: [],
        violations: ["illegal-sex-determination"],
        target: { kind: "institution", name: `第${round}批1号诊所`, county: "441723" },
      });
    await county.settle();
  }
  await county.settle(60_000);
  taken = [...written];
}, 240_000);
afterAll(async () => {
  await county?.stop();
});

const PATHS = [
  "/tracker/referrals?limit=500",
  // A page, and a filter: what a tracker read lazily reads first (`LazyMap`).
  "/tracker/referrals?limit=3&offset=2",
  "/tracker/referrals?agency=health&limit=500",
  "/leads?limit=500",
  "/overview",
  "/statistics?month=2026-06",
  "/reports/2026-06.json",
  "/supervision",
  "/audit/witnesses",
];
const read = () => Promise.all(PATHS.map(async (p) => (await county.as("office").get(p)).body));

async function startFrom(snapshot: Uint8Array | undefined) {
  served = snapshot;
  restored = undefined;
  await county.restart("office");
  await county.settle(60_000);
}

describe("the office started from a snapshot", () => {
  it("answers as a replay of the whole log, from a snapshot taken at any point", async () => {
    await startFrom(undefined);
    expect(restored).toBeUndefined();
    const replayed = await read();
    expect((replayed[0] as { total: number }).total).toBe(12);
    const events = county.streams.messages(STREAMS.events).length;
    expect(taken.length).toBeGreaterThan(5);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: taken.length - 1 }), async (i) => {
        await startFrom(taken[i]);
        expect(restored?.seq).toBeGreaterThan(0);
        expect(restored?.seq).toBeLessThanOrEqual(events);
        expect(await read()).toEqual(replayed);
      }),
      { numRuns: 8 },
    );
    // The first and the last, always.
    for (const s of [taken[0]!, taken.at(-1)!]) {
      await startFrom(s);
      expect(restored).toBeDefined();
      expect(await read()).toEqual(replayed);
    }
  }, 240_000);

  it("refuses a snapshot changed or cut short, and replays the whole log", async () => {
    await startFrom(undefined);
    const replayed = await read();
    const good = taken[Math.floor(taken.length / 2)]!;
    await startFrom(good);
    expect(restored).toBeDefined();
    const changed = Buffer.from(good);
    // A referral's status changed (the one string "offered" its referrals refer to): the signed
    // digest differs.
    const at = changed.lastIndexOf("offered");
    expect(at).toBeGreaterThan(0);
    changed.write("ignored", at);
    const header = JSON.parse(good.subarray(0, good.indexOf(10)).toString());
    const reSeq = Buffer.from(
      `${JSON.stringify({ ...header, seq: header.seq + 1 })}${good.subarray(good.indexOf(10)).toString()}`,
    );
    for (const bad of [
      changed,
      good.subarray(0, good.length - 100),
      good.subarray(0, 50),
      reSeq,
      Buffer.from("not a snapshot"),
    ]) {
      await startFrom(bad);
      expect(restored).toBeUndefined();
      expect(await read()).toEqual(replayed);
    }
  }, 240_000);
});
