/**
 * Test support for the features' tests, here and in the office: the agencies' desks of a
 * county run over the bus in memory, and what one aggregate left on its log.
 */
import { createHash } from "node:crypto";
import { DEFAULT_AGENCIES, STREAMS } from "@liandong/contracts";
import type { MemoryCounty, ServiceBuild } from "@liandong/runtime";
import { EventSourceParserStream } from "eventsource-parser/stream";
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

/** A live feed of one agency's desk as its officer's page reads it: the events of one name. */
export type FeedReader<T> = {
  /** Every event of the name received so far, its data parsed. */
  received: T[];
  /** The first event (received already or to come) that `match` accepts. */
  next(match: (item: T) => boolean): Promise<T>;
  close(): Promise<void>;
};

/**
 * Opens `path` (a server-sent events feed) at `agency`'s desk as its liaison officer and reads
 * the events named `event`; answers once subscribed (the first comment is in), so that what
 * happens from then on arrives.
 */
export async function readFeed<T>(
  county: MemoryCounty,
  agency: string,
  path: string,
  event: string,
): Promise<FeedReader<T>> {
  const abort = new AbortController();
  const res = await county
    .as(agency)
    .request(path, { headers: { accept: "text/event-stream" }, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`${path} refused (${res.status})`);
  const received: T[] = [];
  const waiters = new Set<() => void>();
  let subscribed!: () => void;
  const opened = new Promise<void>((resolve) => {
    subscribed = resolve;
  });
  const events = res.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ onComment: () => subscribed() }))
    .getReader();
  const reading = (async () => {
    for (;;) {
      const { value, done } = await events.read();
      if (done) return;
      if (value.event !== event) continue;
      received.push(JSON.parse(value.data) as T);
      for (const w of waiters) w();
    }
  })().catch(() => undefined);
  await opened;
  return {
    received,
    next: (match) =>
      new Promise((resolve) => {
        const check = () => {
          const found = received.find(match);
          if (found === undefined) return;
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        check();
      }),
    async close() {
      abort.abort();
      await events.cancel().catch(() => undefined);
      await reading;
    },
  };
}
