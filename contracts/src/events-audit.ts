import { z } from "zod";
import { AgencyCode } from "./agency.ts";

/** The first 128 bits of an event's SHA-256, as 32 lower-case hex digits. */
export const SealedHash = z
  .string()
  .regex(/^[0-9a-f]{32}$/, "sealed hash: 32 lower-case hex digits");

/** An agency's public key: its NATS nkey (`U…`), ed25519. */
export const AuditPublicKey = z.string().regex(/^U[A-Z2-7]{55}$/, "nkey user public key");

/** The public keys a county's log is verified with (what `liandong keys` fetches). */
export const AuditKeys = z.object({
  county: z.string(),
  agencies: z.record(AgencyCode, AuditPublicKey),
});
export type AuditKeys = z.infer<typeof AuditKeys>;

/** Most events one checkpoint seals. */
export const MAX_SEALED_PER_CHECKPOINT = 1000;

/**
 * A signed checkpoint of one agency's own chain (审计检查点). Every event an agency publishes
 * in its county, in the order the EVENTS stream stored them, is position `index`, `index+1`, …
 * of that agency's chain; a checkpoint seals the next `hashes.length` positions. Checkpoints
 * chain among themselves through the envelope's `prev`, and the signature (ed25519, the
 * agency's own NATS key) covers `checkpointSigningText`: whoever holds the agency's public key
 * can prove offline that no sealed event was changed, removed, reordered, forged or replayed.
 */
export const AuditCheckpoint = z.object({
  agency: AgencyCode,
  index: z.number().int().min(0),
  hashes: z.array(SealedHash).min(1).max(MAX_SEALED_PER_CHECKPOINT),
  /** The signer's public key (NATS nkey, `U…`): named so a wrong key is reported as such. */
  key: AuditPublicKey,
  /** base64url ed25519 signature of `checkpointSigningText`. */
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, "base64url ed25519 signature"),
});
export type AuditCheckpoint = z.infer<typeof AuditCheckpoint>;

/** What a checkpoint's signature covers: county, agency, position, the previous checkpoint, the hashes. */
export function checkpointSigningText(
  county: string,
  c: Pick<AuditCheckpoint, "agency" | "index" | "hashes">,
  prev: string | null,
): string {
  return `liandong-checkpoint/1\n${county}\n${c.agency}\n${c.index}\n${prev ?? "-"}\n${c.hashes.join("\n")}`;
}

/**
 * The header an agency's publisher seals each event with as it publishes it (封签): a base64url
 * ed25519 signature, by the agency's own key, of `eventSealText`. Made only by the agency's own
 * code (nobody else holds its key), so an event on its subjects without it, or with one that
 * does not verify, is not the agency's, whoever put it there.
 */
export const SEAL_HEADER = "Liandong-Seal";

/** What an event's seal covers: the subject it was published on and the SHA-256 of its bytes. */
export function eventSealText(subject: string, sha256Hex: string): string {
  return `liandong-event/1\n${subject}\n${sha256Hex}`;
}
