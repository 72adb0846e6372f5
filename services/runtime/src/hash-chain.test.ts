import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "./hash.ts";
import { type ChainLink, indexOfPrev, verifyChain } from "./hash-chain.ts";

function chain(n: number): ChainLink[] {
  const out: ChainLink[] = [];
  let prev: string | null = null;
  for (let i = 0; i < n; i++) {
    const bytes = Buffer.from(JSON.stringify({ id: `e${i}`, prev, data: { step: i } }));
    out.push({ seq: 10 + i, bytes });
    prev = sha256Hex(bytes);
  }
  return out;
}

describe("verifyChain", () => {
  it("an untouched chain verifies", () => {
    expect(verifyChain(chain(5))).toMatchObject({ ok: true, checked: 5 });
  });
  it("a changed payload is found at the next event", () => {
    const c = chain(5);
    c[2] = {
      seq: 12,
      bytes: Buffer.from(Buffer.from(c[2]!.bytes).toString().replace('"step":2', '"step":9')),
    };
    expect(verifyChain(c)).toEqual({ ok: false, checked: 3, seq: 13, reason: "broken-link" });
  });
  it("a removed event is found where it was", () => {
    const c = chain(5);
    c.splice(1, 1);
    expect(verifyChain(c)).toMatchObject({ ok: false, seq: 12, reason: "broken-link" });
  });
  it("reordered events are found", () => {
    const c = chain(5);
    [c[1], c[2]] = [c[2]!, c[1]!];
    expect(verifyChain(c)).toMatchObject({ ok: false, seq: 12, reason: "broken-link" });
  });
  it("a first event that claims a predecessor is found", () => {
    expect(verifyChain(chain(5).slice(1))).toMatchObject({
      ok: false,
      seq: 11,
      reason: "bad-start",
    });
  });
});

describe("indexOfPrev", () => {
  it('finds the first `"prev":` wherever it stands, as a plain search does', () => {
    // Bytes drawn from the pattern's own and a few others, so that near misses are common.
    const bytes = fc.array(fc.constantFrom(...Buffer.from('"prev":"pv ,e'), 0xe4), {
      maxLength: 80,
    });
    fc.assert(
      fc.property(bytes, bytes, fc.boolean(), (before, after, withPrev) => {
        const buf = Buffer.from([...before, ...(withPrev ? Buffer.from('"prev":') : []), ...after]);
        expect(indexOfPrev(buf)).toBe(buf.indexOf('"prev":'));
      }),
      { numRuns: 2000 },
    );
  });
});
