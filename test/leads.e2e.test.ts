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
  target: { kind: "institution", name: "阳东县某镇卫生院", unit: "产科", county: "441723" },
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
        target: { name: "阳东县某镇卫生院" },
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
        target: { ...s1Lead.target, name: "阳东县某镇卫生院 " },
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
      target: { ...s1Lead.target, name: "阳东县某民营医院" },
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

describe("plausible input, decided by the domain: refused 422 naming the field, nothing stored", () => {
  const register = (body: string, headers: Record<string, string> = {}) =>
    county.as("health").raw("/leads", {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });
  const fields = (r: { body: Record<string, unknown> }) =>
    ((r.body.errors ?? []) as { field: string }[]).map((e) => e.field);
  /** What health holds and shares: its leads, and what reached the agencies it shares with. */
  const holdings = async () => ({
    leads: (await county.as("health").get<{ total: number }>("/leads?limit=1")).body.total,
    inbox: (await county.as("public-security").get<{ total: number }>("/inbox?limit=1")).body.total,
  });

  it("an observedAt in 2099, or before 2000: 422 naming observedAt; nothing recorded or shared", async () => {
    const before = await holdings();
    for (const observedAt of ["2099-01-01T00:00:00+08:00", "1999-12-31T00:00:00Z"]) {
      const r = await register(JSON.stringify({ ...s1Lead, summary: "时间不合理", observedAt }));
      expect(r.status, observedAt).toBe(422);
      expect(r.type).toContain("application/problem+json");
      expect(fields(r), observedAt).toEqual(["observedAt"]);
    }
    const recent = new Date(Date.now() - 86_400_000).toISOString();
    const ok = await register(
      JSON.stringify({ ...s1Lead, summary: "昨天发现", observedAt: recent }),
    );
    expect(ok.status).toBe(201);
    // Only the plausible one was recorded, and only it reaches a recipient.
    await eventually(async () => {
      const now = await holdings();
      return now.inbox === before.inbox + 1 ? now : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(await holdings()).toEqual({ leads: before.leads + 1, inbox: before.inbox + 1 });
  });

  it("a summary of zero-width spaces, or with a lone surrogate: 422 naming summary", async () => {
    const before = await holdings();
    for (const summary of ["\u200B\u200B\u200B", "\u200C\u2060\uFEFF \u200D", "\u3000\t"]) {
      const r = await register(JSON.stringify({ ...s1Lead, summary }));
      expect(r.status, JSON.stringify(summary)).toBe(422);
      expect(fields(r)).toEqual(["summary"]);
    }
    // Written as an escape: a lone surrogate survives JSON, not UTF-8.
    const lone = JSON.stringify({ ...s1Lead, summary: "SUMMARY" }).replace(
      "SUMMARY",
      "举报\\ud800",
    );
    const r = await register(lone);
    expect(r.status).toBe(422);
    expect(fields(r)).toEqual(["summary"]);
    const name = JSON.stringify({ ...s1Lead, target: { ...s1Lead.target, name: "\u200B" } });
    expect(fields(await register(name))).toEqual(["target.name"]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await holdings()).toEqual(before);
  });

  it("text is stored in NFC, trimmed", async () => {
    const r = await register(JSON.stringify({ ...s1Lead, summary: "  Cafe\u0301 诊所  " }));
    expect(r.status).toBe(201);
    const lead = await county.as("health").get<{ summary: string }>(`/leads/${r.body.leadId}`);
    expect(lead.body.summary).toBe("Caf\u00e9 诊所");
  });

  it("an Idempotency-Key over 100 characters, or with a space: 422 naming it, on every route", async () => {
    const before = await holdings();
    for (const key of ["k".repeat(101), "two words"]) {
      const r = await register(JSON.stringify(s1Lead), { "idempotency-key": key });
      expect(r.status, key).toBe(422);
      expect(r.type).toContain("application/problem+json");
      expect(fields(r)).toEqual(["Idempotency-Key"]);
      const offer = await county.as("health").raw("/referrals", {
        method: "POST",
        body: JSON.stringify({
          to: "public-security",
          about: { kind: "lead", id: crypto.randomUUID() },
          reason: "核查",
        }),
        headers: { "content-type": "application/json", "idempotency-key": key },
      });
      expect(offer.status, key).toBe(422);
      expect(fields(offer)).toEqual(["Idempotency-Key"]);
    }
    const at100 = await register(JSON.stringify({ ...s1Lead, summary: "一百个字符的键" }), {
      "idempotency-key": "k".repeat(100),
    });
    expect(at100.status).toBe(201);
    expect((await holdings()).leads).toBe(before.leads + 1);
  });

  it("the same Idempotency-Key with another body: 422 naming the key, not the first result", async () => {
    const h = { "idempotency-key": `reuse-${crypto.randomUUID()}` };
    const first = await register(JSON.stringify({ ...s1Lead, summary: "第一次登记" }), h);
    expect(first.status).toBe(201);
    // The same request again, written differently (spacing, key order): the first result.
    const { summary: _s, ...rest } = s1Lead;
    const again = await register(JSON.stringify({ summary: "第一次登记", ...rest }, null, 2), h);
    expect(again.status).toBe(200);
    expect(again.body.leadId).toBe(first.body.leadId);
    const before = await holdings();
    const other = await register(JSON.stringify({ ...s1Lead, summary: "另一条线索" }), h);
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ status: 422, errors: [{ field: "Idempotency-Key" }] });
    expect(other.body.leadId).toBeUndefined();
    const stored = await county
      .as("health")
      .get<{ summary: string }>(`/leads/${first.body.leadId}`);
    expect(stored.body.summary).toBe("第一次登记");
    expect(await holdings()).toEqual(before);
  });

  it("a body that is not JSON on a step whose body is optional (acceptance): refused, the referral stays offered", async () => {
    const lead = await register(JSON.stringify({ ...s1Lead, summary: "待移交" }));
    const o = await county.as("health").post<{ referralId: string }>("/referrals", {
      to: "public-security",
      about: { kind: "lead", id: lead.body.leadId },
      reason: "请核查",
    });
    expect(o.status).toBe(201);
    const id = o.body.referralId;
    const ps = county.as("public-security");
    await eventually(async () => {
      const r = await ps.get<{ status: string }>(`/referrals/${id}`);
      return r.status === 200 ? r : undefined;
    });
    const accept = (body: string, type?: string) =>
      ps.raw(`/referrals/${id}/acceptance`, {
        method: "POST",
        body,
        headers: type ? { "content-type": type } : {},
      });
    const form = await accept("accept=yes", "application/x-www-form-urlencoded");
    expect(form.status).toBe(415);
    expect(form.type).toContain("application/problem+json");
    expect(fields(form)).toEqual(["content-type"]);
    const text = await accept("yes please", "text/plain");
    expect(text.status).toBe(415);
    const broken = await accept("{accept", "application/json");
    expect(broken.status).toBe(400);
    expect(fields(broken)).toEqual(["body"]);
    const still = await ps.get<{ status: string; history: unknown[] }>(`/referrals/${id}`);
    expect(still.body).toMatchObject({ status: "offered" });
    expect(still.body.history).toHaveLength(1);
    // Without a body, or with a JSON one, it is taken.
    const empty = await ps.raw(`/referrals/${id}/acceptance`, { method: "POST" });
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ status: "accepted" });
  });
});
