import { createHmac, hash } from "node:crypto";
import { type Finding, MatchConfig, type PregnancyFact } from "@liandong/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Generated, generateRegisters } from "./generate.ts";
import { comparePregnancies, factsOf, prescriberOverdoses, saleOf } from "./mod.ts";

/**
 * The rules see pseudonyms only. Here a keyed hash stands in for the OPRF (same shape: 64 bytes,
 * base64url): equality is all the rules use, and 500,000 OPRF rounds in pure JS belong to the
 * benchmark and the end-to-end test, not to this known-answer test.
 */
const KEY = "stand-in for the comparison service's key";
// One-shot hashes of the key and the input (half a million rows: an HMAC object each took 4×
// the time): a keyed hash all the same, of the key, a NUL and the input.
const pseudonymOf = (input: string) => hash("sha512", `${KEY}\0${input}`, "base64url");
const refOf = (holder: string) => (recordId: string) =>
  hash("sha256", `${holder}:${recordId}`, "hex").slice(0, 32);
const config = MatchConfig.parse({});

function allFacts(g: Generated): PregnancyFact[] {
  const r = g.registers;
  return [
    ...factsOf("ultrasound", r.ultrasound, pseudonymOf, refOf("health")),
    ...factsOf("delivery", r.delivery, pseudonymOf, refOf("health")),
    ...factsOf("termination", r.termination, pseudonymOf, refOf("health")),
    ...factsOf("follow-up", r["follow-up"], pseudonymOf, refOf("family-planning")),
    ...factsOf("approval", r.approval, pseudonymOf, refOf("family-planning")),
  ];
}

/** Findings as the generator states its answers: the person's ID number (known to the test, as holder). */
function answers(g: Generated, findings: Finding[]): string[] {
  const idOf = new Map<string, string>();
  for (const rows of [g.registers.ultrasound, g.registers.termination, g.registers["follow-up"]])
    for (const row of rows)
      if (row.idNumber) idOf.set(pseudonymOf(`id:${row.idNumber}`), row.idNumber);
  return findings
    .map((f) => {
      if (f.rule === "prescriber-overdose")
        return `${f.rule} ${f.prescriber?.prescriber} ${f.prescriber?.drug}`;
      const at = f.key.slice(f.key.lastIndexOf(":") + 1);
      return `${f.rule} ${idOf.get(f.pseudonym ?? "") ?? "?"} ${at}`;
    })
    .sort();
}

function run(g: Generated): Finding[] {
  const sales = g.registers["drug-sale"].map((s) =>
    saleOf(s, refOf("drug-regulation")(s.recordId)),
  );
  return [
    ...comparePregnancies(allFacts(g), g.today, config),
    ...prescriberOverdoses(sales, g.today, config),
  ];
}

describe("comparing generated registers with a known answer", () => {
  it("finds every planted case in 100,000 records per register, and nothing else", () => {
    const g = generateRegisters({ perRegister: 100_000, planted: 40 });
    for (const [name, rows] of Object.entries(g.registers))
      expect(rows.length, name).toBeGreaterThanOrEqual(100_000);
    const found = run(g);
    const want = g.expected.map((e) => `${e.rule} ${e.who} ${e.at}`).sort();
    expect(want).toHaveLength(40 * 5);
    expect(answers(g, found)).toEqual(want);
  }, 120_000);

  it("sends each rule's findings to its agencies, each side's facts and nobody's name", () => {
    const g = generateRegisters({ perRegister: 2_000, planted: 6 });
    const found = run(g);
    const to = (rule: string) =>
      new Set(found.filter((f) => f.rule === rule).map((f) => f.to.join()));
    expect(to("pregnancy-disappeared")).toEqual(new Set(["family-planning,health"]));
    expect(to("unapproved-termination")).toEqual(new Set(["health"]));
    expect(to("prescriber-overdose")).toEqual(new Set(["drug-regulation,health"]));
    const text = JSON.stringify(found);
    for (const row of g.registers.ultrasound) {
      expect(text).not.toContain(row.idNumber ?? "-");
      expect(text).not.toContain(row.name);
    }
    // (a) carries both sides where both hold something.
    const sides = found
      .filter((f) => f.rule === "pregnancy-disappeared")
      .map((f) => new Set(f.facts.map((x) => x.holder)).size);
    expect(Math.max(...sides)).toBe(2);
  });
});

describe("the rules' properties", () => {
  const g = generateRegisters({ perRegister: 1_500, planted: 8, seed: 5 });
  const facts = allFacts(g);
  const keys = (fs: Finding[]) => fs.map((f) => f.key).sort();
  const base = keys(comparePregnancies(facts, g.today, config));

  it("finds the same, under the same keys, in any order of the facts", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: facts.length, maxLength: facts.length }), (w) => {
        const shuffled = facts.map((f, i) => ({ f, w: w[i]! })).sort((a, b) => a.w - b.w);
        expect(
          keys(
            comparePregnancies(
              shuffled.map((x) => x.f),
              g.today,
              config,
            ),
          ),
        ).toEqual(base);
      }),
      { numRuns: 10 },
    );
  });

  it("finds the same pregnancy under the same key when run again on more data, later", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), (days) => {
        const later = new Date(Date.parse(g.today) + days * 86_400_000).toISOString().slice(0, 10);
        const again = keys(comparePregnancies([...facts, ...facts.slice(0, 50)], later, config));
        for (const k of base) expect(again).toContain(k);
      }),
      { numRuns: 15 },
    );
  });

  it("a delivery or an approval within its window accounts for a disappeared pregnancy", () => {
    const disappeared = comparePregnancies(facts, g.today, config).filter(
      (f) => f.rule === "pregnancy-disappeared",
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...disappeared),
        fc.constantFrom("delivery", "approval") as fc.Arbitrary<"delivery" | "approval">,
        (finding, kind) => {
          const on = finding.dueOn;
          const extra: PregnancyFact = {
            pseudonym: finding.pseudonym!,
            holder: kind === "delivery" ? "health" : "family-planning",
            ref: "0".repeat(32),
            kind,
            on,
          };
          const again = comparePregnancies([...facts, extra], g.today, config);
          expect(again.map((f) => f.key)).not.toContain(finding.key);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("depends on pseudonyms only through their equality: renaming them renames the findings", () => {
    const rename = (p: string) => createHmac("sha512", "another key").update(p).digest("base64url");
    const renamed = comparePregnancies(
      facts.map((f) => ({ ...f, pseudonym: rename(f.pseudonym) })),
      g.today,
      config,
    );
    const expected = comparePregnancies(facts, g.today, config).map((f) =>
      f.key.replace(f.pseudonym!, rename(f.pseudonym!)),
    );
    expect(keys(renamed)).toEqual(expected.sort());
  });

  it("counts only doses above the multiple, and only repeated ones, per drug", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.1, max: 4, noNaN: true }), { minLength: 1, maxLength: 10 }),
        (multiples) => {
          const sales = multiples.map((m, i) => ({
            ref: "0".repeat(32),
            soldOn: `2026-0${1 + (i % 9)}-01`,
            drug: "ethacridine" as const,
            doseMg: 100 * m,
            prescriber: "医师甲",
            institution: "县医院",
          }));
          const over = multiples.filter((m) => 100 * m > 200).length;
          const found = prescriberOverdoses(sales, "2026-12-01", config);
          expect(found).toHaveLength(over >= 3 ? 1 : 0);
          if (over >= 3) expect(found[0]!.prescriber!.sales).toHaveLength(over);
        },
      ),
    );
  });
});
