import type { Officer } from "@liandong/contracts";
import { ProblemError } from "@liandong/runtime";

/** The office's steps only its supervisors take (break-glass, the officers' register): 403 for anyone else. */
export function supervisorOnly(officer: Officer, what: string): void {
  if (!officer.supervisor)
    throw new ProblemError(403, "forbidden", `须由办公室分管领导${what}`, {
      zh: `${officer.id} 不是分管领导`,
      en: `${officer.id} is not a supervisor`,
    });
}
