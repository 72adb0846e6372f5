/**
 * Test support for the features' tests, here and in the office: the agencies' desks of a
 * county run over the bus in memory, and what one aggregate left on its log.
 */
import { DEFAULT_AGENCIES, STREAMS } from "@liandong/contracts";
import type { MemoryCounty, ServiceBuild } from "@liandong/runtime";
import { agencyDesk } from "./desk.ts";
import { DEFAULT_RULES } from "./rules.ts";

/** The desk of every agency of the default county (of those `runs` keeps), on the default rules. */
export function agencyDesks(runs: (agency: string) => boolean = () => true) {
  const desks: Record<string, ServiceBuild> = {};
  for (const a of DEFAULT_AGENCIES)
    if (a.role === "agency" && runs(a.code)) desks[a.code] = agencyDesk(DEFAULT_RULES);
  return desks;
}

/** The events of one aggregate on the county's log, in the order it holds them. */
export function eventsOn<E>(county: MemoryCounty, kind: string, id: string): E[] {
  return county.streams
    .messages(STREAMS.events)
    .filter((m) => m.subject.includes(`.${kind}.${id}.`))
    .map((m) => JSON.parse(new TextDecoder().decode(m.data)) as E);
}
