// A lead its originator restricted (不经同意不得转递), passed on by another agency: the consent
// asked of the originator, answered by it alone, once; the offer made only when it is given.
// Through the routes as they are, over the bus in memory.
import { STREAMS } from "@liandong/contracts";
import { type MemoryCounty, memoryCounty, sha256Hex } from "@liandong/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agencyDesks, eventsOn } from "./testing.ts";

type Consent = {
  referralId: string;
  status: string;
  originator: string;
  requestedBy: string;
  decisionReason?: string;
};

// Commerce runs no desk here: the last test publishes under its subjects as a rogue service would.
const desks = agencyDesks((agency) => agency !== "commerce");

let county: MemoryCounty;
let leadId: string;
beforeEach(async () => {
  county = await memoryCounty({ config: { county: "441723" }, services: desks });
  const r = await county
    .as("family-planning")
    .post<{ leadId: string; sharedWith: string[] }>("/leads", {
      source: "public-tip",
      violations: ["sex-selective-termination"],
      target: { kind: "person", name: "随访对象（要求保密）", county: "441723" },
      summary: "随访对象要求未经同意不得转递",
      handling: ["no-forward-without-consent"],
    });
  expect(r.body.sharedWith, JSON.stringify(r.body)).toContain("health");
  leadId = r.body.leadId;
  await county.settle();
});
afterEach(async () => {
  await county.stop();
});

const ask = (key = "ask-once") =>
  county
    .as("health")
    .post<Consent>(
      "/referrals",
      { to: "public-security", about: { kind: "lead", id: leadId }, reason: "请公安机关协查" },
      { "idempotency-key": key },
    );

const onLog = (id: string) => eventsOn<{ type: string; agency: string }>(county, "consent", id);

describe("a restricted lead passed on by another agency", () => {
  it("is offered only once its originator consents, and the consent is answered once", async () => {
    const asked = await ask();
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({
      status: "pending",
      originator: "family-planning",
      requestedBy: "health",
    });
    expect(asked.body).not.toHaveProperty("steps");
    expect(asked.body).not.toHaveProperty("offer");
    const id = asked.body.referralId;
    const again = await ask();
    expect([again.status, again.body.referralId]).toEqual([202, id]);
    await county.settle();
    expect((await county.as("public-security").get(`/referrals/${id}`)).status).toBe(404);

    const waiting = await county
      .as("family-planning")
      .get<{ items: Consent[] }>("/consents?waiting=true");
    expect(waiting.body.items.map((c) => c.referralId)).toEqual([id]);
    // Health asked: it waits for no answer of its own.
    const healthWaiting = await county
      .as("health")
      .get<{ items: Consent[] }>("/consents?waiting=true");
    expect(healthWaiting.body.items).toEqual([]);

    expect(
      (await county.as("health").post(`/consents/${id}/decision`, { granted: true })).status,
    ).toBe(403);
    expect(
      (await county.as("public-security").post(`/consents/${id}/decision`, { granted: true }))
        .status,
    ).toBe(404);
    const given = await county
      .as("family-planning")
      .post<Consent>(`/consents/${id}/decision`, { granted: true, reason: "同意协查" });
    expect(given.status).toBe(200);
    expect(given.body).toMatchObject({ status: "given", decisionReason: "同意协查" });
    await county.settle();

    const offered = await county
      .as("public-security")
      .get<{ status: string; from: string; history: { type: string }[] }>(`/referrals/${id}`);
    expect(offered.body).toMatchObject({ status: "offered", from: "health" });
    expect(offered.body.history.map((h) => h.type)).toEqual(["referral.offered"]);
    const atHealth = await county.as("health").get<{ items: Consent[] }>("/consents");
    expect(atHealth.body.items).toMatchObject([{ referralId: id, status: "given" }]);

    const twice = await county
      .as("family-planning")
      .post(`/consents/${id}/decision`, { granted: false, reason: "改变主意" });
    expect(twice.status).toBe(409);
    expect(onLog(id).map((e) => `${e.type}:${e.agency}`)).toEqual([
      "consent.requested:health",
      "consent.given:family-planning",
    ]);
    // The originator's own restricted lead needs no one's consent.
    const own = await county.as("family-planning").post("/referrals", {
      to: "public-security",
      about: { kind: "lead", id: leadId },
      reason: "本部门线索，直接移交",
    });
    expect(own.status).toBe(201);
  });

  it("is not offered when the originator refuses, which needs a reason; both parties hold the refusal", async () => {
    const id = (await ask()).body.referralId;
    await county.settle();
    const fp = county.as("family-planning");
    const noReason = await fp.post<{ errors: { field: string }[] }>(`/consents/${id}/decision`, {
      granted: false,
    });
    expect(noReason.status).toBe(422);
    expect(noReason.body.errors.map((e) => e.field)).toEqual(["reason"]);
    const refused = await fp.post<Consent>(`/consents/${id}/decision`, {
      granted: false,
      reason: "举报人不同意转递",
    });
    expect(refused.body).toMatchObject({ status: "refused", decisionReason: "举报人不同意转递" });
    await county.settle();
    const atHealth = await county.as("health").get<{ items: Consent[] }>("/consents");
    expect(atHealth.body.items).toMatchObject([
      { referralId: id, status: "refused", decisionReason: "举报人不同意转递" },
    ]);
    expect((await county.as("public-security").get(`/referrals/${id}`)).status).toBe(404);
    expect((await county.as("health").get(`/referrals/${id}`)).status).toBe(404);
  });

  it("takes no answer from the bus but the originator's", async () => {
    const id = (await ask()).body.referralId;
    await county.settle();
    const request = county.streams
      .messages(STREAMS.events)
      .find((m) => m.subject.includes(`.consent.${id}.`))!;
    // Commerce, under its own subjects, answers in the originator's place (its desk not running).
    const commerce = county.publisher("commerce");
    await commerce.publish({
      type: "consent.given",
      actor: "commerce.liaison",
      aggregate: { kind: "consent", id },
      to: "health",
      prev: sha256Hex(request.data),
      data: { referralId: id, leadId, by: "commerce" },
    });
    await county.settle();
    const atHealth = await county.as("health").get<{ items: Consent[] }>("/consents");
    expect(atHealth.body.items).toMatchObject([{ referralId: id, status: "pending" }]);
    expect((await county.as("public-security").get(`/referrals/${id}`)).status).toBe(404);
    const dead = county.streams.messages(STREAMS.deadLetters).map((m) => m.subject);
    expect(dead).toContain("ld.dlq.health.not-entitled");
  });
});
