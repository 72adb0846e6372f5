import { randomBytes } from "node:crypto";
import { ristretto255_oprf } from "@noble/curves/ed25519.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  blindInputs,
  evaluateBlinded,
  finalizePseudonyms,
  OprfError,
  oprfKeysFromSeed,
  packElements,
  unpackElements,
} from "./oprf.ts";

const keys = oprfKeysFromSeed(new Uint8Array(32).fill(7));
const round = (inputs: string[], k = keys, pinned = keys.publicKey) => {
  const batch = blindInputs(inputs);
  const answer = evaluateBlinded(k, unpackElements(packElements(batch.blinded)));
  return finalizePseudonyms(batch, answer, pinned);
};

describe("the oblivious PRF (RFC 9497, ristretto255-SHA512, verifiable)", () => {
  it("gives the same pseudonym for the same identity whoever blinds it, a different one otherwise", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        const [pa, pb] = round([a, b]);
        const [again] = round([a]);
        expect(again).toBe(pa);
        expect(pa === pb).toBe(a === b);
        expect(pa).toMatch(/^[A-Za-z0-9_-]{86}$/);
      }),
      { numRuns: 15 },
    );
  });

  it("is keyed: another service key gives an unrelated pseudonym for the same identity", () => {
    const input = "id:44172319900101002X";
    const [p] = round([input]);
    const other = oprfKeysFromSeed(new Uint8Array(32).fill(8));
    const [q] = round([input], other, other.publicKey);
    expect(p).not.toBe(q);
    expect(ristretto255_oprf.name).toMatch(/ristretto255-SHA512/);
  });

  it("sends nothing that depends on the identity alone: two blindings of one input differ", () => {
    const a = blindInputs(["id:44172319900101002X"]).blinded[0]!;
    const b = blindInputs(["id:44172319900101002X"]).blinded[0]!;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it("refuses an evaluation made with another key than the one pinned", () => {
    const other = oprfKeysFromSeed(randomBytes(32));
    expect(() => round(["id:1"], other, keys.publicKey)).toThrow(OprfError);
  });

  it("refuses a swapped or altered answer", () => {
    const batch = blindInputs(["id:1", "id:2"]);
    const answer = evaluateBlinded(keys, batch.blinded);
    const swapped = new Uint8Array(answer);
    swapped.set(answer.subarray(64, 96), 96);
    swapped.set(answer.subarray(96, 128), 64);
    expect(() => finalizePseudonyms(batch, swapped, keys.publicKey)).toThrow(/proof/);
    expect(() => finalizePseudonyms(batch, answer.subarray(0, 96), keys.publicKey)).toThrow(
      /does not match/,
    );
  });

  it("refuses bytes that are not whole elements, or not on the group", () => {
    expect(() => unpackElements(new Uint8Array(31))).toThrow(OprfError);
    expect(() => evaluateBlinded(keys, [new Uint8Array(32).fill(255)])).toThrow(/ristretto255/);
  });
});
