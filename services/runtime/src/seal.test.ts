import { createHash } from "node:crypto";
import { eventSealText, eventsSealText } from "@liandong/contracts";
import { refusalMessage } from "@liandong/domain";
import { createUser } from "@nats-io/nkeys";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "./hash.ts";
import { SEAL_BATCH, SealedAhead, sealOf, sealProblem, sealsOf, sealVerifies } from "./seal.ts";
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
    expect(sealProblem(keys, e, subject.replace(".x.", ".y."), bytes, seal)).toMatchObject({
      code: "seal.not-verified",
    });
    expect(sealProblem(keys, e, subject, new TextEncoder().encode("{}"), seal)).toMatchObject({
      code: "seal.not-verified",
    });
    expect(
      sealProblem(keys, e, subject, bytes, sealOf(other, subject, sha256Hex(bytes))),
    ).toMatchObject({ code: "seal.not-verified" });
    expect(sealProblem(keys, e, subject, bytes, undefined)).toMatchObject({ code: "seal.missing" });
    expect(sealProblem(keys, { ...e, agency: "commerce" }, subject, bytes, seal)).toMatchObject({
      code: "seal.no-key",
    });
  });

  it("says why by the catalogue's code, the county and agency by name in Chinese, by code in English", () => {
    const forged = sealProblem(keys, e, subject, bytes, sealOf(other, subject, sha256Hex(bytes)));
    expect(forged).toMatchObject({ refused: "forbidden", code: "seal.not-verified" });
    expect(refusalMessage(forged!)).toBe("封印与阳东县（441723）卫生健康部门的公钥不符");
    expect(refusalMessage(forged!, "en")).toBe(
      "the seal does not verify with the key of health of county 441723",
    );
    const unsealed = sealProblem(keys, e, subject, bytes, undefined)!;
    expect(refusalMessage(unsealed)).toBe(
      "未经卫生健康部门的发布者封印（没有 Liandong-Seal 消息头）",
    );
    const unknown = sealProblem(keys, { ...e, agency: "commerce" }, subject, bytes, "x")!;
    expect(refusalMessage(unknown)).toBe(
      "不知道阳东县（441723）工商行政管理部门（市场监管）的公钥",
    );
    expect(refusalMessage(unknown, "en")).toBe(
      "no public key is known for commerce of county 441723",
    );
  });
});

