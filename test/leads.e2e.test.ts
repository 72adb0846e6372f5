// Lead sharing end to end through HTTP: scenarios S1 and S3 (steps 1–2), duplicate linking,
// authentication, bad input, and a forged event straight onto the bus.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { DEFAULT_AGENCIES, STREAMS } from "@liandong/contracts";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
let county: TestCounty;
let admin: NatsConnection;

beforeAll(async () => {
  county = await startTestCounty({
    routing: {
      "public-tip": ["public-security", "health"],
      "neighbour-county": ["health", "womens-federation"],
    },
    // An agency added by configuration alone: no code of its own.
    agencies: [
      ...DEFAULT_AGENCIES,
      { code: "womens-federation", name: "妇女联合会", shortName: "妇联" },
    ],
  });
  admin = await county.admin();
});
afterAll(async () => {
  await admin?.close();
  await county?.cleanup();
});

const s1Lead = {
  source: "record-audit",
  violations: ["sex-selective-termination"],
  target: { kind: "institution", name: "阳西县某镇卫生院", unit: "产科", county: "441723" },
  summary: "同一姓名一年内五次引产记录",
  evidence: [{ ref: "health:archive/2026/0042.pdf", sha256: sha("0042") }],
};

type Inbox = {
  items: {
    leadId: string;
    from: string;
    lead: Record<string, unknown>;
    linkedTo: string[];
    status: string;
  }[];
  total: number;
};

async function inboxHas(agency: string, leadId: string) {
  return eventually(async () => {
    const r = await county.as(agency).get<Inbox>("/inbox");
    return r.body.items.find((i) => i.leadId === leadId);
  });
}

/** Every message of a stream, as bytes. */
async function streamBytes(nc: NatsConnection, stream: string): Promise<string[]> {
  const js = jetstream(nc);
  const c = await js.consumers.get(stream);
  const info = await c.info(true);
  const out: string[] = [];
  if (info.num_pending === 0) return out;
  const it = await c.consume();
  for await (const m of it) {
    out.push(new TextDecoder().decode(m.data));
    if (m.info.pending === 0) break;
  }
  return out;
}

describe("S1 同名五次引产: health's record audit reaches public-security and family-planning", () => {
  let leadId: string;

  it("health registers the lead and is told whom it was shared with", async () => {
    const r = await county
      .as("health")
      .post<{ leadId: string; sharedWith: string[] }>("/leads", s1Lead);
    expect(r.status).toBe(201);
    expect(r.body.sharedWith).toEqual(["public-security", "family-planning"]);
    leadId = r.body.leadId;
    const own = await county
      .as("health")
      .get<{ status: string; sharedWith: string[] }>(`/leads/${leadId}`);
    expect(own.body).toMatchObject({
      status: "open",
      sharedWith: ["public-security", "family-planning"],
    });
  });

  it("each recipient's inbox lists it once, from health; agencies not routed see nothing", async () => {
    for (const agency of ["public-security", "family-planning"]) {
      const item = await inboxHas(agency, leadId);
      expect(item.from).toBe("health");
      expect(item.lead).toMatchObject({
        source: "record-audit",
        target: { name: "阳西县某镇卫生院" },
      });
      const all = await county.as(agency).get<Inbox>("/inbox");
      expect(all.body.items.filter((i) => i.leadId === leadId)).toHaveLength(1);
    }
    // Give the bus time to (wrongly) deliver, then check nobody else got it.
    await new Promise((r) => setTimeout(r, 300));
    for (const agency of ["drug-regulation", "commerce", "health"]) {
      const r = await county.as(agency).get<Inbox>("/inbox");
      expect(r.body.items.map((i) => i.leadId)).not.toContain(leadId);
    }
  });

  it("health's head of the lead goes to its bucket once, as its last copy is observed", async () => {
    const kv = await new Kvm(admin).open("agency_health");
    const key = `head.lead.${leadId}`;
    const head = await eventually(async () => (await kv.get(key))?.json<{ seq: number }>());
    const revisions: number[] = [];
    for await (const e of await kv.history({ key })) revisions.push(e.revision);
    expect(revisions).toHaveLength(1);
    // The last copy: nothing of the lead's is newer on the stream.
    const last = await jetstreamManager(admin).then((m) =>
      m.streams.getMessage(STREAMS.events, {
        last_by_subj: `ld.ev.441723.health.lead.${leadId}.family-planning`,
      }),
    );
    expect(head.seq).toBe(last?.seq);
  });

  it("a second lead about the same target is linked to the first, not silently duplicated", async () => {
    const r = await county
      .as("health")
      .post<{ leadId: string; possibleDuplicateOf?: string }>("/leads", {
        ...s1Lead,
        target: { ...s1Lead.target, name: "阳西县某镇卫生院 " },
        summary: "复查发现同名引产记录",
      });
    expect(r.status).toBe(201);
    expect(r.body.possibleDuplicateOf).toBe(leadId);
    const item = await eventually(async () => {
      const i = await inboxHas("public-security", r.body.leadId);
      return i.linkedTo.includes(leadId) ? i : undefined;
    });
    expect(item.linkedTo).toEqual([leadId]);
  });

  it("the office tracks it", async () => {
    const r = await eventually(async () => {
      const res = await county.as("office").get<{ deliveredTo: string[] }>(`/leads/${leadId}`);
      return res.status === 200 && res.body.deliveredTo.length === 2 ? res : undefined;
    });
    expect(r.body).toMatchObject({ originator: "health", source: "record-audit", status: "open" });
  });
});

