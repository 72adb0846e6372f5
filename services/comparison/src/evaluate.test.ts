import { blindInputs, oprfKeysFromSeed, packElements } from "@liandong/runtime";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateRequest, MAX_BATCH } from "./evaluate.ts";
import { IdentityBudget } from "./rate-limit.ts";

const keys = oprfKeysFromSeed(new Uint8Array(32).fill(1));
const holders = new Set(["health", "family-planning"]);

describe("a request to the comparison service", () => {
  it("is evaluated for a holder within its budget, and recorded with who asked and how many", () => {
    const body = packElements(blindInputs(["id:1", "id:2", "id:3"]).blinded);
    const budget = new IdentityBudget({ burst: 10, perMinute: 60 });
    const r = evaluateRequest({ agency: "health", body, now: 0 }, { keys, budget, holders });
    expect(r.record).toEqual({ agency: "health", count: 3 });
    expect("answer" in r && r.answer.length).toBe(64 + 3 * 32);
  });

  it("is refused, and recorded so, for a non-holder, a batch too large, or bytes that are no batch", () => {
    const budget = new IdentityBudget({ burst: 1e9, perMinute: 60 });
    const ask = (agency: string, body: Uint8Array) =>
      evaluateRequest({ agency, body, now: 0 }, { keys, budget, holders }).record.refused;
    expect(ask("drug-regulation", new Uint8Array(32))).toBe("not-a-holder");
    expect(ask("health", new Uint8Array(32 * (MAX_BATCH + 1)))).toBe("too-large");
    expect(ask("health", new Uint8Array(33))).toBe("malformed");
    expect(ask("health", new Uint8Array(32).fill(255))).toBe("malformed");
  });

  it("keeps each agency within burst + refill, whatever the order of requests", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            agency: fc.constantFrom("health", "family-planning"),
            count: fc.integer({ min: 1, max: 40 }),
            dt: fc.integer({ min: 0, max: 5_000 }),
          }),
          { maxLength: 60 },
        ),
        (asks) => {
          const limit = { burst: 50, perMinute: 120 };
          const budget = new IdentityBudget(limit);
          let now = 0;
          const granted = new Map<string, number>();
          for (const a of asks) {
            now += a.dt;
            if (budget.take(a.agency, a.count, now))
              granted.set(a.agency, (granted.get(a.agency) ?? 0) + a.count);
          }
          for (const total of granted.values())
            expect(total).toBeLessThanOrEqual(limit.burst + (now * limit.perMinute) / 60_000);
        },
      ),
    );
  });
});
