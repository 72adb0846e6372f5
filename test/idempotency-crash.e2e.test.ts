// Nothing twice, whatever the timing. Keyed and unkeyed registrations run concurrently at one
// desk; nats-server and every service are killed (SIGKILL) in the middle of them and started
// again, now and then only after the log's duplicate window has passed; then every keyed request
// is sent again at once, and again after the duplicate window. Each is answered with its first
// result, never a 5xx, and the log holds every event once: no event id twice in EVENTS or in any
// inbox, one registration per lead, one share per lead and addressee. The duplicate window is
// shortened to seconds (the county's drill option) so that "after the window" is a short wait.
//
// Runs LIANDONG_CRASH_RUNS times in a row (3 unless given: each way of crashing once) on one county, each run on top of the
// last one's log.

import type { LogEntry } from "@liandong/runtime";
import { readPresent } from "@liandong/runtime";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Api, eventually, startTestCounty, type TestCounty } from "./support/county.ts";

const RUNS = Number(process.env.LIANDONG_CRASH_RUNS ?? 3);
const WINDOW_MS = 1500;
const KEYED_WORKERS = 12;
/**
 * Three ways to die, each with the county down a moment or until the duplicate window is over
 * (whatever was cut is then taken up again only after it). The services a moment before
 * nats-server: it writes down what it had handed them unanswered (delivered again only after its
 * ack wait, unless the desk takes it up at start), a sharing cut half-way. nats-server a moment
 * before the services: publishes stored whose acks never came, the requests die waiting for
 * them. All at once.
 */
const CRASHES = [
  { first: "services", downPastWindow: true },
  { first: "server", downPastWindow: false },
  { first: undefined, downPastWindow: true },
  { first: "server", downPastWindow: true },
  { first: "services", downPastWindow: false },
  { first: undefined, downPastWindow: false },
] as const;
const RECIPIENTS = ["public-security", "family-planning"] as const;

let county: TestCounty;
beforeAll(async () => {
  county = await startTestCounty({}, { duplicateWindowMs: WINDOW_MS });
});
afterAll(async () => {
  await county?.cleanup();
});

// A few targets only: registrations about the same target are linked, so that copies of a
// second step (`lead.linked`) are made and must be made once too.
const lead = (run: number, i: number) => ({
  source: "record-audit",
  violations: ["sex-selective-termination"],
  target: { kind: "institution", name: `卫生院${run}-${i % 5}`, unit: "产科", county: "441723" },
  summary: `第 ${run} 轮第 ${i} 条：同名多次引产`,
});

type Answer = { status: number; leadId?: string };
type Registered = { leadId: string };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(api: Api, body: unknown, key?: string): Promise<Answer> {
  try {
    const r = await api.post<Registered>("/leads", body, key ? { "idempotency-key": key } : {});
    return { status: r.status, leadId: r.body.leadId };
  } catch {
    return { status: 0 }; // cut: the service is gone
  }
}

/** Every message a stream holds, read as the auditor reads it (admin identity). */
async function messages(stream: string): Promise<{ subject: string; id: string; type: string }[]> {
  const admin = await county.admin();
  try {
    const all: LogEntry[] = [];
    for await (const m of readPresent(admin, stream, { namePrefix: "crash_test" })) all.push(m);
    return all.map((m) => {
      const e = JSON.parse(new TextDecoder().decode(m.bytes)) as { id: string; type: string };
      return { subject: m.subject, id: e.id, type: e.type };
    });
  } finally {
    await admin.close();
  }
}

/** The leads in an agency's inbox, as its desk shows them, page by page. */
async function inboxOf(agency: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let offset = 0; ; offset += 500) {
    const r = await county
      .as(agency)
      .get<{ items: { leadId: string }[]; total: number }>(`/inbox?limit=500&offset=${offset}`);
    for (const x of r.body.items) ids.add(x.leadId);
    if (offset + 500 >= r.body.total) return ids;
  }
}

/** Messages the county's durable consumers have not finished with (pending or unanswered). */
async function unfinished(): Promise<number> {
  const admin = await county.admin();
  try {
    const jsm = await jetstreamManager(admin);
    let n = 0;
    for (const stream of ["EVENTS", ...RECIPIENTS.map((a) => `INBOX_${a}`)])
      for await (const c of jsm.consumers.list(stream))
        if (c.config.durable_name) n += c.num_pending + c.num_ack_pending;
    return n;
  } finally {
    await admin.close();
  }
}

/** The ids that occur more than once. */
const twice = (ids: string[]) => [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];

