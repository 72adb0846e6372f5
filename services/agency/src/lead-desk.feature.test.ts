// The lead desk as the agencies use it, in one process over the bus in memory: a lead registered
// at one desk reaches the inboxes its source is routed to, once, and follows its originator's
// later steps; the desk refuses what it must. No nats-server: milliseconds per test.
import { createHash } from "node:crypto";
import { SEAL_HEADER, STREAMS } from "@liandong/contracts";
import { type MemoryCounty, memoryCounty, NOT_PUBLISHED_BY_AGENCY } from "@liandong/runtime";
import { headers } from "@nats-io/transport-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agencyDesks } from "./testing.ts";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const desks = agencyDesks();

let county: MemoryCounty;
beforeEach(async () => {
  county = await memoryCounty({
    config: {
      county: "441723",
      routing: { "public-tip": ["public-security", "health"] },
    },
    services: desks,
  });
});
afterEach(async () => {
  await county.stop();
});

const tip = {
  source: "public-tip",
  violations: ["illegal-sex-determination"],
  target: { kind: "institution", name: "某镇私人诊所", county: "441723" },
  summary: "群众举报该诊所夜间为孕妇做B超鉴定胎儿性别",
  evidence: [{ ref: "commerce:tips/2026/0007.jpg", sha256: sha("0007") }],
};

type Inbox = {
  items: { leadId: string; from: string; status: string; linkedTo: string[] }[];
  total: number;
};

describe("a lead registered at one desk", () => {
  it("reaches the inboxes its source is routed to, once, and no other", async () => {
    const r = await county
      .as("commerce")
      .post<{ leadId: string; sharedWith: string[] }>("/leads", tip);
    expect(r.status).toBe(201);
    expect(r.body.sharedWith.toSorted()).toEqual(["health", "public-security"]);
    await county.settle();

    for (const agency of ["public-security", "health"]) {
      const inbox = await county.as(agency).get<Inbox>("/inbox");
      expect(inbox.body.items).toEqual([
        expect.objectContaining({ leadId: r.body.leadId, from: "commerce", status: "open" }),
      ]);
    }
    for (const agency of ["family-planning", "drug-regulation", "commerce"]) {
      expect((await county.as(agency).get<Inbox>("/inbox")).body.total).toBe(0);
    }
    // The bus holds the lead once and one share per addressee, each in its addressee's inbox only.
    const types = county.streams.messages(STREAMS.events).map((m) => m.subject.split(".")[6]);
    expect(types.toSorted()).toEqual(["_", "health", "public-security"]);
    expect(county.streams.messages(STREAMS.inbox("health"))).toHaveLength(1);
    expect(county.streams.messages(STREAMS.inbox("commerce"))).toHaveLength(0);
  });

  it("answers a retry with the same Idempotency-Key with the first result, shared once", async () => {
    const h = { "idempotency-key": "tip-0007" };
    const first = await county.as("commerce").post<{ leadId: string }>("/leads", tip, h);
    const again = await county.as("commerce").post<{ leadId: string }>("/leads", tip, h);
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.leadId).toBe(first.body.leadId);
    await county.settle();
    expect((await county.as("health").get<Inbox>("/inbox")).body.total).toBe(1);
  });

  it("links a second lead about the same target to the first, in the recipients' inboxes too", async () => {
    const first = await county.as("commerce").post<{ leadId: string }>("/leads", tip);
    const second = await county
      .as("commerce")
      .post<{ leadId: string; possibleDuplicateOf?: string }>("/leads", {
        ...tip,
        summary: "又有群众举报同一诊所",
      });
    expect(second.body.possibleDuplicateOf).toBe(first.body.leadId);
    await county.settle();
    const inbox = await county.as("public-security").get<Inbox>("/inbox");
    expect(inbox.body.items.find((i) => i.leadId === second.body.leadId)?.linkedTo).toEqual([
      first.body.leadId,
    ]);
  });

  it("is dismissed by its originator, and the recipients' copies follow", async () => {
    const { leadId } = (await county.as("commerce").post<{ leadId: string }>("/leads", tip)).body;
    const dismissed = await county
      .as("commerce")
      .post(`/leads/${leadId}/dismissal`, { reason: "经核实为重复举报" });
    expect(dismissed.status).toBe(200);
    const again = await county
      .as("commerce")
      .post(`/leads/${leadId}/dismissal`, { reason: "经核实为重复举报" });
    expect(again.status).toBe(409);
    const other = await county
      .as("health")
      .post(`/leads/${leadId}/dismissal`, { reason: "不是我们的线索" });
    expect(other.status).toBe(404);
    await county.settle();
    const item = await county.as("health").get<{ status: string }>(`/inbox/${leadId}`);
    expect(item.body.status).toBe("dismissed");
  });

  it("refuses a source this agency may not originate, naming the field, and stores nothing", async () => {
    const r = await county.as("commerce").post("/leads", { ...tip, source: "record-audit" });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.type).toContain("application/problem+json");
    expect(JSON.stringify(r.body)).toContain("source");
    await county.settle();
    expect(county.streams.messages(STREAMS.events)).toHaveLength(0);
  });

  it("keeps its leads and inbox across a restart, and shares nothing twice", async () => {
    const { leadId } = (await county.as("commerce").post<{ leadId: string }>("/leads", tip)).body;
    await county.settle();
    await county.restart("commerce");
    await county.restart("health");
    await county.settle();
    expect((await county.as("commerce").get(`/leads/${leadId}`)).status).toBe(200);
    expect((await county.as("health").get<Inbox>("/inbox")).body.total).toBe(1);
    expect(county.streams.messages(STREAMS.inbox("health"))).toHaveLength(1);
  });

  it("needs an officer of the agency", async () => {
    const anonymous = await county.app("health").request("/inbox");
    expect(anonymous.status).toBe(401);
    const someoneElse = await county
      .app("health")
      .request("/inbox", { headers: { authorization: `Bearer ${county.as("commerce").token}` } });
    expect(someoneElse.status).toBe(403);
  });
});

