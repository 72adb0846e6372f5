import { createHash } from "node:crypto";
import { type AuditHeads, headsSigningText } from "@liandong/contracts";
import { say } from "@liandong/domain";
import { createUser } from "@nats-io/nkeys";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ChainHead,
  cosign,
  cosignatureProblem,
  headInChain,
  type KnownHead,
  splitViews,
  type WitnessedHead,
  witnessedAfter,
  witnessProblem,
} from "./audit-witness.ts";
import { signerFromSeed } from "./signing.ts";

const COUNTY = "620702";
const WITNESS = "620602";
const OTHER_WITNESS = "620902";
const newSigner = () => signerFromSeed(new TextDecoder().decode(createUser().getSeed()));

/**
 * Histories of an agency's chain: a head's checkpoint stands for everything up to its size, so
 * it is the hash of the chain's first `size` events. Two histories share what they agree on.
 */
const checkpointOf = (history: string, size: number) =>
  createHash("sha256")
    .update(`${history.slice(0, size)}`)
    .digest("hex");
const headOf = (history: string, size: number): KnownHead => ({
  size,
  checkpoint: checkpointOf(history, size),
});
const chainOf = (history: string, sizes: number[]): ChainHead[] =>
  [...new Set(sizes)]
    .sort((a, b) => a - b)
    .map((size, i) => ({ ...headOf(history, size), seq: 10 * (i + 1) }));

const AGENCIES = ["health", "office", "public-security"] as const;
const history = fc.string({ unit: fc.constantFrom("a", "b", "c"), minLength: 1, maxLength: 40 });
/** An agency's successive heads as its county's office would send them: sizes that only grow. */
const growingSizes = (max: number) =>
  fc
    .array(fc.integer({ min: 1, max }), { minLength: 1, maxLength: 8 })
    .map((xs) => xs.sort((a, b) => a - b));

describe("a witness co-signs a county's heads only while they tell one history", () => {
  it("never refuses heads of one history that only grow, and keeps the latest of each agency", () => {
    fc.assert(
      fc.property(
        fc.record({ health: history, office: history, "public-security": history }),
        fc.array(fc.record({ health: fc.nat(), office: fc.nat(), "public-security": fc.nat() }), {
          minLength: 1,
          maxLength: 10,
        }),
        (histories, steps) => {
          let witnessed: Record<string, KnownHead> = {};
          const size: Record<string, number> = { health: 0, office: 0, "public-security": 0 };
          for (const step of steps) {
            const heads: Record<string, KnownHead> = {};
            for (const a of AGENCIES) {
              size[a] = Math.min(histories[a].length, size[a]! + (step[a] % 5));
              heads[a] = headOf(histories[a], size[a]!);
            }
            expect(witnessProblem(witnessed, heads)).toBeUndefined();
            witnessed = witnessedAfter(witnessed, heads);
            expect(witnessed).toEqual(heads);
          }
        },
      ),
    );
  });

  it("refuses a chain shorter than one witnessed, naming the agency and what it witnessed", () => {
    fc.assert(
      fc.property(
        history.filter((h) => h.length >= 2),
        fc.nat(),
        fc.constantFrom(...AGENCIES),
        (h, cut, agency) => {
          const before = Object.fromEntries(AGENCIES.map((a) => [a, headOf(h, h.length)]));
          const shorter = cut % h.length;
          const next = { ...before, [agency]: headOf(h, shorter) };
          expect(witnessProblem(before, next)).toMatchObject({
            problem: "shrunk",
            agency,
            before: before[agency],
          });
          // An agency left out altogether is as short as can be.
          const { [agency]: _, ...without } = before;
          expect(witnessProblem(before, without)).toMatchObject({ problem: "shrunk", agency });
        },
      ),
    );
  });

  it("refuses another checkpoint at a size it witnessed (another history), and nothing else", () => {
    fc.assert(
      fc.property(history, history, fc.nat(), (one, other, at) => {
        const size = 1 + (at % Math.min(one.length, other.length));
        const before = { health: headOf(one, size) };
        const next = { health: headOf(other, size) };
        const verdict = witnessProblem(before, next);
        if (one.slice(0, size) === other.slice(0, size)) expect(verdict).toBeUndefined();
        else expect(verdict).toMatchObject({ problem: "forked", agency: "health" });
      }),
    );
  });
});

describe("a head known from elsewhere, against the chain a log holds", () => {
  const chain = chainOf("abcabcabc", [3, 6, 9]);
  it("is held where a checkpoint of the log ends at its size with the same checkpoint", () => {
    expect(headInChain(chain, 9, headOf("abcabcabc", 6))).toEqual({
      verdict: "held",
      at: chain[1],
    });
  });
  it("names a log shorter than the head, another checkpoint there, or none ending there", () => {
    expect(headInChain(chain, 9, headOf("abcabcabcabc", 12))).toEqual({ verdict: "truncated" });
    expect(headInChain(chain, 9, headOf("abcbbb", 6))).toEqual({ verdict: "forked", at: chain[1] });
    expect(headInChain(chain, 9, headOf("abcabcabc", 5))).toEqual({ verdict: "unaligned" });
  });
});