describe("a seal read back", () => {
  it("made elsewhere is checked by its signature: the publisher's verifies, a changed one does not", () => {
    const hash = sha256Hex(bytes);
    // Signed as another process of the agency would (not through this process's sealOf).
    const seal = signer.sign(eventSealText(subject, hash));
    expect(sealVerifies(signer.publicKey, subject, hash, seal)).toBe(true);
    const changed = `${seal.slice(0, 10)}${seal[10] === "A" ? "B" : "A"}${seal.slice(11)}`;
    expect(sealVerifies(signer.publicKey, subject, hash, changed)).toBe(false);
    expect(sealVerifies(other.publicKey, subject, hash, seal)).toBe(false);
  });
  it("made here counts, unchecked, only for the key, subject and hash it was made with", () => {
    const hash = sha256Hex(bytes);
    const seal = sealOf(signer, subject, hash);
    expect(sealVerifies(signer.publicKey, subject, hash, seal)).toBe(true);
    expect(sealVerifies(other.publicKey, subject, hash, seal)).toBe(false);
    expect(sealVerifies(signer.publicKey, `${subject}x`, hash, seal)).toBe(false);
    expect(sealVerifies(signer.publicKey, subject, sha256Hex(new Uint8Array([1])), seal)).toBe(
      false,
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

describe("events sealed together under one signature", () => {
  const events = (n: number, salt: string) =>
    Array.from({ length: n }, (_, i) => ({
      subject: `ld.ev.441723.health.lead.${salt}${i}._`,
      hash: sha256Hex(new TextEncoder().encode(`${salt}:${i}`)),
    }));

  it("each event's seal verifies alone, for any batch size, and for no other event or key", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: SEAL_BATCH }),
        fc.string({ maxLength: 4 }),
        fc.nat(),
        (n, salt, pick) => {
          const batch = events(n, salt.replaceAll(".", ""));
          const seals = sealsOf(signer, batch);
          expect(seals).toHaveLength(n);
          expect(
            batch.map((e, i) => sealVerifies(signer.publicKey, e.subject, e.hash, seals[i]!)),
          ).toEqual(batch.map(() => true));
          const i = pick % n;
          const e = batch[i]!;
          // Another key; another event's bytes or subject; another place in the batch.
          expect(sealVerifies(other.publicKey, e.subject, e.hash, seals[i]!)).toBe(false);
          expect(sealVerifies(signer.publicKey, e.subject, "0".repeat(64), seals[i]!)).toBe(false);
          expect(sealVerifies(signer.publicKey, `${e.subject}x`, e.hash, seals[i]!)).toBe(false);
          if (n > 1) {
            const j = (i + 1) % n;
            expect(sealVerifies(signer.publicKey, e.subject, e.hash, seals[j]!)).toBe(false);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("are the seals RFC 9162 defines, byte for byte, for every batch size; b1's read still", () => {
    // The tree and audit paths written from the RFC (MTH and PATH, §2.1.1 and §2.1.3.1) with
    // Buffers, as the first batch seals were made: a faster sealer must not change one byte.
    // b2 writes the same signature and hashes in base64url with `~` for `N`; b1, as they were
    // stored before, still verifies.
    const sha = (...parts: (Buffer | string)[]) => {
      const h = createHash("sha256");
      for (const p of parts) h.update(p);
      return h.digest();
    };
    const split = (n: number) => {
      let k = 1;
      while (k * 2 < n) k *= 2;
      return k;
    };
    const mth = (d: Buffer[]): Buffer => {
      if (d.length === 1) return d[0]!;
      const k = split(d.length);
      return sha(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
    };
    const path = (m: number, d: Buffer[]): Buffer[] => {
      if (d.length === 1) return [];
      const k = split(d.length);
      return m < k
        ? [...path(m, d.slice(0, k)), mth(d.slice(k))]
        : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
    };
    for (let n = 2; n <= SEAL_BATCH; n++) {
      const batch = events(n, `r${n}`);
      const leaves = batch.map((e) => sha("\0", eventSealText(e.subject, e.hash)));
      const signature = signer.sign(eventsSealText(mth(leaves).toString("hex"), n));
      const b1 = batch.map((_, i) =>
        [`b1.${n}.${i}.${signature}`, ...path(i, leaves).map((p) => p.toString("base64url"))].join(
          ".",
        ),
      );
      const b2 = b1.map((seal) => `b2${seal.slice(2).replaceAll("N", "~")}`);
      const made = sealsOf(signer, batch);
      expect(made).toEqual(b2);
      for (const seal of made) expect(seal).not.toContain("N");
      expect(
        batch.map((e, i) => sealVerifies(signer.publicKey, e.subject, e.hash, b1[i]!)),
      ).toEqual(batch.map(() => true));
    }
  });

  it("refuses a b2 seal with an N written back, or a b1 seal written as b2", () => {
    // Sealed until one has an `N` to write as `~` (a random 350-character seal has ~6).
    for (let t = 0; ; t++) {
      const batch = events(8, `n${t}`);
      const seal = sealsOf(signer, batch)[5]!;
      if (!seal.includes("~")) continue;
      const { subject, hash } = batch[5]!;
      expect(sealVerifies(signer.publicKey, subject, hash, seal)).toBe(true);
      const b1 = `b1${seal.slice(2).replaceAll("~", "N")}`;
      expect(sealVerifies(signer.publicKey, subject, hash, b1)).toBe(true);
      expect(sealVerifies(signer.publicKey, subject, hash, `b2${b1.slice(2)}`)).toBe(false);
      expect(sealVerifies(signer.publicKey, subject, hash, seal.replace("~", "N"))).toBe(false);
      expect(sealVerifies(signer.publicKey, subject, hash, `b1${seal.slice(2)}`)).toBe(false);
      break;
    }
  });

  it("refuses a seal whose count, place or path was changed", () => {
    const batch = events(5, "t");
    const seal = sealsOf(signer, batch)[3]!;
    const { subject, hash } = batch[3]!;
    const [tag, count, index, sig, ...path] = seal.split(".");
    const remade = (parts: string[]) => parts.join(".");
    expect(sealVerifies(signer.publicKey, subject, hash, seal)).toBe(true);
    expect(
      sealVerifies(signer.publicKey, subject, hash, remade([tag!, "6", index!, sig!, ...path])),
    ).toBe(false);
    expect(
      sealVerifies(signer.publicKey, subject, hash, remade([tag!, count!, "2", sig!, ...path])),
    ).toBe(false);
    expect(
      sealVerifies(
        signer.publicKey,
        subject,
        hash,
        remade([tag!, count!, index!, sig!, ...path.slice(1)]),
      ),
    ).toBe(false);
    expect(
      sealVerifies(
        signer.publicKey,
        subject,
        hash,
        remade([tag!, count!, index!, sig!, ...path, path[0]!]),
      ),
    ).toBe(false);
    expect(sealVerifies(signer.publicKey, subject, hash, "b1.garbage")).toBe(false);
    expect(() => sealsOf(signer, events(SEAL_BATCH + 1, "u"))).toThrow(RangeError);
  });
});
