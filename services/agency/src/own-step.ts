import type { NotRecorded } from "@liandong/domain";

/**
 * This agency's own step, just decided and appended, as the domain's record fold took it: the
 * domain refusing it now is a defect, not a dead letter.
 */
export function recordedOwn<R extends { ok: true }>(kind: string, recorded: R | NotRecorded): R {
  if (!recorded.ok) throw new Error(`own ${kind} step not recorded: ${JSON.stringify(recorded)}`);
  return recorded;
}
