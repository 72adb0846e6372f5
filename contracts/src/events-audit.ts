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
  /** The neighbouring counties whose events may stand in the log (any other is a finding). */
  neighbours: z.array(z.string()).optional(),
});
export type AuditKeys = z.infer<typeof AuditKeys>;

/**
 * The public keys a county's services check seals with (`public-keys.json`, written where the
 * identities are issued): its own agencies', and each neighbouring county's agencies'.
 */
export const PublicKeysFile = z.object({
  county: z.string(),
  agencies: z.record(AgencyCode, AuditPublicKey),
  neighbourKeys: z.record(z.string(), z.record(AgencyCode, AuditPublicKey)).default({}),
  /** The comparison service's OPRF public key (hex): agencies refuse proofs under any other. */
  comparisonOprfKey: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type PublicKeysFile = z.infer<typeof PublicKeysFile>;

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

/**
 * What the seal of a batch of events covers: the root (hex) of the Merkle tree (RFC 9162 §2.1:
 * leaves `SHA-256(0x00 ‖ eventSealText)`, nodes `SHA-256(0x01 ‖ left ‖ right)`) over the events a
 * publisher sealed together, and their number. Such an event's `Liandong-Seal` is
 * `b1.<count>.<index>.<signature>.<sibling>…` (the signature and the audit path's hashes in
 * base64url, leaf upward): one signature for many events, each event's seal checkable alone.
 * A lone event's seal is the signature of its `eventSealText`, as before.
 */
export function eventsSealText(rootHex: string, count: number): string {
  return `liandong-events/1\n${count}\n${rootHex}`;
}

/** One agency's chain as last sealed: its size, and the checkpoint that sealed up to it. */
export const AuditHead = z.object({
  /** Events of the agency's chain sealed so far (the checkpoint's index + its hashes). */
  size: z.number().int().min(0),
  /** SHA-256 (hex) of the checkpoint event's stored bytes. */
  checkpoint: z.string().regex(/^[0-9a-f]{64}$/, "SHA-256, 64 lower-case hex digits"),
  /** Where the checkpoint stands in the county's EVENTS stream. */
  seq: z.number().int().positive(),
});
export type AuditHead = z.infer<typeof AuditHead>;

/**
 * The county's latest heads (最新检查点), kept and signed by the leading group's office: every
 * agency's chain size and last checkpoint, as the office has seen them. An auditor who keeps
 * the latest one can tell a log cut short later (a truncated tail verifies clean without it).
 */
export const AuditHeads = z.object({
  county: z.string(),
  /** When the office signed them. */
  at: z.iso.datetime(),
  heads: z.record(AgencyCode, AuditHead),
  /**
   * Agencies whose chain in the log now is shorter than a head the office saw before (kept in
   * its store): the log was cut. Their heads above are the ones it saw.
   */
  behind: z.array(AgencyCode).default([]),
  /** The office's public key, and its base64url ed25519 signature of `headsSigningText`. */
  key: AuditPublicKey,
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, "base64url ed25519 signature"),
});
export type AuditHeads = z.infer<typeof AuditHeads>;

/** What the office's signature over the heads covers: county, time, each agency's head in order. */
export function headsSigningText(
  h: Pick<AuditHeads, "county" | "at" | "heads"> & { behind?: readonly string[] },
): string {
  const lines = Object.keys(h.heads)
    .sort()
    .map((a) => `${a} ${h.heads[a]!.size} ${h.heads[a]!.checkpoint} ${h.heads[a]!.seq}`);
  const behind = [...(h.behind ?? [])].sort().join(",");
  return `liandong-heads/1\n${h.county}\n${h.at}\n${lines.join("\n")}\nbehind ${behind}`;
}
