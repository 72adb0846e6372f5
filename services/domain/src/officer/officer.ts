import {
  type AgencyCode,
  approvesSensitiveSteps,
  type EventData,
  OFFICE,
  type OfficerEntry,
  type OfficerRole,
} from "@liandong/contracts";
import type { RecordedEvent } from "../bus-events.ts";
import { type Decider, type Refusal, refuse } from "../decider.ts";
import { checkText } from "../text.ts";

/**
 * One named officer's account in the county's register (经办人): registered by the office,
 * renewed, revoked. What every service authenticates a bearer token against.
 */
export type OfficerAccount = {
  id: string;
  agency: AgencyCode;
  name: string;
  role: OfficerRole;
  tokenSha256: string;
  registeredAt: string;
  expiresAt: string;
  revokedAt?: string;
};
export type OfficerState = OfficerAccount | undefined;

/** Who keeps the register: only the office registers, renews and revokes. */
type Step = { agency: AgencyCode; at: string };

export type OfficerCommand =
  | (Step & { type: "register"; account: EventData<"officer.registered"> })
  | (Step & { type: "renew"; expiresAt: string })
  | (Step & { type: "revoke"; reason: string });

type Recorded<T extends "officer.registered" | "officer.renewed" | "officer.revoked"> =
  RecordedEvent<T, "agency">;
/** An officer's events as decided here and as read off the bus (an envelope is one of these). */
export type OfficerEvent =
  | Recorded<"officer.registered">
  | Recorded<"officer.renewed">
  | Recorded<"officer.revoked">;

function decide(command: OfficerCommand, state: OfficerState): OfficerEvent[] | Refusal {
  const { agency, at: time } = command;
  if (agency !== OFFICE) return refuse("forbidden", "officer.by-office");
  if (command.type === "register") {
    if (state) return refuse("conflict", "officer.registered");
    const { account } = command;
    if (Date.parse(account.expiresAt) <= Date.parse(time))
      return refuse("invalid", "officer.expires-before-registration", "expiresAt");
    return [{ type: "officer.registered", time, agency, data: account }];
  }
  if (!state) return refuse("conflict", "officer.missing");
  if (state.revokedAt) return refuse("conflict", "officer.revoked");
  const officerId = state.id;
  if (command.type === "renew") {
    if (Date.parse(command.expiresAt) <= Date.parse(time))
      return refuse("invalid", "officer.expires-before-renewal", "expiresAt");
    return [
      { type: "officer.renewed", time, agency, data: { officerId, expiresAt: command.expiresAt } },
    ];
  }
  const bad = checkText(command.reason, "reason");
  if (bad) return bad;
  return [{ type: "officer.revoked", time, agency, data: { officerId, reason: command.reason } }];
}

function evolve(state: OfficerState, e: OfficerEvent): OfficerState {
  switch (e.type) {
    case "officer.registered": {
      const { officerId, agency, name, role, tokenSha256, expiresAt } = e.data;
      return { id: officerId, agency, name, role, tokenSha256, registeredAt: e.time, expiresAt };
    }
    case "officer.renewed":
      return state && { ...state, expiresAt: e.data.expiresAt };
    case "officer.revoked":
      return state && { ...state, revokedAt: e.time };
  }
}

export const officerDecider: Decider<OfficerState, OfficerCommand, OfficerEvent> = {
  decide,
  evolve,
  initialState: () => undefined,
};

/** Pure: whether an account's token is accepted at `now`, and if not, why. */
export function accountStatus(a: OfficerAccount, now: Date): OfficerEntry["status"] {
  if (a.revokedAt) return "revoked";
  return Date.parse(a.expiresAt) <= now.getTime() ? "expired" : "active";
}

/** Pure: the account as the office lists it (never the token's hash). */
export function officerEntry(a: OfficerAccount, now: Date): OfficerEntry {
  const { tokenSha256: _, ...shown } = a;
  return { ...shown, status: accountStatus(a, now) };
}

/** Pure: whether the account's role approves the sensitive steps. */
export const isSupervisor = (a: Pick<OfficerAccount, "role">) => approvesSensitiveSteps(a.role);
