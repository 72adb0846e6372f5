import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { CountyCode } from "./county.ts";
import { PlainText, Text } from "./text.ts";

export const LeadSource = z.enum([
  "public-tip",
  "pregnancy-disappearance",
  "record-audit",
  "drug-ledger-anomaly",
  "ultrasound-registry",
  "birth-data-comparison",
  "inspection",
  "neighbour-county",
]);
export type LeadSource = z.infer<typeof LeadSource>;

export const Violation = z.enum([
  "illegal-sex-determination",
  "sex-selective-termination",
  "intermediary",
  "illegal-drug-sale",
  "unlicensed-practice",
  "unregistered-ultrasound",
  "infant-abandonment",
  "infant-trafficking",
  "false-certificate",
  "obstruction",
]);
export type Violation = z.infer<typeof Violation>;

/** Lower-case hex SHA-256 of the referenced content. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "sha256: 64 lower-case hex digits");

/** Evidence stays where it was collected; the bus carries a reference and its content hash. */
export const EvidenceRef = z.object({
  /** Where the holding agency keeps it, e.g. `health:archive/2026/0042.pdf`. */
  ref: z.string().min(1).max(300),
  sha256: Sha256Hex,
  description: PlainText(500).optional(),
});
export type EvidenceRef = z.infer<typeof EvidenceRef>;

/**
 * Who or what the lead is about: the minimum needed to act on it (PIPL). Institutions are
 * named; a person is named only by what identifies them for the receiving agencies.
 */
export const Target = z.object({
  kind: z.enum(["institution", "person"]),
  name: z.string().trim().min(1).max(200),
  /** Department, clinic room or role inside an institution, e.g. 产科. */
  unit: z.string().trim().max(200).optional(),
  address: z.string().trim().max(300).optional(),
  /** 属地: the county where the target is located. */
  county: CountyCode,
});
export type Target = z.infer<typeof Target>;

/** A target as an officer enters it over HTTP: its names are free text (see `Text`). */
export const TargetInput = Target.extend({
  name: Text(200),
  unit: PlainText(200).optional(),
  address: PlainText(300).optional(),
});

export const HandlingRestriction = z.enum([
  /** Not to be passed on beyond the first recipients without the originator's consent. */
  "no-forward-without-consent",
]);
export type HandlingRestriction = z.infer<typeof HandlingRestriction>;

/** Opaque reference to an informant sealed in the holding agency's store. */
export const InformantRef = z.string().regex(/^inf_[0-9a-f]{32}$/);

/** What the shared bus knows of a lead: never an informant's identity. */
export const LeadFacts = z.object({
  leadId: z.uuid(),
  source: LeadSource,
  violations: z.array(Violation).min(1),
  target: Target,
  summary: z.string().min(1).max(4000),
  evidence: z.array(EvidenceRef).max(50),
  /** When the facts were observed or the tip was received (ISO 8601). */
  observedAt: z.iso.datetime({ offset: true }).optional(),
  informant: z
    .object({ ref: InformantRef, rewardEligible: z.boolean() })
    .optional()
    .describe("present when an informant is on file with the originating agency"),
  handling: z.array(HandlingRestriction).default([]),
});
export type LeadFacts = z.infer<typeof LeadFacts>;

/** Key that identifies "the same target" without carrying its name: sha256 of the normalised target. */
export const TargetKey = Sha256Hex;

export const LeadRecipients = z.array(AgencyCode);