async function oneRun(run: number): Promise<void> {
  const health = county.as("health");
  // Keyed: what was sent under each key, and the first answer that came back.
  const sent = new Map<string, { body: unknown; first?: string }>();
  const unkeyed = new Set<string>();
  let next = 0;
  let stop = false;
  const keyedWorker = async () => {
    while (!stop) {
      const i = next++;
      const key = `crash-${run}-${i}`;
      const body = lead(run, i);
      sent.set(key, { body });
      const a = await post(health, body, key);
      if (a.leadId && (a.status === 200 || a.status === 201)) sent.get(key)!.first = a.leadId;
      if (a.status === 0 || a.status >= 500) return; // its client waits for the county
    }
  };
  const unkeyedWorker = async () => {
    while (!stop) {
      const a = await post(health, lead(run, 1000 + next++));
      if (a.leadId && a.status === 201) unkeyed.add(a.leadId);
      if (a.status === 0 || a.status >= 500) return;
    }
  };
  // Many requests in flight at the kill: some cut after the stream took their lead, before
  // their answer was remembered, or in the middle of its sharing.
  const workers = [
    ...Array.from({ length: KEYED_WORKERS }, keyedWorker),
    unkeyedWorker(),
    unkeyedWorker(),
  ];
  const answered = () => [...sent.values()].filter((s) => s.first).length + unkeyed.size;
  const base = answered();
  await eventually(async () => (answered() >= base + 20 ? true : undefined), 30_000);
  const { first, downPastWindow } = CRASHES[(run - 1) % CRASHES.length]!;
  await county.kill(first ? { first, gapMs: 1000 } : {});
  stop = true;
  await Promise.all(workers);
  if (downPastWindow) await sleep(WINDOW_MS + 500);
  await county.restart();

  // The cut requests first, all at once, as their clients would send them again: before the
  // desk has caught up with what the stream took of them.
  const retryAll = async (when: string) => {
    const cutFirst = [...sent].sort(
      ([, a], [, b]) => Number(a.first !== undefined) - Number(b.first !== undefined),
    );
    // Sixteen clients at a time.
    for (let i = 0; i < cutFirst.length; i += 16)
      await Promise.all(
        cutFirst.slice(i, i + 16).map(async ([key, s]) => {
          const a = await post(health, s.body, key);
          expect(a.status, `${when}: ${key}`).toBeOneOf([200, 201]);
          if (s.first) expect(a.leadId, `${when}: ${key}`).toBe(s.first);
          if (a.leadId) s.first ??= a.leadId;
        }),
      );
  };
  await retryAll("at once");
  await sleep(WINDOW_MS + 500);
  await retryAll("after the duplicate window");

  const leads = [...[...sent.values()].map((s) => s.first!), ...unkeyed];
  // Each at its desk, and shared with each addressee: the desks have caught up.
  for (const id of leads) expect((await health.get(`/leads/${id}`)).status, id).toBe(200);
  for (const agency of RECIPIENTS) {
    let missing: string[] = [];
    await eventually(async () => {
      const ids = await inboxOf(agency);
      missing = leads.filter((id) => !ids.has(id));
      return missing.length === 0 ? true : undefined;
    }, 30_000).catch(async (err) => {
      const admin = await county.admin();
      const info = await (await jetstreamManager(admin)).streams.info(`INBOX_${agency}`);
      const consumer = await (await jetstreamManager(admin)).consumers.info(
        `INBOX_${agency}`,
        `${agency}-inbox`,
      );
      await admin.close();
      throw new Error(
        `run ${run}: ${missing.length} not in ${agency}'s inbox: ${missing.slice(0, 3).join(" ")}; stream ${info.state.messages} ${JSON.stringify(info.sources)}; consumer ${JSON.stringify({ d: consumer.delivered, a: consumer.ack_floor, p: consumer.num_pending, ap: consumer.num_ack_pending, r: consumer.num_redelivered })}`,
        { cause: err },
      );
    });
  }

  // Until every desk has finished with all it was given (what a crash left unanswered too).
  await eventually(async () => ((await unfinished()) === 0 ? true : undefined), 60_000);

  // The log: no event twice, one registration per lead, one share per lead and addressee.
  const events = await messages("EVENTS");
  expect(twice(events.map((e) => e.id)), "event ids twice in EVENTS").toEqual([]);
  const of = (type: string, to: string) =>
    events.filter((e) => e.type === type && e.subject.split(".")[6] === to);
  const registered = of("lead.reported", "_").map((e) => e.subject.split(".")[5]!);
  expect(twice(registered), "leads registered twice").toEqual([]);
  for (const id of leads) expect(registered, `lead ${id} registered`).toContain(id);
  for (const agency of RECIPIENTS) {
    const shared = of("lead.shared", agency).map((e) => e.subject.split(".")[5]!);
    expect(twice(shared), `leads shared twice with ${agency}`).toEqual([]);
    for (const id of leads) expect(shared, `lead ${id} shared with ${agency}`).toContain(id);
    const inbox = await messages(`INBOX_${agency}`);
    expect(twice(inbox.map((e) => e.id)), `event ids twice in ${agency}'s inbox`).toEqual([]);
  }
}

it(
  `answers every retried request with its first result and records nothing twice, ${RUNS} crashes in a row`,
  async () => {
    for (let run = 1; run <= RUNS; run++) await oneRun(run);
  },
  RUNS * 120_000,
);
