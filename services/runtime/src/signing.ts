import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { fromSeed, Prefix } from "@nats-io/nkeys";
// The nkey text codec (base32 with a role prefix and CRC-16), to hand the raw ed25519 keys
// to node:crypto: nkeys' own signing is pure JavaScript, about 150 times slower to verify.
import { Codec } from "@nats-io/nkeys/lib/codec.js";

/** DER headers that wrap a raw 32-byte ed25519 key (RFC 8410). */
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");

/** Signs with an agency's own NATS identity (its nkey seed); verifiable with its public key. */
export type Signer = { readonly publicKey: string; sign(text: string): string };

export function signerFromSeed(seedText: string): Signer {
  const seed = new TextEncoder().encode(seedText.trim());
  const publicKey = fromSeed(seed).getPublicKey();
  const { buf } = Codec.decodeSeed(seed);
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519, buf]),
    format: "der",
    type: "pkcs8",
  });
  return {
    publicKey,
    sign: (text) => sign(null, Buffer.from(text), key).toString("base64url"),
  };
}

const publicKeys = new Map<string, KeyObject | null>();

function publicKeyObject(publicKey: string): KeyObject | null {
  let key = publicKeys.get(publicKey);
  if (key === undefined) {
    try {
      const raw = Codec.decode(Prefix.User, new TextEncoder().encode(publicKey));
      key = createPublicKey({
        key: Buffer.concat([SPKI_ED25519, raw]),
        format: "der",
        type: "spki",
      });
    } catch {
      key = null;
    }
    publicKeys.set(publicKey, key);
  }
  return key;
}

/** True when `signature` (base64url) is `publicKey`'s (an nkey `U…`) ed25519 signature of `text`. */
export function verifySignature(publicKey: string, text: string, signature: string): boolean {
  const key = publicKeyObject(publicKey);
  if (!key) return false;
  try {
    return verify(null, Buffer.from(text), key, Buffer.from(signature, "base64url"));
  } catch {
    return false;
  }
}
