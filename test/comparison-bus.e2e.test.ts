// 数据比对 on the county's bus, end to end, on real processes (`npm run up`'s launcher): each
// holder imports its registers at its own desk; a run at a desk hands the comparison service
// (launched with the county, its own identity and OPRF key) pseudonyms and facts only; the rules
// run there; each agency registers the findings it originates as leads, routed by the routing
// table; a run again makes no second lead. Then the holder names its own side of a finding, on
// the record, and another agency cannot.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  ComparisonRunAnswer,
  Envelope,
  InboxItem,
  LeadView,
  RegisterName,
} from "@liandong/contracts";
import { agencyBucket, STREAMS } from "@liandong/contracts";
import { type Generated, generateRegisters } from "@liandong/domain/testing";
import { readPresent } from "@liandong/runtime";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, loginPage } from "./support/browser.ts";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

let county: TestCounty;
let g: Generated;
/** Where the comparison service writes its heap snapshot when asked (SIGUSR2). */
const snapshots = mkdtempSync(join(tmpdir(), "liandong-match-heap-"));
const HOLDER: Record<Exclude<RegisterName, "permit">, string> = {
  ultrasound: "health",
  delivery: "health",
  termination: "health",
  "follow-up": "family-planning",
  approval: "family-planning",
  "drug-sale": "drug-regulation",
};

/** A register's rows as a department system's CSV, its columns named as the fields. */
function csvOf(rows: readonly Record<string, unknown>[]): { csv: string; fields: string[] } {
  const fields = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (v === undefined ? "" : String(v));
  return {
    fields,
    csv: [fields.join(","), ...rows.map((r) => fields.map((f) => cell(r[f])).join(","))].join("\n"),
  };
}

