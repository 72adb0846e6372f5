import { agencyLabel, countyLabel, type Label } from "@liandong/contracts";
import { type SaidWhy, said } from "@liandong/domain";
import { type CrossBorderEvent, type Finding, saidOf, type VerifyReport } from "./audit-verify.ts";
import { writtenAfterRead } from "./log-reach.ts";
import { sealProblem } from "./seal.ts";

/** A time not known, as a finding's parameter. */
const UNKNOWN_TIME: Label = { zh: "未知时间", en: "an unknown time" };

/**
 * A neighbour's event that one county's log holds and the sender's log does not reach yet: sent
 * after the sender's log was read (an export is taken at one moment, the other county's at
 * another), so not yet comparable. Not a finding: read the sender's log again to compare it.
 */
export type PendingEvent = CrossBorderEvent &
  SaidWhy & {
    /** The county whose log holds it. */
    heldBy: string;
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
      const never = said("audit.never-sent", {
        holder: countyLabel(county),
        county: countyLabel(e.county),
      });
      if (i < (lastSent.get(e.county) ?? -1)) {
        findings.push({
          kind: "forged",
          agency: e.agency,
          seq: e.seq,
          ...never,
          because: said("audit.sent-before-later"),
        });
        return;
      }
      const reach = { lastSeq: reports[e.county]!.lastSeq, takenAt: opts.takenAt?.[e.county] };
      const problem = notPending(e, reach, keys);
      if (problem) {
        findings.push({ kind: "forged", agency: e.agency, seq: e.seq, ...never, because: problem });
        return;
      }
      pending.push({
        ...e,
        heldBy: county,
        ...said("audit.sent-late", {
          county: countyLabel(e.county),
          agency: agencyLabel(e.agency),
          seq: reports[e.county]!.lastSeq,
        }),
      });
    });
  }
  return { findings, pending };
}

/**
 * Why an event its sender's log does not hold cannot have been sent after that log was read:
 * stamped before it was read, its subject not known, or not sealed by its agency. Undefined when
 * it may have been (pending).
 */
function notPending(
  e: CrossBorderEvent,
  reach: { lastSeq: number; takenAt: string | undefined },
  keys: Readonly<Record<string, Readonly<Record<string, string>>>>,
): SaidWhy | undefined {
  if (!writtenAfterRead(e.time, reach))
    return said("audit.sent-before-read", {
      time: e.time ?? UNKNOWN_TIME,
      county: countyLabel(e.county),
      takenAt: reach.takenAt ?? UNKNOWN_TIME,
    });
  if (e.subject === undefined) return said("audit.subject-unknown");
  const sealed = sealProblem(
    (c, a) => keys[c]?.[a],
    { county: e.county, agency: e.agency },
    e.subject,
    new Uint8Array(),
    e.seal,
    e.hash,
  );
  return sealed && saidOf(sealed);
}
