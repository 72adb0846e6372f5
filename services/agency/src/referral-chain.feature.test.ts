// The chain of a lead's referrals (移交链), through the routes as they are, over the bus in
// memory: a referral made again after a return is linked to the one returned, and an addressee
// refers onward across a county line (属地管理). No nats-server: milliseconds per test.
import { createHash } from "node:crypto";
import { STREAMS } from "@liandong/contracts";
import { type MemoryCounty, memoryCounty } from "@liandong/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agencyDesks } from "./testing.ts";

type Referral = {
  referralId: string;
  status: string;
  from: string;
  to: string;
  toCounty?: string;
  holder: string;
  parentReferralId?: string;
  resumesReferralId?: string;
};

/** A neighbour of the county's cooperation region (区域协作). */
const NEIGHBOUR = "441702";
const desks = agencyDesks();

let county: MemoryCounty;
let leadId: string;
beforeEach(async () => {
  county = await memoryCounty({
    config: {
      county: "441723",
      region: { neighbours: [NEIGHBOUR], keys: {}, beyond: {}, witnessEverySeconds: 5 },
    },
    services: desks,
  });
  const r = await county.as("commerce").post<{ leadId: string }>("/leads", {
    source: "public-tip",
    violations: ["illegal-sex-determination"],
    target: { kind: "institution", name: "某镇私人诊所", county: "441723" },
    summary: "群众举报该诊所夜间为孕妇做B超鉴定胎儿性别",
    evidence: [{ ref: "commerce:tips/2026/0009.jpg", sha256: createHash("sha256").digest("hex") }],
  });
  expect(r.status).toBe(201);
  leadId = r.body.leadId;
});
afterEach(async () => {
  await county.stop();
});

const offer = async (to: string) => {
  const o = await county.as("commerce").post<Referral>("/referrals", {
    to,
    about: { kind: "lead", id: leadId },
    reason: "请核查该诊所是否非法开展胎儿性别鉴定",
  });
  expect(o.status).toBe(201);
  await county.settle();
  return o.body;
};

describe("a lead's chain of referrals", () => {
  it("links a referral made again after a return to the one returned, and the next to the last", async () => {
    const first = await offer("health");
    expect(first.resumesReferralId).toBeUndefined();
    const returned = await county
      .as("health")
      .post<Referral>(`/referrals/${first.referralId}/return`, { reason: "不属本部门职责" });
    expect(returned.body).toMatchObject({ status: "returned", holder: "commerce" });
    await county.settle();

    const second = await offer("public-security");
    expect(second.resumesReferralId).toBe(first.referralId);
    const withdrawn = await county
      .as("commerce")
      .post<Referral>(`/referrals/${second.referralId}/withdrawal`, { reason: "发错部门" });
    expect(withdrawn.body.status).toBe("withdrawn");
    await county.settle();

    // Made again after the second came back: linked to the second, not again to the first.
    const third = await offer("drug-regulation");
    expect(third.resumesReferralId).toBe(second.referralId);
    const seen = await county.as("commerce").get<Referral>(`/referrals/${third.referralId}`);
    expect(seen.body.resumesReferralId).toBe(second.referralId);
  });

  it("is referred onward by its addressee across the county line, linked to its parent", async () => {
    const first = await offer("health");
    const id = first.referralId;
    expect((await county.as("health").post(`/referrals/${id}/acceptance`, {})).status).toBe(200);
    const child = await county.as("health").post<Referral>(`/referrals/${id}/onward`, {
      to: "public-security",
      toCounty: NEIGHBOUR,
      reason: "嫌疑人住所在邻县，请邻县公安机关核查",
    });
    expect(child.status).toBe(201);
    expect(child.body).toMatchObject({
      from: "health",
      to: "public-security",
      toCounty: NEIGHBOUR,
      parentReferralId: id,
      status: "offered",
    });
    await county.settle();
    // On the bus to the neighbour's public security, across the line.
    const crossing = county.streams
      .messages(STREAMS.events)
      .filter((m) => m.subject.includes(`.referral.${child.body.referralId}.`));
    expect(crossing.map((m) => m.subject.split(".").slice(6))).toContainEqual([
      "public-security",
      NEIGHBOUR,
    ]);
    // A county outside the region is refused, naming the field, and nothing is recorded.
    const before = county.streams.messages(STREAMS.events).length;
    const far = await county.as("health").post(`/referrals/${id}/onward`, {
      to: "commerce",
      toCounty: "620702",
      reason: "请核查",
    });
    expect(far.status).toBe(422);
    expect(far.body).toMatchObject({ errors: [{ field: "toCounty" }] });
    await county.settle();
    expect(county.streams.messages(STREAMS.events)).toHaveLength(before);
  });
});
