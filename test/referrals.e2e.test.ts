// Referral hand-offs end to end: lifecycle, who may take which step, and real races between
// parties repeated enough to catch one: one winner, the other 409 with the state that won,
// and both parties converging to the same history.
import { uuidFromName } from "@liandong/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";
import { feedClients, referralFeed } from "./support/feed.ts";

type Referral = {
  referralId: string;
  status: string;
  from?: string;
  to?: string;
  holder: string;
  history: { eventId: string; type: string; seq: number }[];
  feedback?: { actions: string; outcome: string };
  childReferralId?: string;
  parentReferralId?: string;
};

let county: TestCounty;
let leadId: string;

beforeAll(async () => {
  county = await startTestCounty();
  const r = await county.as("family-planning").post<{ leadId: string }>("/leads", {
    source: "pregnancy-disappearance",
    violations: ["sex-selective-termination"],
    target: { kind: "person", name: "随访对象（二孩生育证）", county: "441723" },
    summary: "末次随访孕16周，现已无孕，无分娩或批准引产记录",
  });
  leadId = r.body.leadId;
});
afterAll(async () => {
  await county?.cleanup();
});

const offer = (reason = "请核查引产情况") =>
  county
    .as("family-planning")
    .post<Referral>("/referrals", { to: "health", about: { kind: "lead", id: leadId }, reason });

/** Waits until `agency` has recorded the referral with at least `steps` steps. */
const seen = (agency: string, id: string, steps = 1) =>
  eventually(async () => {
    const r = await county.as(agency).get<Referral>(`/referrals/${id}`);
    return r.status === 200 && r.body.history.length >= steps ? r.body : undefined;
  });

describe("lifecycle", () => {
  it("offer, accept, complete with feedback; both parties see the same history", async () => {
    const o = await offer();
    expect(o.status).toBe(201);
    expect(o.body).toMatchObject({ status: "offered", holder: "family-planning" });
    const id = o.body.referralId;
    const waiting = await eventually(async () => {
      const r = await county.as("health").get<{ items: Referral[] }>("/referrals?waiting=true");
      return r.body.items.find((x) => x.referralId === id);
    });
    expect(waiting.holder).toBe("family-planning");

    const a = await county.as("health").post<Referral>(`/referrals/${id}/acceptance`, {});
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ status: "accepted", holder: "health" });
    const done = await county.as("health").post<Referral>(`/referrals/${id}/completion`, {
      actions: "立案调查，查明某私人诊所未经批准实施引产",
      outcome: "吊销《医疗机构执业许可证》",
    });
    expect(done.body).toMatchObject({ status: "completed", holder: "health" });
    const fp = await seen("family-planning", id, 3);
    expect(fp.feedback?.outcome).toBe("吊销《医疗机构执业许可证》");
    expect(fp.history.map((h) => h.eventId)).toEqual(done.body.history.map((h) => h.eventId));

    // The office sees the whole chain, each hand-off with who, when and why, verified.
    const trail = await county.as("office").get<{
      verification: { ok: boolean; checked: number };
      steps: { type: string; agency: string; actor: string; to?: string; reason?: string }[];
    }>(`/trail/referral/${id}`);
    expect(trail.status).toBe(200);
    expect(trail.body.verification).toMatchObject({ ok: true, checked: 3 });
    expect(trail.body.steps.map((s) => [s.type, s.agency, s.actor, s.to])).toEqual([
      ["referral.offered", "family-planning", "family-planning.liaison", "health"],
      ["referral.accepted", "health", "health.liaison", "family-planning"],
      ["referral.completed", "health", "health.liaison", "family-planning"],
    ]);
    expect(trail.body.steps[0]?.reason).toBe("请核查引产情况");
    const other = await county.as("health").raw(`/trail/referral/${id}`, { method: "GET" });
    expect(other.status).toBe(404);
  });

  it("only the addressee accepts or returns, only the sender withdraws, only parties see it", async () => {
    const id = (await offer()).body.referralId;
    await seen("health", id);
    const bySender = await county.as("family-planning").post(`/referrals/${id}/acceptance`, {});
    expect(bySender.status).toBe(403);
    const byAddressee = await county
      .as("health")
      .post(`/referrals/${id}/withdrawal`, { reason: "不是我们的" });
    expect(byAddressee.status).toBe(403);
    const outsider = await county.as("public-security").post(`/referrals/${id}/acceptance`, {});
    expect(outsider.status).toBe(404);
    const returned = await county
      .as("health")
      .post<Referral>(`/referrals/${id}/return`, { reason: "线索不足，请补充" });
    expect(returned.body).toMatchObject({ status: "returned", holder: "family-planning" });
    const noReason = await county.as("health").post(`/referrals/${id}/return`, {});
    expect(noReason.status).toBe(422);
    // Both refused steps are on the record: who tried what, and why it was refused.
    const trail = await county.as("office").get<{
      verification: { ok: boolean };
      steps: { type: string; agency: string; attempted?: string; refused?: string }[];
    }>(`/trail/referral/${id}`);
    expect(trail.body.verification.ok).toBe(true);
    expect(
      trail.body.steps
        .filter((s) => s.type === "attempt.refused")
        .map((s) => [s.agency, s.attempted, s.refused]),
    ).toEqual([
      ["family-planning", "accept", "forbidden"],
      ["health", "withdraw", "forbidden"],
    ]);
  });

  it("a retried step with the same request id returns the first result and records nothing twice", async () => {
    const id = (await offer()).body.referralId;
    await seen("health", id);
    const h = { "idempotency-key": "accept-once" };
    const first = await county.as("health").post<Referral>(`/referrals/${id}/acceptance`, {}, h);
    const again = await county.as("health").post<Referral>(`/referrals/${id}/acceptance`, {}, h);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.history).toHaveLength(first.body.history.length);
  });

  it("is referred on as a chain", async () => {
    const id = (await offer()).body.referralId;
    await seen("health", id);
    await county.as("health").post(`/referrals/${id}/acceptance`, {});
    const child = await county.as("health").post<Referral>(`/referrals/${id}/onward`, {
      to: "commerce",
      reason: "诊所无营业执照，移交市场监管",
    });
    expect(child.status).toBe(201);
    expect(child.body).toMatchObject({ parentReferralId: id, status: "offered", holder: "health" });
    const atCommerce = await seen("commerce", child.body.referralId);
    expect(atCommerce.parentReferralId).toBe(id);
    const parent = await seen("family-planning", id, 3);
    expect(parent).toMatchObject({ status: "referred-on", childReferralId: child.body.referralId });
  });
});