const cosigned = (
  histories: Record<string, string>,
  sizes: Record<string, number>,
  witness: string,
  at = "2026-01-01T00:00:00.000Z",
): WitnessedHead[] =>
  Object.entries(sizes).map(([agency, size]) => ({
    ...headOf(histories[agency]!, size),
    county: COUNTY,
    agency,
    witness,
    at,
    seq: 2 * size,
  }));

describe("split views among what neighbours co-signed", () => {
  it("none while every neighbour was shown one history and the county's log holds it", () => {
    fc.assert(
      fc.property(history, growingSizes(40), growingSizes(40), (h, seenByOne, seenByOther) => {
        const fit = (xs: number[]) => xs.map((x) => Math.min(x, h.length));
        const witnessed = [
          ...fit(seenByOne).flatMap((s) => cosigned({ health: h }, { health: s }, WITNESS)),
          ...fit(seenByOther).flatMap((s) => cosigned({ health: h }, { health: s }, OTHER_WITNESS)),
        ];
        const log = {
          [COUNTY]: { health: chainOf(h, [...fit(seenByOne), ...fit(seenByOther), h.length]) },
        };
        expect(splitViews(witnessed, log)).toEqual([]);
        // Without the county's log, the witnesses alone agree as well.
        expect(splitViews(witnessed, {})).toEqual([]);
      }),
    );
  });

  it("names the checkpoint two neighbours were shown differently at one size", () => {
    fc.assert(
      fc.property(history, history, fc.nat(), (one, other, at) => {
        const size = 1 + (at % Math.min(one.length, other.length));
        fc.pre(one.slice(0, size) !== other.slice(0, size));
        const found = splitViews(
          [
            ...cosigned({ health: one }, { health: size }, WITNESS),
            ...cosigned({ health: other }, { health: size }, OTHER_WITNESS),
          ],
          {},
        );
        expect(found).toHaveLength(1);
        expect(found[0]).toMatchObject({ county: COUNTY, agency: "health", size });
        const named = [
          found[0]!.checkpoint,
          (found[0]!.other as { checkpoint: string }).checkpoint,
        ];
        expect(named.sort()).toEqual([checkpointOf(one, size), checkpointOf(other, size)].sort());
        expect(
          [
            ...found[0]!.witnesses,
            ...(found[0]!.other as { witnesses: string[] }).witnesses,
          ].sort(),
        ).toEqual([OTHER_WITNESS, WITNESS].sort());
      }),
    );
  });

  it("with two counties: the county's log against what its one neighbour co-signed", () => {
    const shown = "abcabcabc";
    const witnessed = cosigned({ health: shown, office: shown }, { health: 6, office: 3 }, WITNESS);
    // Another checkpoint where the neighbour co-signed one: named, with the log's checkpoint.
    const forked = chainOf("abcbbbbbb", [3, 6, 9]);
    expect(
      splitViews(witnessed, { [COUNTY]: { health: forked, office: chainOf(shown, [3]) } }),
    ).toEqual([
      expect.objectContaining({
        agency: "health",
        size: 6,
        checkpoint: checkpointOf(shown, 6),
        witnesses: [WITNESS],
        other: { by: "log", verdict: "forked", checkpoint: checkpointOf("abcbbbbbb", 6), seq: 20 },
      }),
    ]);
    // A log that no longer reaches what was co-signed, or cut into other checkpoints: named.
    expect(
      splitViews(witnessed, {
        [COUNTY]: { health: chainOf(shown, [3]), office: chainOf(shown, [3]) },
      }),
    ).toEqual([
      expect.objectContaining({
        agency: "health",
        other: { by: "log", verdict: "truncated", size: 3 },
      }),
    ]);
    expect(
      splitViews(witnessed, {
        [COUNTY]: { health: chainOf(shown, [5, 9]), office: chainOf(shown, [3]) },
      }),
    ).toEqual([
      expect.objectContaining({
        agency: "health",
        other: { by: "log", verdict: "unaligned", size: 9 },
      }),
    ]);
    // An agency the log holds nothing of.
    expect(splitViews(witnessed, { [COUNTY]: { health: chainOf(shown, [6]) } })).toEqual([
      expect.objectContaining({
        agency: "office",
        other: { by: "log", verdict: "truncated", size: 0 },
      }),
    ]);
  });

  it("does not hold against a log a head written after the log was read, unless it was cut", () => {
    const shown = "abcabcabc";
    // Co-signed at 6 (its checkpoint at stream sequence 12) five seconds after the county's log
    // was read; the log ends at sequence 10, sealing 3: the head is newer than the log.
    const witnessed = cosigned(
      { health: shown },
      { health: 6 },
      WITNESS,
      "2026-01-01T00:00:05.000Z",
    );
    const log = { [COUNTY]: { health: chainOf(shown, [3]) } };
    const read = { lastSeq: 10, takenAt: "2026-01-01T00:00:00.000Z" };
    expect(splitViews(witnessed, log, { [COUNTY]: read })).toEqual([]);
    expect(splitViews(witnessed, log, { [COUNTY]: { lastSeq: 10 } })).toEqual([]);
    // Read an hour after it was co-signed, yet ending before it: a log cut short, named.
    const later = { lastSeq: 10, takenAt: "2026-01-01T01:00:05.000Z" };
    expect(splitViews(witnessed, log, { [COUNTY]: later })).toEqual([
      expect.objectContaining({
        agency: "health",
        other: { by: "log", verdict: "truncated", size: 3 },
      }),
    ]);
    // Reaching past the head's checkpoint, it is held to it: another history there is named.
    const forked = { [COUNTY]: { health: chainOf("abcbbbbbb", [3, 6]) } };
    expect(
      splitViews(witnessed, forked, { [COUNTY]: { lastSeq: 20, takenAt: read.takenAt } }),
    ).toEqual([
      expect.objectContaining({
        agency: "health",
        other: expect.objectContaining({ verdict: "forked" }),
      }),
    ]);
    // Two neighbours shown two checkpoints at one size: a split view whenever the log was read.
    const twice = [
      ...witnessed,
      ...cosigned({ health: "abcbbb" }, { health: 6 }, OTHER_WITNESS, "2026-01-01T00:00:06.000Z"),
    ];
    expect(splitViews(twice, log, { [COUNTY]: read })).toEqual([
      expect.objectContaining({
        agency: "health",
        size: 6,
        other: expect.objectContaining({ by: "witness" }),
      }),
    ]);
  });

  it("names each contradiction once, however many co-signatures repeat it", () => {
    const witnessed = [
      ...cosigned({ health: "aaaa" }, { health: 4 }, WITNESS, "2026-01-01T00:00:00.000Z"),
      ...cosigned({ health: "aaaa" }, { health: 4 }, WITNESS, "2026-01-01T00:00:05.000Z"),
      ...cosigned({ health: "aaaa" }, { health: 4 }, OTHER_WITNESS),
    ];
    const found = splitViews(witnessed, { [COUNTY]: { health: chainOf("aaab", [4]) } });
    expect(found).toHaveLength(1);
    expect(found[0]!.witnesses).toEqual([WITNESS, OTHER_WITNESS].sort());
  });
});

