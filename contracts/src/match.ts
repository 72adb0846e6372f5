import { z } from "zod";
import { AgencyCode } from "./agency.ts";

/**
 * 数据比对: the agencies' real-name registers (实名登记), what of them may leave the holding
 * agency (a pseudonym and the facts a rule needs), and what the rules find. A register's rows
 * name people; they never travel. A fact names nobody: its pseudonym is an oblivious PRF's
 * output (RFC 9497) that only the holder can tie back to a row, through its own `ref`.
 */

const Day = z.iso.date();

/** A resident identity card number (居民身份证号码): 17 digits and a digit or X. */
export const IdNumber = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^\d{17}[\dX]$/, "身份证号码：18位，末位为数字或X"));

/**
 * Who a register row is about: an ID number, or where a system has none, a name with a birth
 * date. What is blinded for comparison is `identityInput` of it, never the row.
 */
const Person = {
  idNumber: IdNumber.optional(),
  name: z.string().trim().min(1).max(50),
  birthDate: Day.optional(),
};

/** Weeks of gestation as registered (孕周). */
const Weeks = z.coerce.number().int().min(0).max(45);

/** Health: an ultrasound check at 14 weeks or later (妊娠十四周以上B超检查登记). */
export const UltrasoundRecord = z.object({
  recordId: z.string().trim().min(1).max(64),
  ...Person,
  checkedOn: Day,
  weeks: Weeks,
  /** 预产期; the rules take 280 days from conception when a system records none. */
  expectedOn: Day.optional(),
  facility: z.string().trim().min(1).max(100),
});

/** Health: a delivery in hospital (住院分娩登记). */
export const DeliveryRecord = z.object({
  recordId: z.string().trim().min(1).max(64),
  ...Person,
  deliveredOn: Day,
  facility: z.string().trim().min(1).max(100),
});

/** Health: a termination or an induction (人流引产登记), with its approval number if any. */
export const TerminationRecord = z.object({
  recordId: z.string().trim().min(1).max(64),
  ...Person,
  performedOn: Day,
  weeks: Weeks,
  method: z.enum(["termination", "induction"]),
  /** 审批编号 of the approval to terminate after 14 weeks; empty when none was shown. */
  approvalNumber: z.string().trim().max(64).optional(),
  facility: z.string().trim().min(1).max(100),
});

/** Family planning: a pregnancy follow-up visit (孕情跟踪随访). */
export const FollowUpRecord = z.object({
  recordId: z.string().trim().min(1).max(64),
  ...Person,
  visitedOn: Day,
  /** Still pregnant at the visit (在孕). */
  pregnant: z.boolean(),
  weeks: Weeks.optional(),
  expectedOn: Day.optional(),
});

/** Family planning: an approved termination (批准终止妊娠). */
export const ApprovalRecord = z.object({
  recordId: z.string().trim().min(1).max(64),
  ...Person,
  approvedOn: Day,
  approvalNumber: z.string().trim().min(1).max(64),
});

/** Family planning: a birth permit (生育证). Kept, compared by no rule yet. */
export const PermitRecord = z.object({
  recordId: z.string().trim().min(1).max(64),
  ...Person,
  issuedOn: Day,
  permitNumber: z.string().trim().min(1).max(64),
});

/** Termination drugs a drug ledger tracks (终止妊娠药品). */
export const TerminationDrug = z.enum(["mifepristone", "misoprostol", "ethacridine"]);
export type TerminationDrug = z.infer<typeof TerminationDrug>;

/** Drug regulation: one sale of a termination drug on a pharmacy's ledger (药品销售登记). */
export const DrugSaleRecord = z.object({
  recordId: z.string().trim().min(1).max(64),
  soldOn: Day,
  drug: TerminationDrug,
  /** Dose in milligrams (剂量, mg). */
  doseMg: z.coerce.number().positive().max(100_000),
  /** The prescribing doctor as the ledger names them (处方医师), e.g. practising certificate number. */
  prescriber: z.string().trim().min(1).max(64),
  institution: z.string().trim().min(1).max(100),
});

/** Every register, by name: its holder and the schema of one row. */
export const REGISTERS = {
  ultrasound: { holder: "health", row: UltrasoundRecord },
  delivery: { holder: "health", row: DeliveryRecord },
  termination: { holder: "health", row: TerminationRecord },
  "follow-up": { holder: "family-planning", row: FollowUpRecord },
  approval: { holder: "family-planning", row: ApprovalRecord },
  permit: { holder: "family-planning", row: PermitRecord },
  "drug-sale": { holder: "drug-regulation", row: DrugSaleRecord },
} as const;
export type RegisterName = keyof typeof REGISTERS;
export const RegisterName = z.enum(Object.keys(REGISTERS) as [RegisterName, ...RegisterName[]]);
export type RegisterRow<R extends RegisterName> = z.infer<(typeof REGISTERS)[R]["row"]>;