describe("a lead restricted by its originator (不经同意不得转递)", () => {
  it("is passed on by another agency only with the originator's consent, in the county too", async () => {
    type Consent = { referralId: string; status: string; originator: string; toCounty?: string };
    const restricted = await county.as("family-planning").post<{ leadId: string }>("/leads", {
      source: "pregnancy-disappearance",
      violations: ["sex-selective-termination"],
      target: { kind: "person", name: "随访对象（要求保密）", county: "441723" },
      summary: "随访对象要求未经同意不得转递",
      handling: ["no-forward-without-consent"],
    });
    const lead = restricted.body.leadId;
    await eventually(async () => {
      const r = await county.as("health").get(`/inbox/${lead}`);
      return r.status === 200 ? true : undefined;
    });
    // Health would pass it on to public security: family planning is asked first.
    const ask = () =>
      county
        .as("health")
        .post<Consent>(
          "/referrals",
          { to: "public-security", about: { kind: "lead", id: lead }, reason: "请公安机关协查" },
          { "idempotency-key": `consent-${lead}` },
        );
    const asked = await ask();
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ status: "pending", originator: "family-planning" });
    expect(asked.body.toCounty).toBeUndefined();
    const id = asked.body.referralId;
    expect((await county.as("public-security").get(`/referrals/${id}?wait=500`)).status).toBe(404);
    // Asked again (a retried request): the same consent, nothing recorded twice.
    const again = await ask();
    expect(again.status).toBe(202);
    expect(again.body.referralId).toBe(id);
    await eventually(async () => {
      const r = await county
        .as("family-planning")
        .get<{ items: Consent[] }>("/consents?waiting=true");
      return r.body.items.some((c) => c.referralId === id) ? true : undefined;
    });
    const given = await county
      .as("family-planning")
      .post<Consent>(`/consents/${id}/decision`, { granted: true });
    expect(given.body.status).toBe("given");
    // Given: the referral is offered, once, by the agency that asked.
    const arrived = await county.as("public-security").get<Referral>(`/referrals/${id}?wait=10000`);
    expect(arrived.status).toBe(200);
    expect(arrived.body).toMatchObject({
      status: "offered",
      from: "health",
      to: "public-security",
    });
    expect(arrived.body.history.map((h) => h.type)).toEqual(["referral.offered"]);
    const twice = await county
      .as("family-planning")
      .post(`/consents/${id}/decision`, { granted: true });
    expect(twice.status).toBe(409);
  });
});