beforeAll(async () => {
  // The launcher hands its environment on: the comparison service learns where to write.
  process.env.LIANDONG_HEAP_SNAPSHOT_DIR = snapshots;
  county = await startTestCounty();
  delete process.env.LIANDONG_HEAP_SNAPSHOT_DIR;
  g = generateRegisters({ perRegister: 240, planted: 3, seed: 23 });
  for (const [register, holder] of Object.entries(HOLDER)) {
    const rows = g.registers[register as keyof typeof HOLDER] as Record<string, unknown>[];
    for (let i = 0; i < rows.length; i += 200) {
      const { csv, fields } = csvOf(rows.slice(i, i + 200));
      const r = await county.as(holder).post(`/registers/${register}/imports`, {
        mapping: Object.fromEntries(fields.map((f) => [f, f])),
        content: Buffer.from(csv, "utf8").toString("base64"),
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.refused).toEqual([]);
    }
  }
}, 180_000);

afterAll(async () => {
  await county?.cleanup();
  rmSync(snapshots, { recursive: true, force: true });
});

const run = (agency: string, submit = true) =>
  county.as(agency).post<ComparisonRunAnswer>("/comparison/runs", { submit });

/** The record references on a lead's summary (`记录号<ref>`). */
const refsOf = (summary: string) =>
  [...summary.matchAll(/记录号([0-9a-f]{32})/g)].map((m) => m[1]!);

describe("comparison on the bus", () => {
  const leads = new Map<string, string>();

  it("finds every planted case from pseudonyms and facts only, each a lead routed by the routing table", async () => {
    // Each agency hands its facts over; then each asks again for what it originates, once every
    // holder's facts are in.
    for (const a of ["health", "family-planning", "drug-regulation"]) {
      const r = await run(a);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.submitted).toBeGreaterThan(0);
    }
    const answers = await Promise.all(
      ["health", "family-planning", "drug-regulation"].map(async (a) => {
        const r = await run(a, false);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        return [a, r.body] as const;
      }),
    );
    const byRule = { "family-planning": 0, health: 0, "drug-regulation": 0 } as Record<
      string,
      number
    >;
    for (const [a, body] of answers) {
      expect(body.holders).toMatchObject({
        health: expect.any(Number),
        "family-planning": expect.any(Number),
        "drug-regulation": g.registers["drug-sale"].length,
      });
      for (const x of [...body.registered, ...body.duplicates]) leads.set(x.key, x.leadId);
      byRule[a] = body.registered.length + body.duplicates.length;
    }
    const want = (rule: string) => g.expected.filter((e) => e.rule === rule).length;
    expect(byRule).toEqual({
      "family-planning": want("pregnancy-disappeared"),
      health: want("unapproved-termination"),
      "drug-regulation": want("prescriber-overdose"),
    });
    // The keys name the conception days the generator planted, by pseudonym only.
    const days = [...leads.keys()]
      .filter((k) => !k.startsWith("prescriber-overdose"))
      .map((k) => `${k.split(":")[0]} ${k.slice(k.lastIndexOf(":") + 1)}`)
      .sort();
    expect(days).toEqual(
      g.expected
        .filter((e) => e.rule !== "prescriber-overdose")
        .map((e) => `${e.rule} ${e.at}`)
        .sort(),
    );
    // 孕情消失 leads of family planning reach health's inbox through the routing table.
    const fpLeads = [...leads].filter(([k]) => k.startsWith("pregnancy-disappeared"));
    await eventually(async () => {
      const inbox = await county.as("health").get<{ items: InboxItem[] }>("/inbox?limit=500");
      const ids = new Set(inbox.body.items.map((i) => i.leadId));
      return fpLeads.every(([, id]) => ids.has(id)) || undefined;
    }, 20_000);
  }, 240_000);

  it("makes no second lead when the rules fire again for the same person and pregnancy", async () => {
    for (const a of ["health", "family-planning", "drug-regulation"]) {
      const r = await run(a);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.registered).toEqual([]);
      for (const d of r.body.duplicates) expect(leads.get(d.key)).toBe(d.leadId);
    }
    const fp = await county.as("family-planning").get<{ total: number }>("/leads?limit=500");
    expect(fp.body.total).toBe(g.expected.filter((e) => e.rule === "pregnancy-disappeared").length);
  }, 240_000);

  it("lets the holder name its own side of a finding, on the record, and no other agency", async () => {
    const [key, leadId] = [...leads].find(([k]) => k.startsWith("pregnancy-disappeared"))!;
    const lead = await county.as("family-planning").get<LeadView>(`/leads/${leadId}`);
    expect(lead.status).toBe(200);
    const refs = refsOf(lead.body.summary);
    expect(refs.length).toBeGreaterThan(0);
    const planted = new Set(
      g.expected.filter((e) => e.rule === "pregnancy-disappeared").map((e) => e.who),
    );
    const named: { agency: string; ref: string; idNumber: string }[] = [];
    for (const ref of refs) {
      const tries = await Promise.all(
        ["health", "family-planning", "drug-regulation"].map(async (a) => {
          const r = await county
            .as(a)
            .post<{ row: { idNumber: string } }>(`/comparison/records/${ref}/identification`, {
              reason: "核查孕情消失线索",
            });
          return { a, r };
        }),
      );
      const ok = tries.filter((t) => t.r.status === 200);
      // Exactly one agency holds the row behind a reference; every other is told it has none.
      expect(ok, key).toHaveLength(1);
      for (const t of tries.filter((t) => t.r.status !== 200)) expect(t.r.status).toBe(404);
      named.push({ agency: ok[0]!.a, ref, idNumber: ok[0]!.r.body.row.idNumber });
    }
    // Every side names the same woman, one of those planted.
    expect(new Set(named.map((n) => n.idNumber)).size).toBe(1);
    expect(planted.has(named[0]!.idNumber)).toBe(true);
    // An officer and a reason without a body are refused, naming the field.
    const bad = await county
      .as(named[0]!.agency)
      .post(`/comparison/records/${named[0]!.ref}/identification`, {});
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain("reason");

    // On the record: who named which row and why, and nothing of the person.
    const nc = await county.admin();
    try {
      const events: Envelope[] = [];
      for await (const e of readPresent(nc, STREAMS.events, {
        namePrefix: "test",
        filterSubjects: ["ld.ev.441723.*.comparison.>"],
      })) {
        const env = JSON.parse(Buffer.from(e.bytes).toString()) as Envelope;
        if (env.type === "comparison.reidentified") events.push(env);
      }
      expect(events.map((e) => [e.agency, (e.data as { ref: string }).ref]).sort()).toEqual(
        named.map((n) => [n.agency, n.ref]).sort(),
      );
      for (const e of events) {
        expect(e.actor).toBe(`${e.agency}.liaison`);
        expect(e.data).toMatchObject({ reason: "核查孕情消失线索" });
        expect(JSON.stringify(e)).not.toContain(named[0]!.idNumber);
      }
    } finally {
      await nc.close();
    }
  }, 120_000);

  it("holds the registers' identities only in each holder's own register: not in any other stream, bucket, log, file, nor in the comparison service's memory", async () => {
    const people = [
      ...g.registers.ultrasound,
      ...g.registers.delivery,
      ...g.registers.termination,
      ...g.registers["follow-up"],
      ...g.registers.approval,
    ];
    const needles = [...new Set(people.flatMap((r) => [r.idNumber ?? "", r.name]))].filter(Boolean);
    const own = new Set(["health", "family-planning"].map((a) => `KV_${agencyBucket(a)}`));

    // The comparison service's memory: a heap snapshot of it, holding every holder's facts.
    const lock = JSON.parse(readFileSync(join(county.stateDir, "county.lock"), "utf8")) as {
      children: { name: string; pgid: number }[];
    };
    const pid = lock.children.find((c) => c.name === "comparison")!.pgid;
    process.kill(pid, "SIGUSR2");
    const snapshot = join(snapshots, `comparison-${pid}.heapsnapshot`);
    await eventually(async () => existsSync(snapshot) || undefined, 60_000);
    const heap = (JSON.parse(readFileSync(snapshot, "utf8")) as { strings: string[] }).strings.join(
      "\n",
    );
    // It does hold what it was given: the pseudonyms of the findings' keys.
    const pseudonym = [...leads.keys()].find((k) => k.startsWith("pregnancy"))!.split(":")[1]!;
    expect(heap).toContain(pseudonym);

    // Every message of every stream, the buckets' too, as admin.
    const admin = await county.admin();
    const streams = new Map<string, string>();
    try {
      const jsm = await jetstreamManager(admin);
      for await (const st of jsm.streams.list()) {
        if (st.state.messages === 0) continue;
        const c = await jetstream(admin).consumers.get(st.config.name);
        let text = "";
        for await (const m of await c.consume()) {
          text += `${m.subject} ${new TextDecoder().decode(m.data)}\n`;
          if (m.info.pending === 0) break;
        }
        streams.set(st.config.name, text);
      }
    } finally {
      await admin.close();
    }
    // Every file of the county: JetStream's data, the services' logs, the launcher's files.
    const files: [string, string][] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else files.push([p, readFileSync(p).toString("utf8")]);
      }
    };
    walk(county.stateDir);
    expect(files.some(([p]) => p.includes("/logs/"))).toBe(true);

    const hits = (text: string) => needles.filter((n) => text.includes(n));
    const elsewhere: string[] = [];
    for (const n of hits(heap)) elsewhere.push(`${n} @ comparison's heap`);
    for (const [name, text] of streams)
      if (!own.has(name)) for (const n of hits(text)) elsewhere.push(`${n} @ stream ${name}`);
    for (const [path, text] of files)
      if (![...own].some((o) => path.includes(`/${o}/`)))
        for (const n of hits(text)) elsewhere.push(`${n} @ ${path}`);
    expect(elsewhere).toEqual([]);
    // The scan sees what is there: every identity is in its holder's own register.
    const registers = [...own].map((o) => streams.get(o) ?? "").join("\n");
    expect(hits(registers).length).toBe(needles.length);
  }, 180_000);

  it("shows the office the county's findings by month and rule, with the leads they made, and nothing that names anyone", async () => {
    const want = (rule: string) => g.expected.filter((e) => e.rule === rule).length;
    type Page = {
      months: { month: string; total: number; byRule: Record<string, number> }[];
      items: {
        finding: string;
        rule: string;
        month: string;
        leadId: string;
        originator: string;
        facts: { holder: string }[];
        sales: unknown[];
        lead: { leadId: string; originator: string; deliveredTo: string[] } | null;
      }[];
      total: number;
    };
    // The office follows the log: every finding is there once its lead is.
    const ask = () => county.as("office").get<Page>("/comparison/findings?limit=1000");
    await eventually(async () => {
      const r = await ask();
      return r.body.total === g.expected.length && r.body.items.every((f) => f.lead)
        ? true
        : undefined;
    }, 30_000).catch(() => undefined);
    const asked = await ask();
    expect(asked.status).toBe(200);
    const all = asked.body;
    expect(
      all.items.filter((f) => !f.lead).map((f) => `${f.rule} ${f.leadId}`),
      "findings without their lead",
    ).toEqual([]);
    expect(all.total).toBe(g.expected.length);
    const sum = (rule: string) => all.months.reduce((n, m) => n + (m.byRule[rule] ?? 0), 0);
    for (const rule of ["pregnancy-disappeared", "unapproved-termination", "prescriber-overdose"])
      expect(sum(rule), rule).toBe(want(rule));
    expect(all.months.reduce((n, m) => n + m.total, 0)).toBe(g.expected.length);
    // Each finding names the lead its originator registered: the same ids the desks answered.
    expect(new Set(all.items.map((f) => f.leadId))).toEqual(new Set(leads.values()));
    for (const f of all.items) {
      expect(f.lead?.leadId).toBe(f.leadId);
      expect(f.lead?.originator).toBe(f.originator);
      if (f.rule === "pregnancy-disappeared") expect(f.lead?.deliveredTo).toContain("health");
      if (f.rule === "prescriber-overdose") expect(f.sales.length).toBeGreaterThan(0);
      else expect(f.facts.length).toBeGreaterThan(0);
    }
    // One month at a time, as the page asks.
    const month = all.months[0]!;
    const one = await county
      .as("office")
      .get<Page>(`/comparison/findings?month=${month.month}&limit=1000`);
    expect(one.body.total).toBe(month.total);
    expect(one.body.items.every((f) => f.month === month.month)).toBe(true);
    // No pseudonym, no record reference, no prescriber, no identity: nothing to name anyone by.
    const text = JSON.stringify(all);
    const pseudonyms = [...leads.keys()]
      .filter((k) => !k.startsWith("prescriber-overdose"))
      .map((k) => k.split(":")[1]!);
    const prescribers = [...leads.keys()]
      .filter((k) => k.startsWith("prescriber-overdose"))
      .map((k) => k.split(":")[1]!);
    for (const p of [...pseudonyms, ...prescribers]) expect(text).not.toContain(p);
    expect(text).not.toMatch(/[0-9a-f]{32}(?![0-9a-f-])/);
    const people = [...g.registers.ultrasound, ...g.registers["follow-up"]];
    for (const r of people) expect(text).not.toContain(r.idNumber ?? r.name);
    // The office has no register to name a side from, and no route to ask for one.
    const ref = refsOf(
      (await county.as("family-planning").get<LeadView>(`/leads/${all.items[0]!.leadId}`)).body
        .summary,
    )[0];
    if (ref) {
      const asked = await county
        .as("office")
        .post(`/comparison/records/${ref}/identification`, { reason: "办公室试图核实身份" });
      expect(asked.status).toBe(404);
    }
  }, 60_000);

  it("shows the office's officer the county's findings by month on its page, at a phone's width", async () => {
    const browser = await launchChromium();
    try {
      const token = county.tokens.find((x) => x.officer === "office.liaison")!.token;
      const page = await loginPage(browser, county.urls.office!, "office", token);
      await page.setViewportSize({ width: 390, height: 844 });
      await page.locator("nav.tabs").getByRole("button", { name: "数据比对", exact: true }).click();
      const rows = page.getByTestId("findings-month-row");
      await rows.first().waitFor();
      const months = await rows.locator("td:first-child").allTextContents();
      for (const m of months) expect(m.trim()).toMatch(/^\d{4}-\d{2}$/);
      await page.getByText("孕情消失").first().waitFor();
      // The newest month's findings, each with its lead and its sides' facts, none to re-identify.
      const finding = page.getByTestId("county-finding").first();
      await finding.waitFor();
      await finding.getByTestId("finding-lead").filter({ hasText: "线索登记部门" }).waitFor();
      await finding
        .getByTestId("county-finding-fact")
        .first()
        .filter({ hasText: "由保管部门核实" })
        .waitFor();
      expect(await page.getByTestId("reidentify").count()).toBe(0);
      // Another month picked: its findings shown instead.
      if (months.length > 1) {
        await rows.nth(1).getByRole("button").click();
        await page
          .getByTestId("county-findings-month")
          .locator("h3", { hasText: months[1]!.trim() })
          .waitFor();
      }
      // Nothing wider than the phone.
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(wide).toBeLessThanOrEqual(390);
      await page.context().close();
    } finally {
      await browser.close();
    }
  }, 120_000);

  it("shows an officer the findings by month on the page, and lets them name only their own agency's side", async () => {
    const browser = await launchChromium();
    try {
      const token = county.tokens.find((x) => x.officer === "family-planning.liaison")!.token;
      const page = await loginPage(browser, county.urls.office!, "family-planning", token);
      await page.locator("nav.tabs").getByRole("button", { name: "数据比对", exact: true }).click();
      const months = page.getByTestId("findings-month");
      await months.first().waitFor();
      // The months the planted pregnancies fell due in, each finding with its facts.
      const shown = await months.locator("h3").allTextContents();
      expect(shown.length).toBeGreaterThan(0);
      for (const m of shown) expect(m).toMatch(/^\d{4}-\d{2}$/);
      const fpSide = page
        .getByTestId("finding-fact")
        .filter({ hasText: "计生·" })
        .filter({ has: page.getByTestId("reidentify") })
        .first();
      await fpSide.waitFor();
      // Health's side of a finding has no button here: health names its own.
      const healthSide = page.getByTestId("finding-fact").filter({ hasText: "卫健·" });
      if ((await healthSide.count()) > 0) {
        expect(await healthSide.getByTestId("reidentify").count()).toBe(0);
        await healthSide.first().filter({ hasText: "由保管部门核实" }).waitFor();
      }
      // Found again by its reference: the button gives way to the reason's field once clicked.
      const ref = /记录号([0-9a-f]{32})/.exec((await fpSide.textContent()) ?? "")![1]!;
      const fact = page.getByTestId("finding-fact").filter({ hasText: ref }).first();
      await fact.getByTestId("reidentify").click();
      await fact.locator("input[name=reason]").fill("网页核查孕情消失线索");
      await fact.getByTestId("reidentify-send").click();
      const named = (await fact.getByTestId("reidentified").textContent()) ?? "";
      const planted = g.expected
        .filter((e) => e.rule === "pregnancy-disappeared")
        .map((e) => e.who);
      expect(planted.some((id) => named.includes(id))).toBe(true);
      await page.context().close();
    } finally {
      await browser.close();
    }
  }, 120_000);

  it("keeps the holders' facts across its restart: found again without any holder running again", async () => {
    const lock = JSON.parse(readFileSync(join(county.stateDir, "county.lock"), "utf8")) as {
      children: { name: string; pgid: number }[];
    };
    const pid = lock.children.find((c) => c.name === "comparison")!.pgid;
    const restoredLines = () =>
      readFileSync(join(county.stateDir, "logs", "comparison.log"), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === "comparison facts restored");
    const before = restoredLines().length;
    // Killed as the out-of-memory killer would: nothing written at the end.
    process.kill(pid, "SIGKILL");
    const restored = await eventually(async () => restoredLines().at(before), 60_000);
    // Every holder's set and the ledger's: 3 sets, every finding already on the log.
    expect(restored).toMatchObject({ sets: 3, found: g.expected.length });
    expect(restored.facts).toBeGreaterThan(g.registers["drug-sale"].length);
    // Each originator asks only (no facts handed over): the same findings, each already a lead.
    for (const a of ["health", "family-planning", "drug-regulation"]) {
      const r = await eventually(async () => {
        const x = await run(a, false);
        return x.status === 200 ? x : undefined;
      }, 30_000);
      expect(r.body.registered).toEqual([]);
      expect(r.body.duplicates.length).toBeGreaterThan(0);
      for (const d of r.body.duplicates) expect(leads.get(d.key)).toBe(d.leadId);
    }
    // The key the agencies pin (the launcher's public-keys.json) is the key the service answers with.
    const keys = JSON.parse(readFileSync(join(county.stateDir, "public-keys.json"), "utf8")) as {
      comparisonOprfKey: string;
    };
    const admin = await county.admin();
    try {
      const m = await admin.request("ld.match.441723.health.key", new Uint8Array(0));
      expect(Buffer.from(m.data).toString("hex")).toBe(keys.comparisonOprfKey);
    } finally {
      await admin.close();
    }
    // Nothing recorded twice for the office.
    const office = await county.as("office").get<{ total: number }>("/comparison/findings");
    expect(office.body.total).toBe(g.expected.length);
  }, 120_000);
});