/** Chinese names of the registers, for pages and reports. */
export const REGISTER_LABELS: Readonly<Record<RegisterName, string>> = {
  ultrasound: "妊娠十四周以上B超检查登记",
  delivery: "住院分娩登记",
  termination: "人流引产登记",
  "follow-up": "孕情跟踪随访",
  approval: "批准终止妊娠",
  permit: "生育证",
  "drug-sale": "终止妊娠药品销售登记",
};

/**
 * The bytes blinded for one person: the ID number where there is one, else the name (NFC,
 * spaces dropped) with the birth date. Prefixed, so the two kinds never collide.
 */
export function identityInput(p: {
  idNumber?: string | undefined;
  name: string;
  birthDate?: string | undefined;
}): string | undefined {
  if (p.idNumber) return `id:${p.idNumber}`;
  if (!p.birthDate) return undefined;
  return `nb:${p.name.normalize("NFC").replace(/\s+/g, "")}|${p.birthDate}`;
}

/** An OPRF output (ristretto255-SHA512, 64 bytes) in base64url: a person as comparison sees them. */
export const Pseudonym = z.string().regex(/^[A-Za-z0-9_-]{86}$/, "pseudonym: 64 bytes, base64url");
export type Pseudonym = z.infer<typeof Pseudonym>;

/**
 * The holder's reference to one of its rows: opaque to anyone else (a keyed hash the holder
 * keeps the map of), so that it can name its own side of a finding and nobody else can.
 */
export const RecordRef = z.string().regex(/^[0-9a-f]{32}$/, "record reference: 32 hex digits");

/** The kinds of pregnancy fact a register gives. */
export const FactKind = z.enum(["ultrasound", "follow-up", "delivery", "termination", "approval"]);
export type FactKind = z.infer<typeof FactKind>;

/** What leaves an agency of one register row: a pseudonym and the facts a rule needs, no more. */
export const PregnancyFact = z.object({
  pseudonym: Pseudonym,
  holder: AgencyCode,
  ref: RecordRef,
  kind: FactKind,
  on: Day,
  weeks: z.number().int().min(0).max(45).optional(),
  expectedOn: Day.optional(),
  /** A termination with an approval number on the holder's record (有审批). */
  approved: z.boolean().optional(),
  /** A follow-up that found the woman still pregnant. */
  pregnant: z.boolean().optional(),
});
export type PregnancyFact = z.infer<typeof PregnancyFact>;

/** The rules of comparison (比对规则). */
export const MatchRule = z.enum([
  "pregnancy-disappeared",
  "unapproved-termination",
  "prescriber-overdose",
]);
export type MatchRule = z.infer<typeof MatchRule>;

export const MATCH_RULE_LABELS: Readonly<Record<MatchRule, string>> = {
  "pregnancy-disappeared": "孕情消失（十四周以上，无分娩、无批准终止、无随访）",
  "unapproved-termination": "十四周以上人流引产无审批",
  "prescriber-overdose": "终止妊娠药品反复超量处方",
};

/** The configured thresholds of the rules. */
export const MatchConfig = z.object({
  /** Days after the expected date before a pregnancy with no outcome counts as disappeared. */
  marginDays: z.number().int().min(0).max(365).default(30),
  /** Weeks from which a pregnancy must be accounted for (十四周). */
  minWeeks: z.number().int().min(1).max(40).default(14),
  /** Days before a termination within which family planning's approval counts for it. */
  approvalWindowDays: z.number().int().min(0).max(365).default(90),
  /** Normal dose of each drug (mg), and the multiple above which a dose is excessive. */
  normalDoseMg: z
    .record(TerminationDrug, z.number().positive())
    .default({ mifepristone: 200, misoprostol: 0.6, ethacridine: 100 }),
  overdoseMultiple: z.number().positive().default(2),
  /** Excessive prescriptions by one prescriber before it is a finding (反复). */
  overdoseTimes: z.number().int().min(2).default(3),
});
export type MatchConfig = z.infer<typeof MatchConfig>;

/** One excessive prescription as drug regulation's side of a finding gives it. */
export const OverdoseFact = z.object({
  ref: RecordRef,
  soldOn: Day,
  drug: TerminationDrug,
  doseMg: z.number().positive(),
});

