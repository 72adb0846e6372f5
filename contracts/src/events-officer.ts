import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { ActorId } from "./envelope.ts";
import { Sha256Hex } from "./lead.ts";
import { OfficerName, OfficerRole } from "./officer-role.ts";
import { Text } from "./text.ts";

const At = z.iso.datetime({ offset: true });

/**
 * A named officer was given an account (登记经办人), by the office: the aggregate is the
 * officer (`officer.<id>`). Only the SHA-256 of the bearer token is on the record; the token
 * itself is shown once to whoever registered the officer. `expiresAt`: when the token stops
 * being accepted unless renewed.
 */
export const OfficerRegistered = z.object({
  officerId: ActorId,
  agency: AgencyCode,
  name: OfficerName.shape.name,
  role: OfficerRole,
  tokenSha256: Sha256Hex,
  expiresAt: At,
});
export type OfficerRegistered = z.infer<typeof OfficerRegistered>;

/** An officer's token was given a new lifetime (续期): the same token, accepted until `expiresAt`. */
export const OfficerRenewed = z.object({ officerId: ActorId, expiresAt: At });
export type OfficerRenewed = z.infer<typeof OfficerRenewed>;

/** An officer's account was revoked (注销): their token is refused by every service from now on. */
export const OfficerRevoked = z.object({ officerId: ActorId, reason: Text(500) });
export type OfficerRevoked = z.infer<typeof OfficerRevoked>;

/** Longest lifetime a token may be given, in days. */
export const MAX_TOKEN_DAYS = 366;
const Days = z.number().int().min(1).max(MAX_TOKEN_DAYS);

/** `POST /officers` (the office): an account for a named officer of one agency. */
export const OfficerRegistration = z.object({
  agency: AgencyCode,
  name: OfficerName.shape.name,
  role: OfficerRole,
  /** The token's lifetime in days; the county's `officerTokenDays` unless given. */
  days: Days.optional(),
});

/** `POST /officers/{id}/renew`. */
export const OfficerRenewal = z.object({ days: Days.optional() });

/** `POST /officers/{id}/revoke`. */
export const OfficerRevocation = z.object({ reason: Text(500) });

/** One officer of the register as the office lists it (`GET /officers`); never the token. */
export const OfficerEntry = z.object({
  id: ActorId,
  agency: AgencyCode,
  name: z.string(),
  role: OfficerRole,
  registeredAt: At,
  expiresAt: At,
  revokedAt: At.optional(),
  status: z.enum(["active", "expired", "revoked"]),
});
export type OfficerEntry = z.infer<typeof OfficerEntry>;

export const OfficerList = z.object({ items: z.array(OfficerEntry), total: z.number().int() });

/** `POST /officers` answers the account and its token, shown this once. */
export const OfficerIssued = z.object({ officer: OfficerEntry, token: z.string() });
export type OfficerIssued = z.infer<typeof OfficerIssued>;
