import { createHash } from "node:crypto";
import type { SodiumRistretto } from "./ristretto-sodium.ts";

/**
 * RFC 9497's VOPRF (mode 0x01, ristretto255-SHA512) on libsodium's ristretto255 (WebAssembly):
 * the same bytes as `@noble/curves`' implementation (the tests compare them both ways), with
 * every group operation in libsodium. The batch proof uses the RFC's composites: the service one
 * multiplication per element (ComputeCompositesFast), the agency two.
 */

const te = new TextEncoder();
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const i2osp2 = (n: number) => new Uint8Array([(n >> 8) & 255, n & 255]);
const withLength = (b: Uint8Array) => concat(i2osp2(b.length), b);

const sha512 = (...parts: Uint8Array[]) => {
  const h = createHash("sha512");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** RFC 9380 §5.3.1 expand_message_xmd with SHA-512 (as hash_to_field does for ristretto255). */
function expandXmd(msg: Uint8Array, dst: Uint8Array, len: number): Uint8Array {
  const ell = Math.ceil(len / 64);
  const dstPrime = concat(dst, new Uint8Array([dst.length]));
  const b0 = sha512(new Uint8Array(128), msg, i2osp2(len), new Uint8Array([0]), dstPrime);
  const blocks = [sha512(b0, new Uint8Array([1]), dstPrime)];
  for (let i = 2; i <= ell; i++) {
    const prev = blocks[i - 2]!;
    const x = b0.map((b, j) => b ^ prev[j]!);
    blocks.push(sha512(x, new Uint8Array([i]), dstPrime));
  }
  return concat(...blocks).subarray(0, len);
}

const CONTEXT = concat(
  te.encode("OPRFV1-"),
  new Uint8Array([1]),
  te.encode("-ristretto255-SHA512"),
);
const HASH_TO_GROUP_DST = concat(te.encode("HashToGroup-"), CONTEXT);
const HASH_TO_SCALAR_DST = concat(te.encode("HashToScalar-"), CONTEXT);
const SEED_DST = concat(te.encode("Seed-"), CONTEXT);
const COMPOSITE = te.encode("Composite");
const CHALLENGE = te.encode("Challenge");
const FINALIZE = te.encode("Finalize");

export class SodiumVoprf {
  readonly #s: SodiumRistretto;
  readonly #G: Uint8Array;
  constructor(sodium: SodiumRistretto) {
    this.#s = sodium;
    const one = new Uint8Array(32);
    one[0] = 1;
    this.#G = sodium.crypto_scalarmult_ristretto255_base(one);
  }

  hashToGroup(input: Uint8Array): Uint8Array {
    return this.#s.crypto_core_ristretto255_from_hash(expandXmd(input, HASH_TO_GROUP_DST, 64));
  }

  hashToScalar(input: Uint8Array): Uint8Array {
    return this.#s.crypto_core_ristretto255_scalar_reduce(expandXmd(input, HASH_TO_SCALAR_DST, 64));
  }

  blind(input: Uint8Array): { blind: Uint8Array; blinded: Uint8Array } {
    const blind = this.#s.crypto_core_ristretto255_scalar_random();
    return {
      blind,
      blinded: this.#s.crypto_scalarmult_ristretto255(blind, this.hashToGroup(input)),
    };
  }

  /** d_i of RFC 9497's composites, for B (the public key), C (blinded), D (evaluated). */
  #weights(B: Uint8Array, C: readonly Uint8Array[], D: readonly Uint8Array[]): Uint8Array[] {
    const seed = createHash("sha512")
      .update(concat(withLength(B), withLength(SEED_DST)))
      .digest();
    return C.map((c, i) =>
      this.hashToScalar(
        concat(withLength(seed), i2osp2(i), withLength(c), withLength(D[i]!), COMPOSITE),
      ),
    );
  }

  #sum(weights: readonly Uint8Array[], points: readonly Uint8Array[]): Uint8Array {
    let acc: Uint8Array | undefined;
    for (let i = 0; i < points.length; i++) {
      const term = this.#s.crypto_scalarmult_ristretto255(weights[i]!, points[i]!);
      acc = acc ? this.#s.crypto_core_ristretto255_add(acc, term) : term;
    }
    if (!acc) throw new Error("empty batch");
    return acc;
  }

  #challenge(B: Uint8Array, M: Uint8Array, Z: Uint8Array, t2: Uint8Array, t3: Uint8Array) {
    return this.hashToScalar(
      concat(
        withLength(B),
        withLength(M),
        withLength(Z),
        withLength(t2),
        withLength(t3),
        CHALLENGE,
      ),
    );
  }

  /** The service: each element times the key, and one proof (c ‖ s) for the batch. */
  blindEvaluateBatch(
    secretKey: Uint8Array,
    publicKey: Uint8Array,
    blinded: readonly Uint8Array[],
  ): { evaluated: Uint8Array[]; proof: Uint8Array } {
    const s = this.#s;
    for (const b of blinded)
      if (!s.crypto_core_ristretto255_is_valid_point(b)) throw new Error("invalid element");
    const evaluated = blinded.map((b) => s.crypto_scalarmult_ristretto255(secretKey, b));
    const M = this.#sum(this.#weights(publicKey, blinded, evaluated), blinded);
    const Z = s.crypto_scalarmult_ristretto255(secretKey, M);
    const r = s.crypto_core_ristretto255_scalar_random();
    const t2 = s.crypto_scalarmult_ristretto255(r, this.#G);
    const t3 = s.crypto_scalarmult_ristretto255(r, M);
    const c = this.#challenge(publicKey, M, Z, t2, t3);
    const sc = s.crypto_core_ristretto255_scalar_sub(
      r,
      s.crypto_core_ristretto255_scalar_mul(c, secretKey),
    );
    return { evaluated, proof: concat(c, sc) };
  }

  /** The agency: the proof checked against the pinned key, then each output unblinded. */
  finalizeBatch(
    items: readonly {
      input: Uint8Array;
      blind: Uint8Array;
      blinded: Uint8Array;
      evaluated: Uint8Array;
    }[],
    publicKey: Uint8Array,
    proof: Uint8Array,
  ): Uint8Array[] {
    const s = this.#s;
    const C = items.map((i) => i.blinded);
    const D = items.map((i) => i.evaluated);
    for (const d of D)
      if (!s.crypto_core_ristretto255_is_valid_point(d)) throw new Error("invalid element");
    const w = this.#weights(publicKey, C, D);
    const M = this.#sum(w, C);
    const Z = this.#sum(w, D);
    const c = proof.subarray(0, 32);
    const sc = proof.subarray(32, 64);
    const t2 = s.crypto_core_ristretto255_add(
      s.crypto_scalarmult_ristretto255(sc, this.#G),
      s.crypto_scalarmult_ristretto255(c, publicKey),
    );
    const t3 = s.crypto_core_ristretto255_add(
      s.crypto_scalarmult_ristretto255(sc, M),
      s.crypto_scalarmult_ristretto255(c, Z),
    );
    const expected = this.#challenge(publicKey, M, Z, t2, t3);
    if (!Buffer.from(expected).equals(Buffer.from(c))) throw new Error("proof does not verify");
    return items.map((i) => {
      const unblinded = s.crypto_scalarmult_ristretto255(
        s.crypto_core_ristretto255_scalar_invert(i.blind),
        i.evaluated,
      );
      return new Uint8Array(
        createHash("sha512")
          .update(concat(withLength(i.input), withLength(unblinded), FINALIZE))
          .digest(),
      );
    });
  }
}
