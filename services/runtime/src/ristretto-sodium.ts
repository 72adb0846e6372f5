import { ristretto255 } from "@noble/curves/ed25519.js";

/** The part of libsodium (WebAssembly, `libsodium-wrappers-sumo`) that ristretto255 uses. */
export type SodiumRistretto = {
  crypto_scalarmult_ristretto255(n: Uint8Array, p: Uint8Array): Uint8Array;
  crypto_scalarmult_ristretto255_base(n: Uint8Array): Uint8Array;
  crypto_core_ristretto255_from_hash(h: Uint8Array): Uint8Array;
  crypto_core_ristretto255_add(p: Uint8Array, q: Uint8Array): Uint8Array;
  crypto_core_ristretto255_scalar_random(): Uint8Array;
  crypto_core_ristretto255_random(): Uint8Array;
  crypto_core_ristretto255_is_valid_point(p: Uint8Array): boolean;
  crypto_core_ristretto255_scalar_reduce(s: Uint8Array): Uint8Array;
  crypto_core_ristretto255_scalar_sub(x: Uint8Array, y: Uint8Array): Uint8Array;
  crypto_core_ristretto255_scalar_mul(x: Uint8Array, y: Uint8Array): Uint8Array;
  crypto_core_ristretto255_scalar_invert(s: Uint8Array): Uint8Array;
};

let loaded: Promise<SodiumRistretto> | undefined;

/**
 * libsodium's ristretto255 (WebAssembly: no native build, Node 20 too), loaded once. What the
 * benchmark measures the floor of 数据比对's OPRF with, beside `@noble/curves`.
 */
export function sodiumRistretto(): Promise<SodiumRistretto> {
  loaded ??= (async () => {
    // A literal import: the services' bundles carry it (the launcher runs them from dist/).
    const mod = (await import("libsodium-wrappers-sumo")) as { default?: unknown };
    const sodium = (mod.default ?? mod) as SodiumRistretto & { ready: Promise<void> };
    await sodium.ready;
    return sodium;
  })();
  return loaded;
}

const timePer = (n: number, f: () => void) => {
  const t = performance.now();
  for (let i = 0; i < n; i++) f();
  return ((performance.now() - t) * 1000) / n;
};

/** µs per ristretto255 scalar multiplication, `@noble/curves` (JavaScript) and libsodium (WASM). */
export async function scalarMultiplyCosts(): Promise<{ nobleUs: number; sodiumUs: number }> {
  const point = ristretto255.Point.BASE.multiply(987654321n);
  const scalar = 0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefn;
  timePer(20, () => point.multiply(scalar));
  const nobleUs = timePer(100, () => point.multiply(scalar));
  const sodium = await sodiumRistretto();
  const k = sodium.crypto_core_ristretto255_scalar_random();
  const p = sodium.crypto_core_ristretto255_random();
  timePer(100, () => sodium.crypto_scalarmult_ristretto255(k, p));
  const sodiumUs = timePer(1000, () => sodium.crypto_scalarmult_ristretto255(k, p));
  return { nobleUs, sodiumUs };
}
