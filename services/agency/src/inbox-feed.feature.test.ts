// The inbox's live feed (线索动态) as the addressee's page follows it, in one process over the bus
// in memory: a lead another agency shares is pushed to its addressees' feeds as `/inbox` lists it,
// and to no one else's; the originator's later steps follow.
import { createHash } from "node:crypto";
import type { InboxItem } from "@liandong/contracts";
import { type MemoryCounty, memoryCounty } from "@liandong/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agencyDesks, type FeedReader, readFeed } from "./testing.ts";

let county: MemoryCounty;
const feeds: FeedReader<InboxItem>[] = [];
beforeEach(async () => {
  county = await memoryCounty({
    config: {
      county: "441723",
      routing: { "public-tip": ["public-security", "health"], inspection: ["family-planning"] },
    },
    services: agencyDesks(),
  });
});
afterEach(async () => {
  for (const f of feeds.splice(0)) await f.close();
  await county.stop();
});

const inboxFeed = async (agency: string) => {
  const feed = await readFeed<InboxItem>(county, agency, "/inbox/feed", "lead");
  feeds.push(feed);
  return feed;
};

const informant = { name: "王某某", phone: "13800000000", rewardEligible: true };
const lead = (source: string, name: string) => ({
  source,
  violations: ["illegal-sex-determination"],
  target: { kind: "institution", name, county: "441723" },
  summary: "群众举报该诊所夜间为孕妇做B超鉴定胎儿性别",
  evidence: [{ ref: `commerce:tips/${name}.jpg`, sha256: createHash("sha256").digest("hex") }],
  informant,
});

describe("the inbox's live feed", () => {
  it("pushes a lead shared by another agency to its addressee, as /inbox lists it, and to no one else", async () => {
    const [health, familyPlanning] = [
      await inboxFeed("health"),
      await inboxFeed("family-planning"),
    ];
    const tip = await county
      .as("commerce")
      .post<{ leadId: string }>("/leads", lead("public-tip", "某镇私人诊所"));
    expect(tip.status).toBe(201);

    const pushed = await health.next((i) => i.leadId === tip.body.leadId);
    await county.settle();
    expect(pushed).toEqual((await county.as("health").get(`/inbox/${tip.body.leadId}`)).body);
    expect(pushed).toMatchObject({ from: "commerce", status: "open" });
    // The opaque reference crosses, never who the informant is.
    expect(JSON.stringify(pushed)).not.toMatch(/王某某|13800000000/);

    // A lead shared with the third agency reaches its feed first: the one before never did.
    const inspection = await county
      .as("commerce")
      .post<{ leadId: string }>("/leads", lead("inspection", "某县妇产医院"));
    await familyPlanning.next((i) => i.leadId === inspection.body.leadId);
    expect(familyPlanning.received.map((i) => i.leadId)).toEqual([inspection.body.leadId]);
    expect(health.received.map((i) => i.leadId)).toEqual([tip.body.leadId]);
  });

  it("follows the originator's later steps on the lead", async () => {
    const health = await inboxFeed("health");
    const tip = await county
      .as("commerce")
      .post<{ leadId: string }>("/leads", lead("public-tip", "某镇私人诊所"));
    await health.next((i) => i.leadId === tip.body.leadId);
    const dismissed = await county
      .as("commerce")
      .post(`/leads/${tip.body.leadId}/dismissal`, { reason: "经核查举报不实" });
    expect(dismissed.status).toBe(200);

    const after = await health.next((i) => i.status === "dismissed");
    expect(after.leadId).toBe(tip.body.leadId);
    expect(health.received.map((i) => i.status)).toEqual(["open", "dismissed"]);
  });
});
