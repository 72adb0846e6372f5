import { z } from "zod";
import { Agency, AgencyCode, DEFAULT_AGENCIES } from "./agency.ts";
import { County, CountyCode, DEFAULT_COUNTIES, divisionName } from "./county.ts";
import { deadlineBasis } from "./deadline-basis.ts";
import { ActorId } from "./envelope.ts";
import { AuditPublicKey } from "./events-audit.ts";
import { SanctionKind } from "./events-case.ts";
import { MAX_TOKEN_DAYS } from "./events-officer.ts";
import { ReferralKind } from "./events-referral.ts";
import { LeadSource, Sha256Hex } from "./lead.ts";
import { OfficerRole } from "./officer-role.ts";

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

/**
 * What each agency may impose when it closes a case (GLOSSARY.md, 处罚 and the agency table).
 * Every enforcement agency transfers a suspected crime (decree No. 310); public security hands
 * criminal cases on and imposes no administrative sanction here. An agency added by
 * configuration (妇联, 检察院…) imposes nothing unless `CountyConfig.sanctions` names it.
 */
export const DEFAULT_SANCTIONS: Readonly<Record<string, readonly SanctionKind[]>> = {
  health: [
    "fine",
    "revoke-practising-certificate",
    "revoke-institution-licence",
    "administrative-sanction",
    "transfer-to-judiciary",
  ],
  "family-planning": [
    "fine",
    "birth-permit-sanction",
    "administrative-sanction",
    "transfer-to-judiciary",
  ],
  "public-security": ["transfer-to-judiciary"],
  "drug-regulation": ["fine", "confiscate-drugs", "transfer-to-judiciary"],
  commerce: [
    "fine",
    "revoke-business-licence",
    "close-unlicensed-operator",
    "transfer-to-judiciary",
  ],
};

/**
 * 行政执法机关移送涉嫌犯罪案件的规定 (State Council decree No. 310), in hours. The law, not
 * configuration: no county's deadlines move these.
 */
export const DECREE_310 = {
  /** Art. 5: the agency's head decides whether to transfer within 3 days of the report. */
  transferDecisionHours: 72,
  /** Art. 5: once decided, the case goes to public security within 24 hours. */
  transferHours: 24,
  /** Art. 8: public security decides on filing within 3 days of receiving it (立案决定期限). */
  filingDecisionHours: 72,
} as const;

const DeadlineDays = z.number().positive().max(365);
const DeadlineOverride = z.strictObject({
  acceptanceDays: DeadlineDays.optional(),
  feedbackDays: DeadlineDays.optional(),
});

/**
 * A county's configuration (`liandong.county.json`). Strict: a key it does not know is refused,
 * named, rather than silently ignored (a misspelt `routnig` would otherwise leave the defaults in
 * force); and a routing rule may name only agencies the county has.
 */