describe("撤销线索: the originator dismisses a lead it shared", () => {
  const recipients = ["public-security", "family-planning"];
  let leadId: string;
  const dismissal = (agency: string, body: string, id = leadId) =>
    county.as(agency).raw(`/leads/${id}/dismissal`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });

  it("a lead shared with two agencies is open everywhere", async () => {
    const r = await county.as("health").post<{ leadId: string; sharedWith: string[] }>("/leads", {
      ...s1Lead,
      target: { ...s1Lead.target, name: "阳西县某民营医院" },
      summary: "引产记录与出生登记不符",
    });
    expect(r.status).toBe(201);
    expect(r.body.sharedWith).toEqual(recipients);
    leadId = r.body.leadId;
    for (const agency of recipients) {
      expect((await inboxHas(agency, leadId)).status).toBe("open");
    }
  });

  it("without a reason: 422 naming the field, and the lead stays open", async () => {
    for (const body of ["{}", JSON.stringify({ reason: "   " }), JSON.stringify({ reason: 7 })]) {
      const r = await dismissal("health", body);
      expect(r.status, body).toBe(422);
      expect(r.type, body).toContain("application/problem+json");
      expect(r.body, body).toMatchObject({ status: 422, errors: [{ field: "reason" }] });
    }
    const own = await county.as("health").get<{ status: string }>(`/leads/${leadId}`);
    expect(own.body.status).toBe("open");
  });

  it("another agency cannot dismiss it: not its lead at its own desk (404), not its desk (403)", async () => {
    const body = JSON.stringify({ reason: "越权撤销" });
    // A recipient holds the lead in its inbox, not among its own leads.
    const atOwnDesk = await dismissal("public-security", body);
    expect(atOwnDesk.status).toBe(404);
    expect(atOwnDesk.type).toContain("application/problem+json");
    // Its officer's token at the originator's desk.
    const atHealth = await county.as("health").raw(`/leads/${leadId}/dismissal`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${county.as("public-security").token}`,
      },
    });
    expect(atHealth.status).toBe(403);
    expect(atHealth.type).toContain("application/problem+json");
    const own = await county.as("health").get<{ status: string }>(`/leads/${leadId}`);
    expect(own.body.status).toBe("open");
    const item = await county.as("public-security").get<{ status: string }>(`/inbox/${leadId}`);
    expect(item.body.status).toBe("open");
  });

  it("the originator dismisses it with a reason: the lead is dismissed, on the bus, and in each recipient's inbox", async () => {
    const r = await dismissal("health", JSON.stringify({ reason: "  经核实为重复登记  " }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      leadId,
      originator: "health",
      status: "dismissed",
      sharedWith: recipients,
    });
    const own = await county.as("health").get<{ status: string }>(`/leads/${leadId}`);
    expect(own.body.status).toBe("dismissed");
    const listed = await county
      .as("health")
      .get<{ items: { leadId: string }[] }>("/leads?status=dismissed");
    expect(listed.body.items.map((l) => l.leadId)).toContain(leadId);

    // On the bus: health's own event of the lead, by the officer, with the reason as trimmed.
    const jsm = await jetstreamManager(admin);
    const stored = await jsm.streams.getMessage(STREAMS.events, {
      last_by_subj: `ld.ev.441723.health.lead.${leadId}._`,
    });
    expect(stored?.header.get("Liandong-Event-Type")).toBe("lead.dismissed");
    expect(stored?.json()).toMatchObject({
      agency: "health",
      actor: "health.liaison",
      data: { leadId, reason: "经核实为重复登记" },
    });

    // Each recipient's inbox marks it dismissed (the originator fans the dismissal out to them).
    for (const agency of recipients) {
      const item = await eventually(async () => {
        const i = await county.as(agency).get<{ status: string }>(`/inbox/${leadId}`);
        return i.body.status === "dismissed" ? i : undefined;
      });
      expect(item.status, agency).toBe(200);
      const open = await county.as(agency).get<Inbox>("/inbox?status=open&limit=500");
      expect(
        open.body.items.map((i) => i.leadId),
        agency,
      ).not.toContain(leadId);
      const dismissed = await county.as(agency).get<Inbox>("/inbox?status=dismissed&limit=500");
      expect(
        dismissed.body.items.map((i) => i.leadId),
        agency,
      ).toContain(leadId);
    }
    // And the office, which tracks every lead.
    await eventually(async () => {
      const o = await county.as("office").get<{ status: string }>(`/leads/${leadId}`);
      return o.body.status === "dismissed" ? o : undefined;
    });
  });

  it("dismissing it again: 409, the lead as it stands", async () => {
    const r = await dismissal("health", JSON.stringify({ reason: "再次撤销" }));
    expect(r.status).toBe(409);
    expect(r.type).toContain("application/problem+json");
    expect(r.body).toMatchObject({ status: 409, current: { leadId, status: "dismissed" } });
  });
});

describe("S3 群众举报: the informant stays sealed in family-planning", () => {
  const informant = {
    name: "李某某",
    phone: "13912345678",
    idNumber: "44172319800101123X",
    rewardEligible: true,
  };

  it("the shared lead says only that a reward-eligible informant is on file", async () => {
    const r = await county
      .as("family-planning")
      .post<{ leadId: string; sharedWith: string[]; informantRef: string }>("/leads", {
        source: "public-tip",
        violations: ["illegal-sex-determination"],
        target: { kind: "person", name: "沿海某镇个体医生", county: "441723" },
        summary: "群众举报：在家中用私购B超做胎儿性别鉴定",
        informant,
      });
    expect(r.status).toBe(201);
    expect(r.body.sharedWith).toEqual(["public-security", "health"]);
    for (const agency of ["public-security", "health"]) {
      const item = await inboxHas(agency, r.body.leadId);
      expect(item.lead.informant).toEqual({ ref: r.body.informantRef, rewardEligible: true });
      expect(JSON.stringify(item)).not.toContain(informant.phone);
    }
  });

  it("no shared stream carries the informant's name, phone or ID number", async () => {
    const jsm = await jetstreamManager(admin);
    const streams: string[] = [];
    for await (const s of jsm.streams.list()) {
      if (!s.config.name.startsWith("KV_")) streams.push(s.config.name);
    }
    expect(streams).toContain("EVENTS");
    for (const s of streams) {
      const text = (await streamBytes(admin, s)).join("\n");
      for (const secret of [informant.name, informant.phone, informant.idNumber]) {
        expect(text.includes(secret), `${s} contains ${secret}`).toBe(false);
      }
    }
  });
});

describe("an agency added by configuration", () => {
  it("runs its own desk and receives what the routing table sends it", async () => {
    const r = await county.as("commerce").post<{ leadId: string; sharedWith: string[] }>("/leads", {
      source: "neighbour-county",
      violations: ["intermediary"],
      target: { kind: "person", name: "中介人员某某", county: "441723" },
      summary: "邻县通报：该人员介绍孕妇前往外地做胎儿性别鉴定",
    });
    expect(r.body.sharedWith).toEqual(["health", "womens-federation"]);
    const item = await inboxHas("womens-federation", r.body.leadId);
    expect(item.from).toBe("commerce");
  });
});

describe("health, readiness and metrics", () => {
  it("every service answers /healthz and /readyz, and counts what it did in /metrics", async () => {
    for (const [agency, url] of Object.entries(county.urls)) {
      for (const path of ["/healthz", "/readyz"]) {
        const r = await county
          .as(agency)
          .raw(path, { method: "GET", headers: { authorization: "" } });
        expect(r.status, `${agency}${path}`).toBe(200);
        expect(r.body, `${agency}${path}`).toMatchObject({ status: "ok", service: agency });
      }
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    const m = await county.as("health").raw("/metrics", { method: "GET" });
    expect(m.status).toBe(200);
    expect(String(m.body.text)).toMatch(
      /liandong_events_published_total\{[^}]*type="lead.reported"[^}]*\} [1-9]/,
    );
    expect(String(m.body.text)).toContain("liandong_http_requests_total");
  });
});

describe("authentication", () => {
  it("no or a wrong token is 401; another agency's token is 403", async () => {
    const health = county.as("health");
    const none = await health.raw("/inbox", { method: "GET", headers: { authorization: "" } });
    expect(none.status).toBe(401);
    expect(none.type).toContain("application/problem+json");
    const wrong = await health.raw("/inbox", {
      method: "GET",
      headers: { authorization: "Bearer nope" },
    });
    expect(wrong.status).toBe(401);
    const other = await health.raw("/inbox", {
      method: "GET",
      headers: { authorization: `Bearer ${county.as("public-security").token}` },
    });
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ status: 403 });
  });

  it("every operation of the agencies' API refuses a request without a token", async () => {
    const doc = JSON.parse(
      readFileSync(new URL("../contracts/generated/openapi.json", import.meta.url), "utf8"),
    ) as { paths: Record<string, Record<string, unknown>> };
    const open = new Set(["/healthz", "/readyz", "/metrics"]);
    const refused: string[] = [];
    const checked: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (open.has(path)) continue;
      const url = path.replace(/\{[^}]+\}/g, "00000000-0000-4000-8000-000000000000");
      for (const method of Object.keys(ops)) {
        const r = await county.as("health").raw(url, {
          method: method.toUpperCase() as "GET" | "POST",
          headers: { authorization: "", "content-type": "application/json" },
          ...(method === "get" ? {} : { body: "{}" }),
        });
        checked.push(`${method} ${path}`);
        if (r.status !== 401) refused.push(`${method} ${path} → ${r.status}`);
      }
    }
    expect(checked.length).toBeGreaterThan(20);
    expect(checked).toContain("post /consents/{referralId}/decision");
    expect(refused).toEqual([]);
  });
});

describe("bad input gets a problem naming the field", () => {
  const post = (body: string, type = "application/json") =>
    county
      .as("health")
      .raw("/leads", { method: "POST", body, headers: { "content-type": type }, close: true });

  it("malformed JSON: 400", async () => {
    const r = await post('{"source": ');
    expect(r.status).toBe(400);
    expect(r.type).toContain("application/problem+json");
    expect(r.body).toMatchObject({ status: 400, errors: [{ field: "body" }] });
  });

  it("wrong types: 422 naming each field", async () => {
    const r = await post(
      JSON.stringify({ ...s1Lead, violations: "sex-selective-termination", summary: 42 }),
    );
    expect(r.status).toBe(422);
    const fields = (r.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["violations", "summary"]));
  });

  it("unknown county code: 422 naming target.county", async () => {
    for (const code of ["999999", "130102"]) {
      const r = await post(
        JSON.stringify({ ...s1Lead, target: { ...s1Lead.target, county: code } }),
      );
      expect(r.status).toBe(422);
      expect((r.body.errors as { field: string }[]).map((e) => e.field)).toContain("target.county");
    }
  });

  it("a bad query parameter: 422 naming it", async () => {
    const r = await county.as("health").get<{ errors: { field: string }[] }>("/inbox?limit=0");
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e) => e.field)).toEqual(["limit"]);
  });

  it("oversize body: 413; not JSON: 415", async () => {
    const big = await post(JSON.stringify({ ...s1Lead, summary: "x".repeat(300_000) }));
    expect(big.status).toBe(413);
    expect(big.type).toContain("application/problem+json");
    const text = await post("source=record-audit", "application/x-www-form-urlencoded");
    expect(text.status).toBe(415);
  });

  it("a chunked body (no length declared) is counted as it comes: within the limit it registers, past it 413", async () => {
    async function* chunked(text: string, pieces: number) {
      const bytes = new TextEncoder().encode(text);
      const step = Math.ceil(bytes.length / pieces);
      for (let i = 0; i < bytes.length; i += step) yield bytes.subarray(i, i + step);
    }
    const send = (text: string) =>
      county.as("health").raw("/leads", {
        method: "POST",
        body: Readable.from(chunked(text, 4)),
        headers: { "content-type": "application/json" },
        close: true,
      });
    const ok = await send(JSON.stringify({ ...s1Lead, summary: "分块发送" }));
    expect(ok.status).toBe(201);
    const big = await send(JSON.stringify({ ...s1Lead, summary: "x".repeat(300_000) }));
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ status: 413, errors: [{ field: "body" }] });
  });

  it("a retried registration with the same Idempotency-Key returns the first result", async () => {
    const h = { "idempotency-key": "retry-1" };
    const first = await county
      .as("health")
      .post<{ leadId: string }>("/leads", { ...s1Lead, summary: "重试" }, h);
    const again = await county
      .as("health")
      .post<{ leadId: string }>("/leads", { ...s1Lead, summary: "重试" }, h);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.leadId).toBe(first.body.leadId);
  });
});

describe("an invalid event published straight onto the bus", () => {
  it("is dead-lettered by the addressee with its reason; the service keeps running", async () => {
    const { connectBus } = await import("@liandong/runtime");
    const { join } = await import("node:path");
    const health = await connectBus({
      servers: county.natsUrl,
      agency: "health",
      seedFile: join(county.stateDir, "secrets", "health.nk"),
    });
    const js = jetstream(health);
    const id = "9b0c7d3e-0000-4000-8000-000000000001";
    await js.publish(`ld.ev.441723.health.lead.${id}.public-security`, "{definitely not json", {
      msgID: `health:junk-1`,
    });
    await js.publish(
      `ld.ev.441723.health.lead.${id}.public-security`,
      JSON.stringify({ type: "lead.teleported" }),
      { msgID: `health:junk-2` },
    );
    await health.close();

    const jsm = await jetstreamManager(admin);
    const reasons = await eventually(async () => {
      const found: string[] = [];
      const c = await jetstream(admin).consumers.get("DLQ", {
        filter_subjects: "ld.dlq.public-security.>",
      });
      const info = await c.info(true);
      if (info.num_pending < 2) return undefined;
      const it = await c.consume();
      for await (const m of it) {
        found.push(m.headers?.get("Liandong-Dlq-Reason") ?? "");
        if (m.info.pending === 0) break;
      }
      return found;
    });
    expect(reasons).toEqual(expect.arrayContaining(["malformed-json", "invalid-envelope"]));
    expect((await jsm.streams.info("DLQ")).state.messages).toBeGreaterThanOrEqual(2);
    const ready = await county.as("public-security").get("/readyz");
    expect(ready.status).toBe(200);
  });
});
