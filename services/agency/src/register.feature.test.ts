// Importing a real-name register (实名登记导入) at the holding agency's desk, over the bus in
// memory: the good rows kept, each bad one refused with its row and column, a re-import changes
// nothing; another agency's register, an unknown one, a mapping naming a missing column refused
// as problem+json naming what is wrong; and nothing of the register goes on the bus.
import { createHash, createHmac } from "node:crypto";
import { type FindingsAnswer, MatchConfig, STREAMS } from "@liandong/contracts";
import { comparePregnancies, factsOf, prescriberOverdoses, saleOf } from "@liandong/domain";
import { generateRegisters } from "@liandong/domain/testing";
import { type MemoryCounty, memoryCounty } from "@liandong/runtime";
import iconv from "iconv-lite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agencyDesk } from "./desk.ts";
import { DEFAULT_RULES } from "./rules.ts";
import { agencyDesks } from "./testing.ts";

let county: MemoryCounty;
// Each agency may originate the leads its own service's rules allow (as health, family-planning
// and drug-regulation configure them): the comparison's sources among them.
const rules = {
  ...DEFAULT_RULES,
  mayOriginate: [
    ...DEFAULT_RULES.mayOriginate,
    "pregnancy-disappearance",
    "record-audit",
    "drug-ledger-anomaly",
  ] as const,
};
beforeEach(async () => {
  const services = agencyDesks();
  for (const a of Object.keys(services)) services[a] = agencyDesk(rules);
  county = await memoryCounty({ config: { county: "441723" }, services });
});
afterEach(async () => {
  await county.stop();
});

const mapping = {
  recordId: "登记号",
  idNumber: "身份证号",
  name: "姓名",
  checkedOn: "检查日期",
  weeks: "孕周",
  facility: "检查机构",
};
const csv = [
  "登记号,姓名,身份证号,检查日期,孕周,检查机构",
  "U001,王秀英,44172319900101002X,2026/3/5,16,县人民医院",
  "U002,李丽娟,441723199001010021,2026-03-06,16,县妇幼保健院",
  "U003,张敏,441723199001010021,2026-13-06,16,县妇幼保健院",
].join("\n");
const content = iconv.encode(csv, "gb18030").toString("base64");

describe("importing a register at the desk", () => {
  it("keeps the good rows, refuses the bad with row and column, and a re-import changes nothing", async () => {
    const health = county.as("health");
    const first = await health.post("/registers/ultrasound/imports", { mapping, content });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      register: "ultrasound",
      encoding: "gb18030",
      total: 3,
      kept: 2,
      added: 2,
      refused: [{ row: 4, column: "检查日期", field: "checkedOn" }],
    });
    const again = await health.post("/registers/ultrasound/imports", { mapping, content });
    expect(again.body).toMatchObject({ added: 0, changed: 0, unchanged: 2 });
    // The register stays in health's own bucket: nothing of it on the county's log.
    const log = county.streams
      .messages(STREAMS.events)
      .map((m) => new TextDecoder().decode(m.data))
      .join("\n");
    expect(log).not.toContain("44172319900101002X");
    expect(log).not.toContain("王秀英");
  });

  it("refuses another agency's register, an unknown one and a missing column, naming each", async () => {
    const fp = await county
      .as("family-planning")
      .post("/registers/ultrasound/imports", { mapping, content });
    expect(fp.status).toBe(403);
    expect(fp.type).toBe("application/problem+json");
    const unknown = await county
      .as("health")
      .post("/registers/census/imports", { mapping, content });
    expect(unknown.status).toBe(404);
    const missing = await county
      .as("health")
      .post("/registers/ultrasound/imports", { mapping: { ...mapping, weeks: "孕周数" }, content });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ errors: [{ field: "mapping.weeks" }] });
    const notBase64 = await county
      .as("health")
      .post("/registers/ultrasound/imports", { mapping, content: "###" });
    expect(notBase64.status).toBe(422);
    expect(notBase64.body).toMatchObject({ errors: [{ field: "content" }] });
  });
});

describe("the rules' findings at the desks", () => {
  it("become leads of the originating agency, routed as any; found again, no second lead; nobody named", async () => {
    const g = generateRegisters({ perRegister: 300, planted: 2, seed: 4 });
    const p = (input: string) => createHmac("sha512", "k").update(input).digest("base64url");
    const ref = (id: string) => createHash("sha256").update(id).digest("hex").slice(0, 32);
    const r = g.registers;
    const config = MatchConfig.parse({});
    const findings = [
      ...comparePregnancies(
        [
          ...factsOf("ultrasound", r.ultrasound, p, ref),
          ...factsOf("termination", r.termination, p, ref),
          ...factsOf("delivery", r.delivery, p, ref),
          ...factsOf("follow-up", r["follow-up"], p, ref),
          ...factsOf("approval", r.approval, p, ref),
        ],
        g.today,
        config,
      ),
      ...prescriberOverdoses(
        r["drug-sale"].map((s) => saleOf(s, ref(s.recordId))),
        g.today,
        config,
      ),
    ];
    expect(findings).toHaveLength(g.expected.length);
    const counts: Record<string, number> = {};
    for (const agency of ["family-planning", "health", "drug-regulation"]) {
      const first = await county
        .as(agency)
        .post<FindingsAnswer>("/comparison/findings", { findings });
      expect(first.status, JSON.stringify(first.body).slice(0, 600)).toBe(200);
      counts[agency] = first.body.registered.length;
      expect(first.body.duplicates).toEqual([]);
      const again = await county
        .as(agency)
        .post<FindingsAnswer>("/comparison/findings", { findings });
      expect(again.body.registered).toEqual([]);
      expect(again.body.duplicates.map((d) => d.leadId).sort()).toEqual(
        first.body.registered.map((d) => d.leadId).sort(),
      );
    }
    const of = (rule: string) => g.expected.filter((e) => e.rule === rule).length;
    expect(counts).toEqual({
      "family-planning": of("pregnancy-disappeared"),
      health: of("unapproved-termination"),
      "drug-regulation": of("prescriber-overdose"),
    });
    // Health's inbox holds family planning's 孕情消失 leads and drug regulation's, by the routing table.
    await county.settle();
    const inbox = await county
      .as("health")
      .get<{ items: { lead: { source: string } }[] }>("/inbox?limit=100");
    const sources = inbox.body.items.map((i) => i.lead.source);
    expect(sources.filter((s) => s === "pregnancy-disappearance")).toHaveLength(
      of("pregnancy-disappeared"),
    );
    expect(sources.filter((s) => s === "drug-ledger-anomaly")).toHaveLength(
      of("prescriber-overdose"),
    );
    const log = county.streams
      .messages(STREAMS.events)
      .map((m) => new TextDecoder().decode(m.data))
      .join("\n");
    for (const row of [...r.ultrasound, ...r.termination, ...r["follow-up"]]) {
      expect(log).not.toContain(row.idNumber ?? "-");
    }
  });
});
