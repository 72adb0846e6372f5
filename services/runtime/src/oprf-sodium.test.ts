import { ristretto255_oprf } from "@noble/curves/ed25519.js";
import { beforeAll, describe, expect, it } from "vitest";
import { oprfKeysFromSeed } from "./oprf.ts";
import { SodiumVoprf } from "./oprf-sodium.ts";
import { sodiumRistretto } from "./ristretto-sodium.ts";

const voprf = ristretto255_oprf.voprf as typeof ristretto255_oprf.voprf & {
  /** RFC 9497 Evaluate: the output computed with the key, no blinding (noble has it, untyped). */
  evaluate(secretKey: Uint8Array, input: Uint8Array): Uint8Array;
};
const keys = oprfKeysFromSeed(new Uint8Array(32).fill(7));
const te = new TextEncoder();
const inputs = ["id:44172319900101002X", "id:441723199001010021", "nb:王秀英|1990-01-01", ""].map(
  (s) => te.encode(s),
);
let sodium: SodiumVoprf;
beforeAll(async () => {
  sodium = new SodiumVoprf(await sodiumRistretto());
});

// @noble/curves' VOPRF passes RFC 9497's test vectors (its own suite); here each side on
// libsodium meets the other side on noble, and the outputs are the RFC's Evaluate of the input.
describe("RFC 9497 VOPRF on libsodium, byte for byte as @noble/curves'", () => {
  it("the service on libsodium: noble's client checks its proof and gets the RFC's outputs", () => {
    const blinds = inputs.map((i) => voprf.blind(i));
    const r = sodium.blindEvaluateBatch(
      keys.secretKey,
      keys.publicKey,
      blinds.map((b) => b.blinded),
    );
    const out = voprf.finalizeBatch(
      inputs.map((input, i) => ({
        input,
        blind: blinds[i]!.blind,
        blinded: blinds[i]!.blinded,
        evaluated: r.evaluated[i]!,
      })),
      keys.publicKey,
      r.proof,
    );
    for (let i = 0; i < inputs.length; i++)
      expect(Buffer.from(out[i]!).toString("hex")).toBe(
        Buffer.from(voprf.evaluate(keys.secretKey, inputs[i]!)).toString("hex"),
      );
  });

  it("the agency on libsodium: checks noble's service's proof, gets the RFC's outputs, refuses another key's", () => {
    const blinds = inputs.map((i) => sodium.blind(i));
    const r = voprf.blindEvaluateBatch(
      keys.secretKey,
      keys.publicKey,
      blinds.map((b) => b.blinded),
    );
    const items = inputs.map((input, i) => ({
      input,
      blind: blinds[i]!.blind,
      blinded: blinds[i]!.blinded,
      evaluated: r.evaluated[i]!,
    }));
    const out = sodium.finalizeBatch(items, keys.publicKey, r.proof);
    for (let i = 0; i < inputs.length; i++)
      expect(Buffer.from(out[i]!).toString("hex")).toBe(
        Buffer.from(voprf.evaluate(keys.secretKey, inputs[i]!)).toString("hex"),
      );
    const other = oprfKeysFromSeed(new Uint8Array(32).fill(9));
    expect(() => sodium.finalizeBatch(items, other.publicKey, r.proof)).toThrow(/proof/);
  });
});
