/**
 * How far a county's log read at one moment reaches (an export, taken while the county works
 * on): two counties' logs are read at two moments, and what one county wrote after its log was
 * read may already stand in its neighbour's. Such a thing is pending, not a finding; anything
 * written before the read began must be in the log.
 */
export type LogReach = {
  /** The last stream sequence the log holds. */
  lastSeq: number;
  /** When its read began (ISO 8601), where known: everything stored before then is in it. */
  takenAt?: string | undefined;
};

/**
 * How far apart the clocks that stamp what is compared may be (the counties' hosts, the
 * auditor's), with the time a publish takes: something stamped this long before a read began
 * was stored before it.
 */
export const CLOCK_SKEW_MS = 60_000;

/**
 * Whether something stamped `at` (undefined: not known) may have been written after the log
 * was read: always, when the read's moment is not known; else when stamped no earlier than
 * `CLOCK_SKEW_MS` before the read began. A log cut short and exported later is held to all that
 * was written before.
 */
export function writtenAfterRead(at: string | undefined, reach: LogReach): boolean {
  if (reach.takenAt === undefined) return true;
  const t = at === undefined ? Number.NaN : Date.parse(at);
  return t >= Date.parse(reach.takenAt) - CLOCK_SKEW_MS;
}

/**
 * Whether a head (its checkpoint's stream sequence; `at`, when it was first co-signed) stands
 * beyond a log: its checkpoint is past the log's last sequence, and it was co-signed late enough
 * to have been written after the log was read (`writtenAfterRead`). Holding it against the log
 * would name a history that is only newer.
 */
export function standsBeyond(
  head: { seq: number; at?: string | undefined },
  reach: LogReach | undefined,
): boolean {
  return reach !== undefined && head.seq > reach.lastSeq && writtenAfterRead(head.at, reach);
}