describe("waiting for a hand-off (long poll)", () => {
  it("answers the addressee as soon as the referral arrives, 404 when none does in time", async () => {
    const health = county.as("health");
    const unknown = crypto.randomUUID();
    const t0 = performance.now();
    const missing = await health.get(`/referrals/${unknown}?wait=300`);
    expect(missing.status).toBe(404);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);

    // Asked before the offer is made (its id follows from the request id): the answer comes
    // when the referral reaches health's inbox.
    const key = crypto.randomUUID();
    const referralId = uuidFromName(`family-planning:referral:family-planning.liaison:${key}`);
    const arrived = health.get<Referral>(`/referrals/${referralId}?wait=10000`);
    await new Promise((r) => setTimeout(r, 100));
    const offered = await county
      .as("family-planning")
      .post<Referral>(
        "/referrals",
        { to: "health", about: { kind: "lead", id: leadId }, reason: "长轮询" },
        { "idempotency-key": key },
      );
    expect(offered.body.referralId).toBe(referralId);
    expect((await arrived).status).toBe(200);
    expect((await arrived).body.status).toBe("offered");
    const bad = await health.get(`/referrals/${referralId}?wait=abc`);
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain("wait");
  });
});

describe("the live feed (移交动态)", () => {
  it("pushes each change to the parties as it arrives, to no one else, and lets go of a closed client", async () => {
    const feedOf = (agency: string, query = "") =>
      referralFeed(county.as(agency).url, county.as(agency).token, query);
    const health = feedOf("health");
    const healthWaiting = feedOf("health", "?waiting=true");
    const commerce = feedOf("commerce");
    try {
      await Promise.all([health.opened, healthWaiting.opened, commerce.opened]);
      const o = await offer("动态推送");
      const id = o.body.referralId;
      const pushed = await health.next((r) => r.referralId === id);
      expect(pushed.referral).toMatchObject({ status: "offered", from: "family-planning" });
      await healthWaiting.next((r) => r.referralId === id);

      await county.as("health").post(`/referrals/${id}/acceptance`, {});
      const accepted = await health.next((r) => r.referralId === id && r.status === "accepted");
      expect(accepted.at).toBeGreaterThanOrEqual(pushed.at);
      // An accepted referral no longer waits for health; commerce is no party to it at all.
      await seen("family-planning", id, 2);
      expect(healthWaiting.received.map((e) => e.referral.status)).not.toContain("accepted");
      expect(commerce.received.filter((e) => e.referral.referralId === id)).toEqual([]);
    } finally {
      await Promise.all([health.close(), healthWaiting.close(), commerce.close()]);
    }
    // Closed clients are let go of (the service's gauge of feed clients falls back to zero).
    await eventually(async () => (await feedClients(county.as("health"))) === 0 || undefined);
    const refused = await county.as("health").raw("/referrals/feed", {
      method: "GET",
      headers: { authorization: "" },
    });
    expect(refused.status).toBe(401);
  });
});

