import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { CountyCode } from "./county.ts";
import { Sha256Hex } from "./lead.ts";
import { OfficerName } from "./officer-role.ts";

/**
 * Kinds of aggregate an event can belong to; one token of the subject. Besides the business
 * ones: `audit`, an agency's checkpoints; `attempt`, the steps one agency refused on one
 * referral; `supervision`, the office's deadlines and supervision of one referral; `report`, one
 * agency's monthly report; `inspection`, a joint inspection and the findings recorded on it;
 * `consent`, an originator's consent to a restricted lead crossing a county line; `break-glass`,
 * one use of the identity that may rewrite a stream, recorded by the office before it is used;
 * `witness`, the office's exchange of signed heads and co-signatures with one neighbouring
 * county (见证); `officer`, one named officer's account in the county's register (经办人);
 * `comparison`, one request to the comparison service (数据比对), recorded by the service.
 */
export const AggregateKind = z.enum([
  "lead",
  "referral",
  "case",
  "informant",
  "audit",
  "attempt",
  "supervision",
  "report",
  "inspection",
  "consent",
  "break-glass",
  "witness",
  "officer",
  "major-case",
  "comparison",
]);
export type AggregateKind = z.infer<typeof AggregateKind>;

/** An officer id (e.g. `hl-wang`) or a service acting on its own (`svc.health`). */
export const ActorId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "actor id");

/** A token that may stand in a NATS subject: no dots, spaces or wildcards. */
export const SubjectToken = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "subject token");

/**
 * The envelope every event travels in. Attribute names follow CloudEvents 1.0 where they
 * fit (`id`, `source`, `type`, `time`, `subject`, `dataschema`); the rest is what the bus
 * needs. `county` and `agency` repeat subject tokens: the subject is what the server
 * authenticates, and a consumer rejects an envelope that disagrees with its subject.
 */
export const Envelope = z.object({
  specversion: z.literal("1.0"),
  id: z.uuid(),
  /** `liandong:<county>:<agency>` */
  source: z.string().regex(/^liandong:\d{6}:[a-z0-9-]+$/),
  type: z.string().min(1),
  /** ISO 8601 with offset: when the originating agency recorded the event. */
  time: z.iso.datetime({ offset: true }),
  /** CloudEvents `subject`: the aggregate id. */
  subject: SubjectToken,
  dataschema: z.string().optional(),
  county: CountyCode,
  agency: AgencyCode,
  actor: ActorId,
  /**
   * The person `actor` stands for when an officer took the step, named as the register named
   * them then (经办人: name and role). Absent on a service's own steps and on events recorded
   * before officers were named: those still parse.
   */
  officer: OfficerName.optional(),
  aggregate: z.object({ kind: AggregateKind, id: SubjectToken }),
  /** Addressee, for events delivered to one agency's inbox. */
  to: AgencyCode.optional(),
  /** The neighbouring county addressed, for an event that crosses the county line (区域协作). */
  toCounty: CountyCode.optional(),
  correlationId: z.uuid(),
  causationId: z.uuid().optional(),
  /** Hash of the previous event of the same aggregate (audit trail); null for the first. */
  prev: Sha256Hex.nullable(),
  data: z.unknown(),
});
export type Envelope = z.infer<typeof Envelope>;