describe("a co-signature", () => {
  const county = newSigner();
  const witness = newSigner();
  const body = {
    county: COUNTY,
    at: "2026-01-01T00:00:00.000Z",
    heads: { health: { size: 6, checkpoint: checkpointOf("abcabc", 6), seq: 12 } },
    behind: [],
  };
  const heads: AuditHeads = {
    ...body,
    key: county.publicKey,
    signature: county.sign(headsSigningText(body)),
  };
  const keys = { witness: witness.publicKey, county: county.publicKey };
  const c = cosign(witness, WITNESS, heads, new Date("2026-01-01T00:00:01Z"));

  it("verifies with the witness's office key, over the heads the county's office signed", () => {
    expect(cosignatureProblem(c, keys)).toBeUndefined();
  });

  it("does not verify once the heads it covers are changed, or with another key", () => {
    const grown = {
      ...c,
      heads: { ...heads, heads: { health: { ...heads.heads.health!, size: 7 } } },
    };
    const en = (x: ReturnType<typeof cosignatureProblem>) => x && say(x, "en");
    expect(cosignatureProblem(grown, keys)?.code).toBe("witness.heads-signature");
    expect(en(cosignatureProblem(grown, keys))).toMatch(/heads' signature does not verify/);
    // The heads re-signed by the county: still not what the witness co-signed.
    const { key: _k, signature: _s, ...grownBody } = grown.heads;
    const resigned = {
      ...grown,
      heads: { ...grown.heads, signature: county.sign(headsSigningText(grownBody)) },
    };
    expect(en(cosignatureProblem(resigned, keys))).toMatch(/co-signature does not verify/);
    expect(en(cosignatureProblem(c, { ...keys, witness: newSigner().publicKey }))).toMatch(
      /not county 620602's office key/,
    );
    expect(en(cosignatureProblem(c, { ...keys, county: undefined }))).toMatch(/no office key/);
    // In Chinese, the witness by name.
    expect(say(cosignatureProblem(resigned, keys)!, "zh")).toBe(
      "见证签名无法用凉州区（620602）办公室的公钥验证",
    );
  });
});
