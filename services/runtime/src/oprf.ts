import { ristretto255_oprf } from "@noble/curves/ed25519.js";
import { SodiumVoprf } from "./oprf-sodium.ts";
import { sodiumRistretto } from "./ristretto-sodium.ts";

/**
 * The oblivious PRF of 数据比对 (RFC 9497, ristretto255-SHA512, verifiable mode), through
 * `@noble/curves`. An agency blinds the identities of its register (`blindInputs`); the
 * comparison service evaluates the blinded elements with a key only it holds
 * (`evaluateBlinded`) and proves it used the key it published; the agency checks the proof and
 * unblinds (`finalizePseudonyms`). The service sees random group elements, never an identity;
 * the agency learns pseudonyms, never the key, so it cannot make one without asking.
 *
 * On the wire a batch is its 32-byte elements one after another; the answer is the batch's
 * proof (64 bytes) and then the evaluated elements.
 */

const voprf = ristretto255_oprf.voprf;

/**
 * libsodium's ristretto255 (WebAssembly) once `oprfReady()` has loaded it: the same bytes as
 * noble's (oprf-sodium.test.ts), several times faster. Until then, noble's.
 */
let fast: SodiumVoprf | undefined;
let loading: Promise<void> | undefined;
export function oprfReady(): Promise<void> {
  loading ??= sodiumRistretto().then((s) => {
    fast = new SodiumVoprf(s);
  });
  return loading;
}
export const ELEMENT_BYTES = 32;
export const PROOF_BYTES = 64;
const KEY_INFO = new TextEncoder().encode("liandong 数据比对 v1");

export type OprfKeys = { secretKey: Uint8Array; publicKey: Uint8Array };

/** The comparison service's key pair, derived from its 32-byte secret seed. */
export function oprfKeysFromSeed(seed: Uint8Array): OprfKeys {
  if (seed.length !== 32) throw new Error("OPRF seed: 32 bytes");
  const k = voprf.deriveKeyPair(seed, KEY_INFO);
  return { secretKey: k.secretKey, publicKey: k.publicKey };
}

/** What an agency keeps while its batch is out: the inputs and their blinds. */
export type BlindBatch = {
  inputs: Uint8Array[];
  blinds: Uint8Array[];
  blinded: Uint8Array[];
};

const encoder = new TextEncoder();

export function blindInputs(inputs: readonly string[]): BlindBatch {
  const bytes = inputs.map((s) => encoder.encode(s));
  const blinds: Uint8Array[] = [];
  const blinded: Uint8Array[] = [];
  for (const input of bytes) {
    const b = fast ? fast.blind(input) : voprf.blind(input);
    blinds.push(b.blind);
    blinded.push(b.blinded);
  }
  return { inputs: bytes, blinds, blinded };
}

/** The blinded elements of a batch, as they go to the comparison service. */
export function packElements(elements: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(elements.length * ELEMENT_BYTES);
  for (let i = 0; i < elements.length; i++) out.set(elements[i]!, i * ELEMENT_BYTES);
  return out;
}

export function unpackElements(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length === 0 || bytes.length % ELEMENT_BYTES !== 0)
    throw new OprfError("malformed", `a batch is whole ${ELEMENT_BYTES}-byte elements`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += ELEMENT_BYTES)
    out.push(bytes.subarray(i, i + ELEMENT_BYTES));
  return out;
}

/** Server side: evaluates a batch, with one proof for all of it. Throws on an invalid element. */
export function evaluateBlinded(keys: OprfKeys, blinded: readonly Uint8Array[]): Uint8Array {
  let r: { evaluated: Uint8Array[]; proof: Uint8Array };
  try {
    r = fast
      ? fast.blindEvaluateBatch(keys.secretKey, keys.publicKey, blinded)
      : voprf.blindEvaluateBatch(keys.secretKey, keys.publicKey, blinded as Uint8Array[]);
  } catch (cause) {
    throw new OprfError("malformed", "not a valid ristretto255 element", { cause });
  }
  const out = new Uint8Array(PROOF_BYTES + r.evaluated.length * ELEMENT_BYTES);
  out.set(r.proof, 0);
  for (let i = 0; i < r.evaluated.length; i++)
    out.set(r.evaluated[i]!, PROOF_BYTES + i * ELEMENT_BYTES);
  return out;
}

/**
 * Client side: checks the service's proof against its pinned public key and unblinds. The
 * pseudonyms come back in the order of the inputs, base64url. A wrong proof (another key, an
 * element swapped) throws: nothing is compared under a key the agency did not pin.
 */
export function finalizePseudonyms(
  batch: BlindBatch,
  answer: Uint8Array,
  publicKey: Uint8Array,
): string[] {
  if (answer.length !== PROOF_BYTES + batch.blinded.length * ELEMENT_BYTES)
    throw new OprfError("malformed", "the answer does not match the batch");
  const proof = answer.subarray(0, PROOF_BYTES);
  const items = batch.inputs.map((input, i) => ({
    input,
    blind: batch.blinds[i]!,
    blinded: batch.blinded[i]!,
    evaluated: answer.subarray(
      PROOF_BYTES + i * ELEMENT_BYTES,
      PROOF_BYTES + (i + 1) * ELEMENT_BYTES,
    ),
  }));
  let out: Uint8Array[];
  try {
    out = fast
      ? fast.finalizeBatch(items, publicKey, proof)
      : voprf.finalizeBatch(items, publicKey, proof);
  } catch (cause) {
    throw new OprfError("unproven", "the comparison service's proof does not verify", { cause });
  }
  return out.map((o) => Buffer.from(o).toString("base64url"));
}

/** `malformed`: bytes that are no batch; `unproven`: an evaluation the pinned key did not make. */
export class OprfError extends Error {
  override readonly name = "OprfError";
  readonly code: "malformed" | "unproven";
  constructor(code: "malformed" | "unproven", message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.code = code;
  }
}
