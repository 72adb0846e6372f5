import { agencyDesks, registerTip } from "@liandong/agency/testing";
import { STREAMS } from "@liandong/contracts";
import { type MemoryCounty, memoryCounty } from "@liandong/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { office } from "./office.ts";

// The office rebuilds, restarted, checking on a second thread (as it does a log of thousands).
let county: MemoryCounty;
beforeAll(async () => {
  county = await memoryCounty({
    config: { county: "441723", routing: { "public-tip": ["public-security"] } },
    services: { ...agencyDesks(), office: (ctx) => office(ctx, { checkAheadFrom: 1 }) },
  });
  const agencies = ["commerce", "health", "family-planning"];
  for (let round = 0; county.streams.messages(STREAMS.events).length < 600; round++) {
    const leads = await Promise.all(
      agencies.map((a, i) => registerTip(county, a, `第${round}批${i}号诊所`)),
    );
    // Every tenth round a referral, taken through its steps, so the tracker has some of each.
    if (round % 10 === 0) {
      const r = await county.as("commerce").post<{ referralId: string }>("/referrals", {
        to: "health",
        about: { kind: "lead", id: leads[0] },
        reason: "请核查",
      });
      if (round % 20 === 0)
        await county.as("health").post(`/referrals/${r.body.referralId}/acceptance`, {});
    }
  }
  await county.settle(60_000);
}, 240_000);
afterAll(async () => {
  await county?.stop();
});

describe("the office rebuilt from its log", () => {
  it("answers what it answered before its restart, every projection the same", async () => {
    const paths = ["/tracker/referrals", "/leads", "/overview", "/statistics"];
    const read = () => Promise.all(paths.map(async (p) => (await county.as("office").get(p)).body));
    const before = await read();
    await county.restart("office");
    await county.settle(60_000);
    expect(await read()).toEqual(before);
    expect((before[0] as { total: number }).total).toBeGreaterThan(10);
  }, 120_000);
});
