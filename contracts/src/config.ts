import { z } from "zod";
import { Agency, AgencyCode, DEFAULT_AGENCIES } from "./agency.ts";
import { County, CountyCode, DEFAULT_COUNTIES } from "./county.ts";
import { ActorId } from "./envelope.ts";
import { AuditPublicKey } from "./events-audit.ts";
import { ReferralKind } from "./events-referral.ts";
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

const DeadlineDays = z.number().positive().max(365);
const DeadlineOverride = z.object({
  acceptanceDays: DeadlineDays.optional(),
  feedbackDays: DeadlineDays.optional(),
});

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
  /**
   * Hand-off deadlines (期限), in days: acceptance and feedback, with overrides per addressee
   * agency and per referral kind (the kind's override wins). Transfers to the judiciary keep
   * the decree No. 310 hours above.
   */
  deadlines: z
    .object({
      acceptanceDays: DeadlineDays.default(3),
      feedbackDays: DeadlineDays.default(30),
      byAgency: z.record(AgencyCode, DeadlineOverride).default({}),
      byKind: z.partialRecord(ReferralKind, DeadlineOverride).default({}),
    })
    .default({ acceptanceDays: 3, feedbackDays: 30, byAgency: {}, byKind: {} }),
  /** Days an agency has to answer a supervision order (督办), unless the order says otherwise. */
  supervisionAnswerDays: z.number().positive().max(90).default(7),
  /**
   * The cooperation region (区域协作): the neighbouring counties this county shares with. Each
   * county is its own JetStream domain; a neighbour reads only the stream addressed to it.
   */
  region: z.object({ neighbours: z.array(CountyCode).default([]) }).default({ neighbours: [] }),
  /** How often the office's scheduler looks for deadlines passed, in seconds. */
  overdueCheckSeconds: z.number().min(0.05).max(3600).default(5),
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

/** The acceptance and feedback deadlines of a referral offered now, by configuration. */
export function referralDeadlines(
  config: CountyConfig,
  kind: ReferralKind,
  to: AgencyCode,
  now: Date,
): { acceptBy: string; completeBy: string } {
  const d = config.deadlines;
  const pick = (k: "acceptanceDays" | "feedbackDays") =>
    d.byKind[kind]?.[k] ?? d.byAgency[to]?.[k] ?? d[k];
  const at = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString();
  return { acceptBy: at(pick("acceptanceDays")), completeBy: at(pick("feedbackDays")) };
}