/**
 * What a rule found (比对发现): the key it is kept under (the same person and pregnancy, or the
 * same prescriber and drug, make the same key however often the rule runs), the agencies it
 * goes to, the month it fell due, and each side's facts.
 */
export const Finding = z.object({
  /** `<rule>:<pseudonym>:<conception day>` or `<rule>:<prescriber>:<drug>`: what a lead id derives from. */
  key: z.string().min(1).max(300),
  rule: MatchRule,
  /** YYYY-MM, China time: the month the finding fell due. */
  month: z.string().regex(/^\d{4}-\d{2}$/),
  dueOn: Day,
  to: z.array(AgencyCode).min(1),
  pseudonym: Pseudonym.optional(),
  facts: z.array(PregnancyFact).default([]),
  prescriber: z
    .object({
      prescriber: z.string(),
      institution: z.string(),
      drug: TerminationDrug,
      sales: z.array(OverdoseFact),
    })
    .optional(),
});
export type Finding = z.infer<typeof Finding>;

/** The comparison service's identity and the agency code its events are recorded under. */
export const COMPARISON = "comparison" as const;

/**
 * Requests to the comparison service: `ld.match.<county>.<agency>.<op>`. The server lets an
 * agency publish only under its own code, so the service knows who asks; only the service
 * subscribes here. `evaluate`: a batch of blinded elements; `key`: its public key.
 */
export const MATCH_ROOT = "ld.match";
export const comparisonSubject = (county: string, agency: string, op: ComparisonOp | "key") =>
  `${MATCH_ROOT}.${county}.${agency}.${op}`;

/**
 * What an agency asks of the comparison service: `evaluate` a batch of blinded elements; take
 * its `facts` (pseudonyms and what the rules need, never an identity) in parts; give the
 * `findings` of the rules over every holder's latest facts that this agency originates.
 */
export const ComparisonOp = z.enum(["evaluate", "facts", "findings"]);
export type ComparisonOp = z.infer<typeof ComparisonOp>;

/** One sale on a drug ledger as the rules read it: no buyer, the holder's reference to the row. */
export const LedgerSaleFact = OverdoseFact.extend({
  prescriber: z.string().min(1).max(64),
  institution: z.string().min(1).max(100),
});
export type LedgerSaleFact = z.infer<typeof LedgerSaleFact>;

/**
 * One part of an agency's facts for comparison: a holder's whole set replaces its last one once
 * the part marked `last` is in (parts of one `run`, numbered from 0). A holder of registers of
 * people sends `facts`; drug regulation its ledger's `sales`.
 */
export const FactsPart = z.object({
  run: z.uuid(),
  part: z.number().int().min(0).max(100_000),
  last: z.boolean(),
  facts: z.array(PregnancyFact).max(5_000).default([]),
  sales: z.array(LedgerSaleFact).max(5_000).default([]),
});
export type FactsPart = z.infer<typeof FactsPart>;

/** The service's answer to `findings`: the findings this agency originates, and as of when. */
export const FindingsReply = z.object({
  today: Day,
  findings: z.array(Finding),
  /** The holders whose facts the rules ran over, and how many of each. */
  holders: z.record(z.string(), z.number().int()),
});
export type FindingsReply = z.infer<typeof FindingsReply>;

/** Header of a refused request: why (`rate-limited`, `too-large`, `malformed`, `not-a-holder`). */
export const COMPARISON_REFUSAL_HEADER = "Liandong-Refused";

/** The comparison service's record of one request (on the audit log, by the service). */
export const ComparisonRequested = z.object({
  agency: AgencyCode,
  /** What was asked (absent: `evaluate`). */
  op: ComparisonOp.optional(),
  /** Blinded elements asked for, facts given, or findings answered. Nothing more about them. */
  count: z.number().int().min(0),
  /** Absent when evaluated; otherwise why it was refused. */
  refused: z.enum(["rate-limited", "too-large", "malformed", "not-a-holder"]).optional(),
});
export type ComparisonRequested = z.infer<typeof ComparisonRequested>;

/**
 * An import of a register file (实名登记导入) at the holding agency's desk: the file's bytes
 * (CSV in UTF-8 or GB18030, or an Excel workbook) and, for each field of the register's row,
 * the header of the column that holds it in this source's export.
 */
export const RegisterImportRequest = z.object({
  mapping: z.record(z.string().min(1), z.string().trim().min(1)),
  /** The file, base64. */
  content: z.base64().min(1),
});
export type RegisterImportRequest = z.infer<typeof RegisterImportRequest>;

