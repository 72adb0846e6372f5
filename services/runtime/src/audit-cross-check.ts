import type { CrossBorderEvent, Finding, VerifyReport } from "./audit-verify.ts";
import { writtenAfterRead } from "./log-reach.ts";
import { sealProblem } from "./seal.ts";

/**
 * A neighbour's event that one county's log holds and the sender's log does not reach yet: sent
 * after the sender's log was read (an export is taken at one moment, the other county's at
 * another), so not yet comparable. Not a finding: read the sender's log again to compare it.
 */
export type PendingEvent = CrossBorderEvent & {
  /** The county whose log holds it. */
  heldBy: string;
  detail: string;
};

export type CrossCheck = {
  /** Events one county holds that the other's log never sent. */
  findings: Finding[];
  /** Events sent after the sender's log was read: to compare when it is read again. */
  pending: PendingEvent[];
};

/**
 * The trail across a county line (区域协作): each county's log verified with its own agencies'
 * keys, and every event one county holds from another found, byte for byte (by hash), among what
 * that county sealed as sent.
 *
 * Two logs read at two moments cover two different stretches of time: what a county sent after
 * its own log was read can stand in its neighbour's, read later. A neighbour copies what it
 * receives in the order it was sent (a source stream over the link), so the events a county sent
 * before its log was read come first, and the sender's log holds them all: an event of it that
 * comes before the last one the sender's log holds must be there too, else it was never sent (or
 * the sender's log lost it). One after it is pending when it carries its agency's seal, checked
 * with `keys` (each county's agencies' public keys: nobody but that agency could have made it),
 * and, where it is known when the sender's log was read (`takenAt`, by county), it was stamped
 * late enough to have been sent after (`writtenAfterRead`). Otherwise it is a finding.
 */
export function crossCheck(
  reports: Readonly<Record<string, VerifyReport>>,
  opts: {
    keys?: Readonly<Record<string, Readonly<Record<string, string>>>>;
    takenAt?: Readonly<Record<string, string>>;
  } = {},
): CrossCheck {
  const keys = opts.keys ?? {};
  const sent = new Map<string, CrossBorderEvent>();
  for (const [county, r] of Object.entries(reports))
    for (const e of r.outbound) if (e.county === county) sent.set(e.hash, e);
  const wasSent = (e: CrossBorderEvent) => sent.get(e.hash)?.agency === e.agency;
  const findings: Finding[] = [];
  const pending: PendingEvent[] = [];
  for (const [county, r] of Object.entries(reports)) {
    // By sending county: the last of its events here that its own log holds.
    const lastSent = new Map<string, number>();
    r.foreign.forEach((e, i) => {
      if (e.county in reports && wasSent(e)) lastSent.set(e.county, i);
    });
    r.foreign.forEach((e, i) => {
      if (!(e.county in reports) || wasSent(e)) return;
      const never = `county ${county} holds an event of ${e.county} that ${e.county}'s log never sent`;
      if (i < (lastSent.get(e.county) ?? -1)) {
        findings.push({
          kind: "forged",
          agency: e.agency,
          seq: e.seq,
          detail: `${never} (its log holds what was sent after it)`,
        });
        return;
      }
      const reach = { lastSeq: reports[e.county]!.lastSeq, takenAt: opts.takenAt?.[e.county] };
      const problem = !writtenAfterRead(e.time, reach)
        ? `sent at ${e.time ?? "an unknown time"}, before ${e.county}'s log was read (${reach.takenAt})`
        : e.subject === undefined
          ? "its subject is not known"
          : sealProblem(
              (c, a) => keys[c]?.[a],
              { county: e.county, agency: e.agency },
              e.subject,
              new Uint8Array(),
              e.seal,
              e.hash,
            );
      if (problem) {
        findings.push({
          kind: "forged",
          agency: e.agency,
          seq: e.seq,
          detail: `${never}: ${problem}`,
        });
        return;
      }
      pending.push({
        ...e,
        heldBy: county,
        detail: `sealed by ${e.county} ${e.agency}, sent after ${e.county}'s log ends (stream sequence ${reports[e.county]!.lastSeq})`,
      });
    });
  }
  return { findings, pending };
}
