import { z } from "zod";
import { Agency, AgencyCode, DEFAULT_AGENCIES } from "./agency.ts";
import { County, CountyCode, DEFAULT_COUNTIES } from "./county.ts";
import { ActorId } from "./envelope.ts";
import { AuditPublicKey } from "./events-audit.ts";
import { LeadSource, Sha256Hex } from "./lead.ts";

/**
 * Who needs to know, by lead source (GLOSSARY.md, 线索来源). The originator is never among
 * its own recipients; a deployment replaces any row by configuration.
 */
export const DEFAULT_ROUTING: Record<LeadSource, AgencyCode[]> = {
  "public-tip": ["public-security", "health", "family-planning"],
  "pregnancy-disappearance": ["health", "public-security"],
  "record-audit": ["public-security", "family-planning"],
  "drug-ledger-anomaly": ["health", "drug-regulation"],
  "ultrasound-registry": ["health", "commerce"],
  "birth-data-comparison": ["family-planning", "public-security", "health"],
  inspection: ["health", "family-planning"],
  "neighbour-county": ["health", "family-planning", "public-security"],
};

export const CountyConfig = z.object({
  county: CountyCode,
  agencies: z.array(Agency).default([...DEFAULT_AGENCIES]),
  counties: z.array(County).default([...DEFAULT_COUNTIES]),
  routing: z.partialRecord(LeadSource, z.array(AgencyCode)).default({}),
  /** A new lead about the same target within this many days is linked to the earlier one. */
  duplicateWindowDays: z.number().int().min(0).max(3650).default(90),
  /** Legal range of a fine, in yuan (GLOSSARY.md: typically 5,000–30,000). */
  fineRangeYuan: z
    .object({ min: z.number().int().min(0), max: z.number().int().positive() })
    .default({ min: 5000, max: 30000 }),
  /** Range of a reward to an informant, in yuan (举报奖励). */
  rewardRangeYuan: z
    .object({ min: z.number().int().min(0), max: z.number().int().positive() })
    .default({ min: 500, max: 50000 }),
  /** Decree No. 310 deadlines for a transfer to the judiciary, in hours. */
  judiciaryDeadlines: z
    .object({
      decideWithinHours: z.number().positive(),
      transferWithinHours: z.number().positive(),
    })
    .default({ decideWithinHours: 72, transferWithinHours: 24 }),
  /** Largest HTTP request body accepted, in bytes. */
  maxBodyBytes: z.number().int().min(1024).max(10_000_000).default(262_144),
  /**
   * Each agency's public key (its NATS nkey, `U…`): what its audit checkpoints are verified
   * with. Public, and written by whoever issues the identities (the county launcher).
   */
  auditKeys: z.record(AgencyCode, AuditPublicKey).default({}),
});
export type CountyConfig = z.infer<typeof CountyConfig>;

/** An officer who may call an agency's HTTP API; only the token's hash is configured. */
export const Officer = z.object({
  id: ActorId,
  agency: AgencyCode,
  name: z.string().min(1),
  /** SHA-256 (hex) of the bearer token. */
  tokenSha256: Sha256Hex,
  supervisor: z.boolean().default(false),
});
export type Officer = z.infer<typeof Officer>;

export function recipientsFor(
  config: CountyConfig,
  source: LeadSource,
  originator: AgencyCode,
): AgencyCode[] {
  const row = config.routing[source] ?? DEFAULT_ROUTING[source];
  const known = new Set(config.agencies.map((a) => a.code));
  return [...new Set(row)].filter((a) => a !== originator && known.has(a));
}