/** What an import kept and refused: each refused row with its row number and column. */
export const RegisterImportResult = z.object({
  register: RegisterName,
  encoding: z.enum(["utf-8", "gb18030", "xlsx"]),
  total: z.number().int(),
  kept: z.number().int(),
  added: z.number().int(),
  changed: z.number().int(),
  unchanged: z.number().int(),
  refused: z.array(
    z.object({ row: z.number().int(), column: z.string(), field: z.string(), message: z.string() }),
  ),
});
export type RegisterImportResult = z.infer<typeof RegisterImportResult>;

/** Findings of the rules handed to the desk of the agency that originates their leads. */
export const FindingsSubmission = z.object({ findings: z.array(Finding).min(1).max(500) });
export type FindingsSubmission = z.infer<typeof FindingsSubmission>;

/** What the desk made of them: leads registered, findings already a lead, findings of other agencies. */
export const FindingsAnswer = z.object({
  registered: z.array(z.object({ key: z.string(), leadId: z.uuid() })),
  duplicates: z.array(z.object({ key: z.string(), leadId: z.uuid() })),
  others: z.number().int(),
});
export type FindingsAnswer = z.infer<typeof FindingsAnswer>;

/**
 * The holder's officer named one of its own rows behind a finding (重新识别), on the record: which
 * row (the holder's reference, the register) and why. Nothing of the person is on the event.
 */
export const ComparisonReidentified = z.object({
  ref: RecordRef,
  register: RegisterName,
  reason: z.string().trim().min(2).max(500),
});
export type ComparisonReidentified = z.infer<typeof ComparisonReidentified>;

/** An officer's request to name a row of its own agency behind a finding. */
export const ReidentifyRequest = z.object({ reason: z.string().trim().min(2).max(500) });
export type ReidentifyRequest = z.infer<typeof ReidentifyRequest>;

/** A run of comparison at a desk: hand over this agency's facts first (the default), or only ask. */
export const ComparisonRunRequest = z.object({ submit: z.boolean().default(true) });
export type ComparisonRunRequest = z.infer<typeof ComparisonRunRequest>;

/** The holder's own row behind a reference, as its officer is shown it. */
export const Reidentified = z.object({
  ref: RecordRef,
  register: RegisterName,
  row: z.record(z.string(), z.unknown()),
});
export type Reidentified = z.infer<typeof Reidentified>;

/** What a run of comparison did at one agency's desk (`POST /comparison/runs`). */
export const ComparisonRunAnswer = z.object({
  /** Facts (or ledger sales) this agency gave the service, pseudonyms only. */
  submitted: z.number().int(),
  /** Identities of its registers evaluated through the service. */
  pseudonymised: z.number().int(),
  today: Day,
  holders: z.record(z.string(), z.number().int()),
  registered: z.array(z.object({ key: z.string(), leadId: z.uuid() })),
  duplicates: z.array(z.object({ key: z.string(), leadId: z.uuid() })),
});
export type ComparisonRunAnswer = z.infer<typeof ComparisonRunAnswer>;

/**
 * One fact of a finding as the county sees it (the office, the trail): which agency holds the
 * record, what kind, when, and what the rule read of it. No pseudonym and no record reference:
 * only the holder can name its own side, at its own desk.
 */
export const FoundFact = PregnancyFact.omit({ pseudonym: true, ref: true });
export type FoundFact = z.infer<typeof FoundFact>;

/** One excessive sale of a prescriber's finding as the county sees it: no prescriber, no row. */
export const FoundSale = z.object({
  soldOn: Day,
  drug: TerminationDrug,
  doseMg: z.number().positive(),
});
export type FoundSale = z.infer<typeof FoundSale>;

/**
 * The comparison service's record of a finding (比对发现), once, when the agency that originates
 * its lead first asks for it: the rule, the month it fell due, the agencies it goes to, the lead
 * the originator registers for it (its id derives from the finding, so the office finds it on
 * the log), and each side's facts without anything that names or points at a person.
 */
export const ComparisonFound = z.object({
  /** A name-based UUID of the finding's key: the same finding, the same id. */
  finding: z.uuid(),
  rule: MatchRule,
  month: z.string().regex(/^\d{4}-\d{2}$/),
  dueOn: Day,
  to: z.array(AgencyCode).min(1),
  originator: AgencyCode,
  /** The lead the originator registers for this finding (`<originator>:finding:<key>`). */
  leadId: z.uuid(),
  facts: z.array(FoundFact).max(200).default([]),
  sales: z.array(FoundSale).max(200).default([]),
});
export type ComparisonFound = z.infer<typeof ComparisonFound>;
