import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { CountyCode } from "./county.ts";
import { AuditHead, AuditHeads, AuditPublicKey, headsSigningText } from "./events-audit.ts";
import { SaidParams } from "./said.ts";

/**
 * Counties witness each other (见证, as C2SP witnesses co-sign a log's checkpoints): a county's
 * office sends its signed heads across the line to each neighbour's office, which checks them
 * against what it witnessed from that county before and answers with its co-signature, or a
 * refusal naming the inconsistency. A county that showed two neighbours two histories, or whose
 * log no longer holds what a neighbour witnessed, is caught by `liandong verify-region`.
 *
 * Every witness event stands on the aggregate `witness/<neighbour>` of the county that writes it
 * and is addressed to the neighbour's office (`to: office`, `toCounty`).
 */

/** The county's heads, as its office signs them (`GET /audit/heads`), sent to a neighbour. */
export const WitnessHeadsSent = z.object({ heads: AuditHeads });
export type WitnessHeadsSent = z.infer<typeof WitnessHeadsSent>;

const Signature = z.string().regex(/^[A-Za-z0-9_-]{86}$/, "base64url ed25519 signature");

/**
 * A neighbour's co-signature of a county's heads (见证签名): whoever holds the witness's office
 * key can check it, with the heads it covers, offline.
 */
export const WitnessCosignature = z.object({
  /** The witnessing county. */
  witness: CountyCode,
  /** The heads witnessed, as the county's office signed them. */
  heads: AuditHeads,
  /** When the witness co-signed. */
  at: z.iso.datetime(),
  /** The witness's office key, and its base64url ed25519 signature of `cosignatureText`. */
  key: AuditPublicKey,
  signature: Signature,
});
export type WitnessCosignature = z.infer<typeof WitnessCosignature>;

/** What a witness's co-signature covers: the witness, when, and the heads as their office signed them. */
export function cosignatureText(c: Pick<WitnessCosignature, "witness" | "at" | "heads">): string {
  return `liandong-cosignature/1\n${c.witness}\n${c.at}\n${headsSigningText(c.heads)}`;
}

/**
 * Why a witness would not co-sign: `not-signed`, the heads are not the county's office's (wrong
 * county, unknown or other key, a signature that does not verify); `shrunk`, an agency's chain
 * is shorter than one it witnessed before; `forked`, the same size with another checkpoint.
 */
export const WitnessProblem = z.enum(["not-signed", "shrunk", "forked"]);
export type WitnessProblem = z.infer<typeof WitnessProblem>;

/** A witness's refusal, on the record in both counties; the witness's office also logs it as an error. */
export const WitnessRefusal = z.object({
  witness: CountyCode,
  heads: AuditHeads,
  at: z.iso.datetime(),
  problem: WitnessProblem,
  /** The agency whose head is inconsistent (`shrunk`, `forked`). */
  agency: AgencyCode.optional(),
  /** The head of that agency the witness had witnessed before. */
  before: AuditHead.pick({ size: true, checkpoint: true }).optional(),
  /** Why, in Chinese (older records: in English). */
  detail: z.string(),
  /** Why, as the domain's catalogue (`REFUSALS`) says it: its code and parameters (newer records). */
  code: z.string().max(80).optional(),
  params: SaidParams.optional(),
});
export type WitnessRefusal = z.infer<typeof WitnessRefusal>;

/**
 * What a county's neighbours answered to its heads (`GET /audit/witnesses`): by neighbouring
 * county, its latest co-signature and its latest refusal. An auditor keeps the latest
 * co-signatures: the heads they cover are known to a county that is not this one.
 */
export const AuditWitnesses = z.object({
  county: z.string(),
  neighbours: z.record(
    z.string(),
    z.object({
      cosigned: WitnessCosignature.optional(),
      refused: WitnessRefusal.optional(),
    }),
  ),
});
export type AuditWitnesses = z.infer<typeof AuditWitnesses>;
