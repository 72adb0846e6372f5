/**
 * Test support for the features' tests, here and in the office: the agencies' desks of a
 * county run over the bus in memory, and what one aggregate left on its log.
 */
import { createHash } from "node:crypto";
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

/** A list as the routes answer one. */
export type List<T> = { items: T[]; total: number };

/** A public tip about an institution named `name`, registered at `agency`'s desk: its lead's id. */
export async function registerTip(county: MemoryCounty, agency: string, name: string) {
  const r = await county.as(agency).post<{ leadId: string }>("/leads", {
    source: "public-tip",
    violations: ["illegal-sex-determination"],
    target: { kind: "institution", name, county: "441723" },
    summary: "群众举报该诊所为孕妇鉴定胎儿性别",
    evidence: [{ ref: `${agency}:tips/${name}`, sha256: createHash("sha256").digest("hex") }],
  });
  if (r.status !== 201) throw new Error(`tip not registered: ${JSON.stringify(r.body)}`);
  return r.body.leadId;
}

/** What `path` of `service` answers before and after it restarts, rebuilding what it holds from the log. */
export async function acrossRestart<T>(county: MemoryCounty, service: string, path: string) {
  const before = (await county.as(service).get<T>(path)).body;
  await county.restart(service);
  await county.settle();
  return { before, after: (await county.as(service).get<T>(path)).body };
}
