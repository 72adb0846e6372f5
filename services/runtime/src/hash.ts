import { createHash, hash } from "node:crypto";

/** One-shot hashing (`crypto.hash`, Node ≥ 20.12): no Hash object per event on hot paths. */
export function sha256Hex(data: Uint8Array | string): string {
  return hash("sha256", data, "hex");
}

/** A UUID (version 8, RFC 9562) derived from a name: the same name always yields the same id. */
export function uuidFromName(name: string): string {
  const h = createHash("sha256").update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
