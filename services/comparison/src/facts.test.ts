import { randomUUID } from "node:crypto";
import { type FactsPart, MatchConfig, type PregnancyFact } from "@liandong/contracts";
import { describe, expect, it } from "vitest";
import { FactsStore } from "./facts.ts";

const pseudonym = (n: number) => String(n).padStart(86, "A");
const fact = (holder: string, n: number, extra: Partial<PregnancyFact> = {}): PregnancyFact => ({
  pseudonym: pseudonym(n),
  holder,
  ref: n.toString(16).padStart(32, "0"),
  kind: "ultrasound",
  on: "2025-03-01",
  weeks: 16,
  ...extra,
});
const part = (run: string, n: number, last: boolean, facts: PregnancyFact[] = []): FactsPart => ({
  run,
  part: n,
  last,
  facts,
  sales: [],
});
const store = () =>
  new FactsStore({ holders: ["health", "family-planning"], ledgers: ["drug-regulation"] });

describe("what the comparison service takes of an agency's facts", () => {
  it("takes a holder's facts of its own rows only; a non-holder's none", () => {
    const s = store();
    expect(s.accept("health", part(randomUUID(), 0, true, [fact("family-planning", 1)]))).toEqual({
      refused: "not-a-holder",
    });
    expect(s.accept("commerce", part(randomUUID(), 0, true, [fact("commerce", 1)]))).toEqual({
      refused: "not-a-holder",
    });
    expect(
      s.accept("drug-regulation", part(randomUUID(), 0, true, [fact("drug-regulation", 1)])),
    ).toEqual({ refused: "not-a-holder" });
    expect(s.counts()).toEqual({});
  });

  it("replaces an agency's set only once its last part is in, parts in order", () => {
    const s = store();
    const first = randomUUID();
    expect(s.accept("health", part(first, 0, true, [fact("health", 1)]))).toEqual({
      complete: true,
      count: 1,
    });
    const run = randomUUID();
    expect(s.accept("health", part(run, 0, false, [fact("health", 2)]))).toEqual({
      complete: false,
    });
    // Half a register is never what the rules run over.
    expect(s.counts()).toEqual({ health: 1 });
    expect(s.accept("health", part(run, 2, true, [fact("health", 3)]))).toEqual({
      refused: "malformed",
    });
    expect(s.accept("health", part(randomUUID(), 1, true, []))).toEqual({ refused: "malformed" });
    expect(s.accept("health", part(run, 1, true, [fact("health", 3)]))).toEqual({
      complete: true,
      count: 2,
    });
    expect(s.counts()).toEqual({ health: 2 });
  });

  it("gives an agency the findings it originates and no other's", () => {
    const s = store();
    // Registered at 16 weeks in 2025 by health, then nothing: 孕情消失, originated by family planning.
    s.accept("health", part(randomUUID(), 0, true, [fact("health", 7)]));
    const config = MatchConfig.parse({});
    // Not before family planning's set is in too: its follow-ups might account for it.
    expect(s.findingsFor("family-planning", "2026-12-01", config).findings).toHaveLength(0);
    s.accept("family-planning", part(randomUUID(), 0, true, []));
    expect(s.findingsFor("family-planning", "2026-12-01", config).findings).toHaveLength(1);
    expect(s.findingsFor("health", "2026-12-01", config).findings).toHaveLength(0);
    expect(s.findingsFor("commerce", "2026-12-01", config).findings).toHaveLength(0);
  });
});