export const CountyConfig = z
  .strictObject({
    /** The JSON Schema an editor checks this file with (contracts/generated/county-config.schema.json). */
    $schema: z.string().optional(),
    /** A note for whoever edits the file; ignored. */
    $comment: z.string().optional(),
    county: CountyCode,
    agencies: z.array(Agency).default([...DEFAULT_AGENCIES]),
    counties: z.array(County).default([...DEFAULT_COUNTIES]),
    routing: z.partialRecord(LeadSource, z.array(AgencyCode)).default({}),
    /** A new lead about the same target within this many days is linked to the earlier one. */
    duplicateWindowDays: z.number().int().min(0).max(3650).default(90),
    /** Legal range of a fine, in yuan (GLOSSARY.md: typically 5,000–30,000). */
    fineRangeYuan: z
      .strictObject({ min: z.number().int().min(0), max: z.number().int().positive() })
      .default({ min: 5000, max: 30000 }),
    /** Range of a reward to an informant, in yuan (举报奖励). */
    rewardRangeYuan: z
      .strictObject({ min: z.number().int().min(0), max: z.number().int().positive() })
      .default({ min: 500, max: 50000 }),
    /**
     * Sanctions an agency may impose, by agency: a row here replaces that agency's row of
     * `DEFAULT_SANCTIONS` (an agency added by configuration gets its row here).
     */
    sanctions: z.record(AgencyCode, z.array(SanctionKind)).default({}),
    /**
     * Hand-off deadlines (期限), in days: acceptance and feedback, with overrides per addressee
     * agency and per referral kind (the kind's override wins). A transfer to the judiciary is
     * accepted within decree No. 310's filing decision (`DECREE_310`), whatever is set here.
     */
    deadlines: z
      .strictObject({
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
    region: z
      .strictObject({
        neighbours: z.array(CountyCode).default([]),
        /**
         * Each neighbour's agencies' public keys: what the seals of their events are checked
         * with when they cross the line (an event no known key sealed is refused).
         */
        keys: z.record(CountyCode, z.record(AgencyCode, AuditPublicKey)).default({}),
        /**
         * Counties reached through a neighbour's link without a link of their own (上下联动):
         * by neighbour, the counties beyond it. A county of a city lists, beyond its city, the
         * region's counties it is not linked to; a city's bus lists, beyond each of its peer
         * cities, that city's counties. What this bus addresses to them (or, at a city's hub,
         * passes on for them) goes over that neighbour's link, once and in order. Their
         * agencies' keys are in `keys` like a neighbour's.
         */
        beyond: z.record(CountyCode, z.array(CountyCode)).default({}),
        /**
         * Least time between two sendings of the county's heads to a neighbour to be witnessed
         * (见证), in seconds: heads that moved meanwhile wait, and go together.
         */
        witnessEverySeconds: z.number().min(0.05).max(3600).default(5),
      })
      .default({ neighbours: [], keys: {}, beyond: {}, witnessEverySeconds: 5 }),
    /**
     * The city this bus belongs to (上下联动): in a county's configuration, its city's code, its
     * criteria of a major case and how soon an unacknowledged report is chased; in the city's own
     * (`code` its own), its counties. The city's bus is a JetStream domain of its own, linked to
     * each county like a neighbour (`region`).
     */
    city: z
      .strictObject({
        code: CountyCode,
        /** The city's counties (in the city's own configuration). */
        counties: z.array(CountyCode).default([]),
        /** The region's other cities, linked hub to hub (in the city's own configuration). */
        peers: z.array(CountyCode).default([]),
        /** A county's monthly report is due at the city this many days after its agencies' (每月10日). */
        reportDueDays: z.number().int().min(0).max(20).default(5),
        /** What makes a case a major case (重大案件), reported to the city at once. */
        majorCase: z
          .strictObject({
            transferToJudiciary: z.boolean().default(true),
            /** A fine at or above this many yuan; null: no amount makes a case major. */
            fineAtLeastYuan: z.number().int().positive().nullable().default(20000),
            institutionLicenceRevoked: z.boolean().default(true),
            severalCounties: z.boolean().default(true),
          })
          .default({
            transferToJudiciary: true,
            fineAtLeastYuan: 20000,
            institutionLicenceRevoked: true,
            severalCounties: true,
          }),
        /** An unacknowledged major-case report is chased after this many seconds, and again. */
        chaseAfterSeconds: z
          .number()
          .min(0.5)
          .max(7 * 86_400)
          .default(3600),
      })
      .optional(),
    /** Lifetime of a named officer's token (`liandong officers add`, `renew`), in days. */
    officerTokenDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).default(30),
    /** How often the office's scheduler looks for deadlines passed, in seconds. */
    overdueCheckSeconds: z.number().min(0.05).max(3600).default(5),
    /** Largest HTTP request body accepted, in bytes. */
    maxBodyBytes: z.number().int().min(1024).max(10_000_000).default(262_144),
    /**
     * Each agency's public key (its NATS nkey, `U…`): what its audit checkpoints are verified
     * with. Public, and written by whoever issues the identities (the county launcher).
     */
    auditKeys: z.record(AgencyCode, AuditPublicKey).default({}),
  })
  .superRefine((config, ctx) => {
    const known = new Set(config.agencies.map((a) => a.code));
    for (const [source, row] of Object.entries(config.routing))
      row?.forEach((agency, i) => {
        if (!known.has(agency))
          ctx.addIssue({
            code: "custom",
            path: ["routing", source, i],
            message: `routing: ${agency} is not an agency of this county (agencies: ${[...known].join(", ")})`,
          });
      });
    // A county's name is the list's: a configured one may name only a code the list lacks.
    config.counties.forEach((county, i) => {
      const listed = divisionName(county.code);
      if (county.name !== undefined && listed !== undefined && county.name !== listed)
        ctx.addIssue({
          code: "custom",
          path: ["counties", i, "name"],
          message: `counties: ${county.code} 在现行区划代码（GB/T 2260）中是${listed}，不是${county.name}（现行代码的名称不必配置）`,
        });
    });
  });

export type CountyConfig = z.infer<typeof CountyConfig>;

/**
 * An officer who may call an agency's HTTP API; only the token's hash is kept. The demo's role
 * tokens are configured in a file; named officers come from the register on the bus.
 */
export const Officer = z.object({
  id: ActorId,
  agency: AgencyCode,
  name: z.string().min(1),
  /** SHA-256 (hex) of the bearer token. */
  tokenSha256: Sha256Hex,
  supervisor: z.boolean().default(false),
  /** The role the officer acts in; a configured role token without one acts unnamed. */
  role: OfficerRole.optional(),
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

/** Pure: the sanctions `agency` may impose in this county (configuration over the defaults). */
export function sanctionsOf(
  config: Pick<CountyConfig, "sanctions">,
  agency: AgencyCode,
): readonly SanctionKind[] {
  return config.sanctions[agency] ?? DEFAULT_SANCTIONS[agency] ?? [];
}

const HOUR_MS = 3_600_000;
/** A day in milliseconds: deadlines are counted in whole days of 24 hours. */
export const DAY_MS = 86_400_000;

/**
 * The acceptance and feedback deadlines of a referral offered now: by configuration, except a
 * transfer to the judiciary, whose acceptance is due within decree No. 310's filing decision
 * (see `deadlineBasis`).
 */
export function referralDeadlines(
  config: CountyConfig,
  kind: ReferralKind,
  to: AgencyCode,
  now: Date,
): { acceptBy: string; completeBy: string } {
  const d = config.deadlines;
  const pick = (k: "acceptanceDays" | "feedbackDays") =>
    d.byKind[kind]?.[k] ?? d.byAgency[to]?.[k] ?? d[k];
  const after = (ms: number) => new Date(now.getTime() + ms).toISOString();
  const acceptWithinMs =
    deadlineBasis({ kind }) === "decree-310"
      ? DECREE_310.filingDecisionHours * HOUR_MS
      : pick("acceptanceDays") * DAY_MS;
  return { acceptBy: after(acceptWithinMs), completeBy: after(pick("feedbackDays") * DAY_MS) };
}
