import { createUser } from "@nats-io/nkeys";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "./hash.ts";
import { SealedAhead, sealOf, sealProblem } from "./seal.ts";
import { signerFromSeed } from "./signing.ts";

const signer = signerFromSeed(new TextDecoder().decode(createUser().getSeed()));
const other = signerFromSeed(new TextDecoder().decode(createUser().getSeed()));
const keys = (county: string, agency: string) =>
  county === "441723" && agency === "health" ? signer.publicKey : undefined;
const subject = "ld.ev.441723.health.lead.x._";
const bytes = new TextEncoder().encode('{"id":"x"}');
const e = { county: "441723", agency: "health" };

describe("an event's seal", () => {
  it("verifies with its agency's key over its subject and bytes, and nothing else", () => {
    const seal = sealOf(signer, subject, sha256Hex(bytes));
    expect(sealProblem(keys, e, subject, bytes, seal)).toBeUndefined();
    expect(sealProblem(keys, e, subject.replace(".x.", ".y."), bytes, seal)).toMatch(
      /does not verify/,
    );
    expect(sealProblem(keys, e, subject, new TextEncoder().encode("{}"), seal)).toMatch(
      /does not verify/,
    );
    expect(sealProblem(keys, e, subject, bytes, sealOf(other, subject, sha256Hex(bytes)))).toMatch(
      /does not verify/,
    );
    expect(sealProblem(keys, e, subject, bytes, undefined)).toMatch(/no Liandong-Seal/);
    expect(sealProblem(keys, { ...e, agency: "commerce" }, subject, bytes, seal)).toMatch(
      /no public key/,
    );
  });
});

describe("seals taken on a checkpoint's word", () => {
  const h = (n: number) => sha256Hex(new TextEncoder().encode(String(n)));
  it("takes the agency's sealed events in order, past one gone from the log, never another's", () => {
    const ahead = new SealedAhead();
    ahead.add(
      "441723",
      "health",
      [1, 2, 3, 4].map((n) => h(n).slice(0, 32)),
    );
    expect(ahead.take("441723", "health", h(1))).toBe(true);
    expect(ahead.take("441723", "commerce", h(2))).toBe(false);
    expect(ahead.take("441723", "health", h(9))).toBe(false);
    expect(ahead.take("441723", "health", h(3))).toBe(true);
    // Taken once: a copy of an event already taken is checked by its own seal.
    expect(ahead.take("441723", "health", h(3))).toBe(false);
    expect(ahead.take("441723", "health", h(2))).toBe(false);
    expect(ahead.take("441723", "health", h(4))).toBe(true);
    expect(ahead.take("441723", "health", h(4))).toBe(false);
  });
});
