import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { type Agency, type Officer, roleActor } from "@liandong/contracts";
import { bearerToken, tokenSha256 } from "@liandong/runtime";

/** A token as handed to an officer; only its hash goes into the services' configuration. */
export type IssuedToken = {
  officer: string;
  agency: string;
  name: string;
  token: string;
  supervisor: boolean;
};

/** Per agency: a liaison officer (联络员) and two supervisors, so that two-person approvals can happen. */
const ROLES = [
  { role: "liaison", label: "联络员", supervisor: false },
  { role: "supervisor", label: "分管领导", supervisor: true },
  { role: "deputy", label: "副职领导", supervisor: true },
] as const;

/**
 * Officers for the county in a box, with random bearer tokens. Kept across restarts; new
 * agencies (and new roles) get theirs.
 */
export function ensureOfficers(
  tokensFile: string,
  officersFile: string,
  agencies: readonly Agency[],
): IssuedToken[] {
  const issued: IssuedToken[] = existsSync(tokensFile)
    ? JSON.parse(readFileSync(tokensFile, "utf8"))
    : [];
  for (const a of agencies) {
    for (const { role, label, supervisor } of ROLES) {
      const id = roleActor(a.code, role);
      if (issued.some((t) => t.officer === id)) continue;
      issued.push({
        officer: id,
        agency: a.code,
        name: `${a.shortName}${label}`,
        token: bearerToken(),
        supervisor,
      });
    }
  }
  writeFileSync(tokensFile, `${JSON.stringify(issued, null, 2)}\n`, { mode: 0o600 });
  const officers: Officer[] = issued.map((t) => ({
    id: t.officer,
    agency: t.agency,
    name: t.name,
    tokenSha256: tokenSha256(t.token),
    supervisor: t.supervisor,
  }));
  writeFileSync(officersFile, `${JSON.stringify(officers, null, 2)}\n`);
  return issued;
}