describe("races (real concurrency against a real server)", () => {
  const ROUNDS = 12;

  async function race(steps: [string, string, string, unknown][]) {
    const id = (await offer()).body.referralId;
    await seen("health", id);
    const results = await Promise.all(
      steps.map(([agency, role, path, body]) =>
        county
          .as(agency, role as "liaison" | "supervisor")
          .post<Referral & { current?: Referral }>(`/referrals/${id}/${path}`, body),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses, JSON.stringify(results.map((r) => r.body))).toEqual([200, 409]);
    const loser = results.find((r) => r.status === 409)!;
    const winner = results.find((r) => r.status === 200)!;
    expect(loser.body.current?.status).toBe(winner.body.status);
    // Both parties converge to one history.
    const steps2 = winner.body.history.length;
    const fp = await seen("family-planning", id, steps2);
    const hl = await seen("health", id, steps2);
    expect(fp.history.map((h) => h.eventId)).toEqual(hl.history.map((h) => h.eventId));
    expect(fp.status).toBe(hl.status);
    // The refused attempt is on the record, on the loser's own chain; every chain is intact.
    const trail = await county.as("office").get<{
      verification: { ok: boolean; checked: number };
      steps: { type: string; refused?: string }[];
    }>(`/trail/referral/${id}`);
    expect(trail.body.verification, JSON.stringify(trail)).toEqual(
      expect.objectContaining({ ok: true, checked: steps2 + 1 }),
    );
    const refused = trail.body.steps.filter((s) => s.type === "attempt.refused");
    expect(refused).toHaveLength(1);
    expect(refused[0]!.refused).toBe("conflict");
    return winner.body.status;
  }

  it("accept against the sender's withdraw: one winner", async () => {
    const winners = new Set<string>();
    for (let i = 0; i < ROUNDS; i++) {
      winners.add(
        await race([
          ["health", "liaison", "acceptance", {}],
          ["family-planning", "liaison", "withdrawal", { reason: "已另行处理" }],
        ]),
      );
    }
    expect([...winners].every((w) => w === "accepted" || w === "withdrawn")).toBe(true);
  });

  it("accept against return by two officers of the addressee: one winner", async () => {
    for (let i = 0; i < ROUNDS; i++) {
      await race([
        ["health", "liaison", "acceptance", {}],
        ["health", "supervisor", "return", { reason: "不属本部门" }],
      ]);
    }
  });

  it("two accepts: one winner", async () => {
    for (let i = 0; i < ROUNDS; i++) {
      await race([
        ["health", "liaison", "acceptance", {}],
        ["health", "supervisor", "acceptance", {}],
      ]);
    }
  });
});

describe("a forged step", () => {
  it("from an agency that is not entitled to it is dead-lettered, not recorded", async () => {
    const { connectBus } = await import("@liandong/runtime");
    const { EventPublisher } = await import("@liandong/runtime");
    const { join } = await import("node:path");
    const id = (await offer()).body.referralId;
    await seen("health", id);
    // Commerce, no party to it, claims to accept it and tells the sender.
    const nc = await connectBus({
      servers: county.natsUrl,
      agency: "commerce",
      seedFile: join(county.stateDir, "secrets", "commerce.nk"),
    });
    // With commerce's own key: its seal verifies, so what is refused is the step itself.
    const { signerFromSeed } = await import("@liandong/runtime");
    const { readFileSync } = await import("node:fs");
    const signer = signerFromSeed(
      readFileSync(join(county.stateDir, "secrets", "commerce.nk"), "utf8"),
    );
    const publisher = new EventPublisher(nc, { county: "441723", agency: "commerce", signer });
    await publisher.publish({
      type: "referral.accepted",
      actor: "commerce.liaison",
      aggregate: { kind: "referral", id },
      to: "family-planning",
      data: { referralId: id, by: "commerce" },
      prev: null,
    });
    await publisher.close();
    await nc.close();
    const admin = await county.admin();
    const { jetstream } = await import("@nats-io/jetstream");
    const reasons = await eventually(async () => {
      const c = await jetstream(admin).consumers.get("DLQ", {
        filter_subjects: "ld.dlq.family-planning.>",
      });
      if ((await c.info(true)).num_pending === 0) return undefined;
      const m = await c.next();
      return m?.headers?.get("Liandong-Dlq-Reason");
    });
    await admin.close();
    expect(reasons).toBe("not-entitled");
    const fp = await county.as("family-planning").get<Referral>(`/referrals/${id}`);
    expect(fp.body).toMatchObject({ status: "offered", holder: "family-planning" });
  });
});
