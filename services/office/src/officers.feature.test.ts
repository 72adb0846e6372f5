import { agencyDesks, eventsOn } from "@liandong/agency/testing";
import type { OfficerEntry, OfficerIssued } from "@liandong/contracts";
import {
  type MemoryCounty,
  MemoryPublisher,
  memoryCounty,
  signerFromSeed,
} from "@liandong/runtime";
import { createUser } from "@nats-io/nkeys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { office } from "./office.ts";

let county: MemoryCounty;
let now = new Date("2025-03-03T02:00:00Z");
beforeAll(async () => {
  county = await memoryCounty({
    config: { county: "441723", officerTokenDays: 30 },
    services: { ...agencyDesks((a) => a === "health" || a === "commerce"), office },
    clock: () => now,
  });
});
afterAll(async () => {
  await county?.stop();
});

const add = async (body: Record<string, unknown>) => {
  const r = await county.as("office", "supervisor").post<OfficerIssued>("/officers", body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
};

type Envelope = { type: string; actor: string; officer?: { name: string; role: string } };

describe("named officers (经办人)", () => {
  it("registers an officer whose token is shown once, acts at their agency, and names them on every step", async () => {
    const { officer, token } = await add({ agency: "health", name: "张三", role: "liaison" });
    expect(officer).toMatchObject({
      agency: "health",
      name: "张三",
      role: "liaison",
      status: "active",
    });
    expect(officer.expiresAt).toBe("2025-04-02T02:00:00.000Z");
    await county.settle();
    // Known to every service through the register on the bus.
    const me = await county.withToken("health", token).get("/me");
    expect(me.body).toMatchObject({ id: officer.id, name: "张三", role: "liaison" });
    // The register holds the token's hash only, and lists no token.
    const list = await county
      .as("office")
      .get<{ items: (OfficerEntry & { token?: string })[] }>("/officers");
    const listed = list.body.items.find((o) => o.id === officer.id)!;
    expect(JSON.stringify(listed)).not.toContain(token);
    const registered = eventsOn<{ data: { tokenSha256: string } }>(county, "officer", officer.id);
    expect(JSON.stringify(registered)).not.toContain(token);

    // A step they take names them: 经办人 in the envelope.
    const health = county.withToken("health", token);
    const lead = await health.post<{ leadId: string }>("/leads", {
      source: "public-tip",
      violations: ["illegal-sex-determination"],
      target: { kind: "institution", name: "某医院", county: "441723" },
      summary: "群众举报该医院为孕妇鉴定胎儿性别",
    });
    expect(lead.status, JSON.stringify(lead.body)).toBe(201);
    const [reported] = eventsOn<Envelope>(county, "lead", lead.body.leadId);
    expect(reported).toMatchObject({
      actor: officer.id,
      officer: { name: "张三", role: "liaison" },
    });
  });

  it("refuses an officer at another agency's service (403), and a liaison or other agency keeping the register", async () => {
    const { token } = await add({ agency: "health", name: "李四", role: "supervisor" });
    await county.settle();
    const elsewhere = await county.withToken("commerce", token).get("/me");
    expect(elsewhere.status).toBe(403);
    const byLiaison = await county.as("office").post("/officers", {
      agency: "health",
      name: "王五",
      role: "liaison",
    });
    expect(byLiaison.status).toBe(403);
    const byHealth = await county.withToken("office", token).post("/officers", {
      agency: "health",
      name: "王五",
      role: "liaison",
    });
    expect(byHealth.status).toBe(403);
    const unknownAgency = await county.as("office", "supervisor").post("/officers", {
      agency: "procuratorate",
      name: "王五",
      role: "liaison",
    });
    expect(unknownAgency.status).toBe(422);
  });

  it("revokes: every service answers 401 saying so; the register records it once", async () => {
    const { officer, token } = await add({ agency: "commerce", name: "赵六", role: "liaison" });
    await county.settle();
    expect((await county.withToken("commerce", token).get("/me")).status).toBe(200);
    const revoked = await county
      .as("office", "supervisor")
      .post<OfficerEntry>(`/officers/${officer.id}/revoke`, { reason: "调离岗位" });
    expect(revoked.body).toMatchObject({ status: "revoked" });
    await county.settle();
    for (const service of ["commerce", "health", "office"]) {
      const r = await county.withToken(service, token).get<{ type: string; title: string }>("/me");
      expect(r.status, service).toBe(401);
      expect(r.type).toContain("application/problem+json");
      expect(r.body.type).toMatch(/token-revoked$/);
      expect(r.body.title).toBe("令牌已注销");
    }
    const again = await county
      .as("office", "supervisor")
      .post(`/officers/${officer.id}/revoke`, { reason: "再次注销" });
    expect(again.status).toBe(409);
    expect(eventsOn<Envelope>(county, "officer", officer.id).map((e) => e.type)).toEqual([
      "officer.registered",
      "officer.revoked",
    ]);
  });

  it("expires a token after its lifetime, and renewing gives it another", async () => {
    const { officer, token } = await add({
      agency: "health",
      name: "孙七",
      role: "liaison",
      days: 2,
    });
    await county.settle();
    const start = now;
    now = new Date(start.getTime() + 3 * 86_400_000);
    try {
      const expired = await county.withToken("health", token).get<{ type: string }>("/me");
      expect(expired.status).toBe(401);
      expect(expired.body.type).toMatch(/token-expired$/);
      const renewed = await county
        .as("office", "supervisor")
        .post<OfficerEntry>(`/officers/${officer.id}/renew`, { days: 10 });
      expect(renewed.body).toMatchObject({ status: "active" });
      await county.settle();
      expect((await county.withToken("health", token).get("/me")).status).toBe(200);
    } finally {
      now = start;
    }
  });

  it("keeps the register across a restart of a service, read back from the log", async () => {
    const { officer, token } = await add({ agency: "health", name: "周八", role: "liaison" });
    await county
      .as("office", "supervisor")
      .post(`/officers/${officer.id}/revoke`, { reason: "离职" });
    await county.restart("health");
    const r = await county.withToken("health", token).get<{ type: string }>("/me");
    expect(r.status).toBe(401);
    expect(r.body.type).toMatch(/token-revoked$/);
  });

  it("takes no register event the office did not seal", async () => {
    const { officer, token } = await add({ agency: "health", name: "吴九", role: "liaison" });
    await county.settle();
    // Whoever may publish on the office's subjects without its key (the operator's admin
    // identity) cannot revoke, or register, anyone.
    const forger = new MemoryPublisher(county.streams, {
      county: "441723",
      agency: "office",
      signer: signerFromSeed(new TextDecoder().decode(createUser().getSeed())),
    });
    await forger.publish({
      type: "officer.revoked",
      actor: "office.supervisor",
      aggregate: { kind: "officer", id: officer.id },
      data: { officerId: officer.id, reason: "伪造" },
      prev: null,
    });
    await county.settle();
    expect((await county.withToken("health", token).get("/me")).status).toBe(200);
  });
});