describe("an event on an agency's subjects that its publisher did not make", () => {
  it("is refused by the inbox it reaches, whatever its envelope says, and shown nowhere", async () => {
    const r = await county.as("commerce").post<{ leadId: string }>("/leads", tip);
    await county.settle();
    const share = county.streams
      .messages(STREAMS.events)
      .find((m) => m.subject.endsWith(`.lead.${r.body.leadId}.health`))!;
    expect(share.headers?.get(SEAL_HEADER)).toMatch(/^[A-Za-z0-9_-]{86}$/);

    // Whoever can write on commerce's subjects (the county's admin identity) copies a real
    // share: another lead id, the envelope otherwise the same; once with the real share's seal,
    // once with none.
    const forgedId = crypto.randomUUID();
    const bytes = Buffer.from(
      new TextDecoder().decode(share.data).replaceAll(r.body.leadId, forgedId),
    );
    const subject = share.subject.replace(r.body.leadId, forgedId);
    const withSeal = headers();
    withSeal.set(SEAL_HEADER, share.headers!.get(SEAL_HEADER));
    county.streams.publish(subject, bytes, withSeal);
    county.streams.publish(
      subject.replace(/\.health$/, ".public-security"),
      Buffer.from(bytes.toString().replace('"to":"health"', '"to":"public-security"')),
    );
    await county.settle();

    const refused = county.streams
      .messages(STREAMS.deadLetters)
      .filter((m) => m.subject.endsWith(`.${NOT_PUBLISHED_BY_AGENCY}`));
    // Each agency the copies reach refuses them (commerce's own desk too: it reads its subjects).
    const by = (to: string) =>
      refused
        .filter((m) => m.headers?.get("Liandong-Original-Subject").endsWith(to))
        .map((m) => m.subject.split(".")[2])
        .toSorted();
    expect(by(".health")).toEqual(["commerce", "health"]);
    expect(by(".public-security")).toEqual(["commerce", "public-security"]);
    // Why, by the catalogue's code, the publisher named as a person reads it (not its code).
    const why = (to: string) =>
      refused
        .filter((m) => m.headers?.get("Liandong-Original-Subject").endsWith(to))
        .map((m) => [
          m.headers?.get("Liandong-Dlq-Refusal"),
          m.headers?.get("Liandong-Dlq-Detail"),
        ]);
    for (const [code, detail] of why(".health")) {
      expect(code).toBe("seal.not-verified");
      expect(detail).toContain("封印与阳东县（441723）工商行政管理部门（市场监管）的公钥不符");
    }
    for (const [code, detail] of why(".public-security")) {
      expect(code).toBe("seal.missing");
      expect(detail).toContain("未经工商行政管理部门（市场监管）的发布者封印");
    }
    for (const agency of ["health", "public-security"]) {
      const inbox = await county.as(agency).get<Inbox>("/inbox");
      expect(inbox.body.items.map((i) => i.leadId)).toEqual([r.body.leadId]);
    }
  });
});
