import {
  agencyBucket,
  COMPARISON_BUCKET,
  crossBorderInboxSubjects,
  EVENTS_ROOT,
  inboxSubjects,
  jetstreamDomain,
  outboundSubjects,
  STREAMS,
} from "@liandong/contracts";
import {
  DiscardPolicy,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamSource,
} from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { type NatsConnection, nanos } from "@nats-io/transport-node";

/** Whatever any bus addresses to `county` across a line. */
const addressedTo = (county: string) => `${EVENTS_ROOT}.*.*.*.*.*.${county}`;

/** Explicit limits: with discard-new, a full stream refuses new events instead of dropping old ones. */
export const EVENT_LIMITS = { maxMsgs: 50_000_000, maxBytes: 16 * 1024 ** 3 } as const;
export const INBOX_LIMITS = { maxMsgs: 10_000_000, maxBytes: 2 * 1024 ** 3 } as const;
export const DEDUP_WINDOW_MS = 2 * 60_000;

/** The transform that keeps a subject as it is: each `*` of `filter` back in its place. */
function unchanged(filter: string): string {
  let n = 0;
  return filter
    .split(".")
    .map((t) => (t === "*" ? `{{wildcard(${++n})}}` : t))
    .join(".");
}

/**
 * Whether what a stream is configured with already says all that `want` says (the server
 * fills in what was left out; an empty string asked for is one left out).
 */
export function configCovers(want: unknown, have: unknown): boolean {
  if (want === undefined || want === "") return have === undefined || have === want;
  if (Array.isArray(want))
    return (
      Array.isArray(have) &&
      have.length === want.length &&
      want.every((w, i) => configCovers(w, have[i]))
    );
  if (typeof want === "object" && want !== null)
    return (
      typeof have === "object" &&
      have !== null &&
      Object.entries(want).every(([k, w]) => configCovers(w, (have as Record<string, unknown>)[k]))
    );
  return want === have;
}

/** A stream's configuration differs from this version's, and no everyday identity may change it. */
export class StreamConfigDrift extends Error {
  override readonly name = "StreamConfigDrift";
  readonly code = "stream-config-drift";
  constructor(
    readonly stream: string,
    options?: { cause?: unknown },
  ) {
    super(
      `流 ${stream} 的配置与本版本不同，需要更新；日常身份无权改动已有的流：` +
        "请由持有紧急权限（break-glass）的人员执行 liandong break-glass provision --reason 理由（此操作先记入日志）",
      options,
    );
  }
}

/**
 * Creates a stream that is missing; one that is there already is left as it is when its
 * configuration says what `config` says. Otherwise it is updated, which only the break-glass
 * identity may do (an update can drop what a stream holds): any other gets `StreamConfigDrift`.
 */
async function ensureStream(nc: NatsConnection, config: Partial<StreamConfig> & { name: string }) {
  const jsm = await jetstreamManager(nc);
  let have: StreamConfig;
  try {
    have = (await jsm.streams.info(config.name)).config;
  } catch (err) {
    if (!String(err).includes("stream not found")) throw err;
    await jsm.streams.add(config);
    return;
  }
  if (configCovers(config, have)) return;
  try {
    await jsm.streams.update(config.name, config);
  } catch (cause) {
    throw new StreamConfigDrift(config.name, { cause });
  }
}

/**
 * Creates every stream and bucket of a county that is missing (idempotent; run as admin at
 * start); one whose configuration differs from this version's is updated, which only the
 * break-glass identity may do (`StreamConfigDrift` for any other).
 * EVENTS is the shared log; each agency's inbox sources from it exactly what is addressed to
 * that agency (the server does the fan-out, exactly once); each agency has a private bucket.
 */
export async function provisionCounty(
  nc: NatsConnection,
  opts: {
    county: string;
    agencies: readonly string[];
    replicas?: number;
    /** Neighbouring counties of the cooperation region (each its own JetStream domain). */
    neighbours?: readonly string[];
    /**
     * How long the log remembers a message id (`DEDUP_WINDOW_MS` unless given): nothing relies
     * on it for more than a resend's few seconds, so drills and tests may shorten it to show so.
     */
    duplicateWindowMs?: number;
    /**
     * By neighbour, the counties reached through its link without one of their own (上下联动,
     * `region.beyond`): what this bus addresses to them goes to that neighbour's stream.
     */
    beyond?: Readonly<Record<string, readonly string[]>>;
    /**
     * A city's hub: what one link brings for a county beyond another (a county of a peer city,
     * another county of this city) is passed on to that link's stream, and kept out of this
     * bus's own log, which takes from each link only what is addressed to this bus.
     */
    hub?: boolean;
  },
): Promise<void> {
  const replicas = opts.replicas ?? 1;
  const duplicateWindow = nanos(opts.duplicateWindowMs ?? DEDUP_WINDOW_MS);
  const neighbours = opts.neighbours ?? [];
  // In a region, what each neighbour addresses to us comes over the link from the one stream it
  // keeps for us, into a copy of ours (REGION_IN_<neighbour>): NATS's own store-and-forward (in
  // order, once, caught up after the link returns). EVENTS sources those copies, on this
  // server: restarting a stuck link reconfigures the copy, never the county's log. What our
  // agencies address across the line is under `ld.ev.>` already.
  // A stream filled only from another (an inbox, a region's copy either way): its limits, and
  // nothing in it ever deleted or purged.
  const copy = (name: string, sources: StreamSource[], more: Partial<StreamConfig> = {}) =>
    ensureStream(nc, {
      name,
      storage: StorageType.File,
      discard: DiscardPolicy.New,
      max_msgs: INBOX_LIMITS.maxMsgs,
      max_bytes: INBOX_LIMITS.maxBytes,
      deny_delete: true,
      deny_purge: true,
      num_replicas: replicas,
      sources,
      ...more,
    });
  for (const n of neighbours)
    await copy(STREAMS.regionIn(n), [
      {
        name: STREAMS.regionOut(opts.county),
        external: { api: `$JS.${jetstreamDomain(n)}.API`, deliver: "" },
      },
    ]);
  const region: Partial<StreamConfig> =
    neighbours.length > 0
      ? {
          sources: neighbours.map((n) =>
            opts.hub
              ? { name: STREAMS.regionIn(n), filter_subject: addressedTo(opts.county) }
              : { name: STREAMS.regionIn(n) },
          ),
        }
      : {};
  await ensureStream(nc, {
    name: STREAMS.events,
    subjects: [`${EVENTS_ROOT}.>`],
    ...region,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    max_msgs: EVENT_LIMITS.maxMsgs,
    max_bytes: EVENT_LIMITS.maxBytes,
    duplicate_window: duplicateWindow,
    deny_delete: true,
    deny_purge: true,
    allow_direct: true,
    num_replicas: replicas,
  });
  await ensureStream(nc, {
    name: STREAMS.deadLetters,
    subjects: ["ld.dlq.>"],
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    max_msgs: 1_000_000,
    max_bytes: 1024 ** 3,
    duplicate_window: nanos(DEDUP_WINDOW_MS),
    deny_delete: true,
    deny_purge: true,
    num_replicas: replicas,
  });
  const kvm = new Kvm(nc);
  for (const agency of opts.agencies) {
    await copy(
      STREAMS.inbox(agency),
      [
        neighbours.length > 0
          ? {
              name: STREAMS.events,
              subject_transforms: [
                inboxSubjects(agency),
                crossBorderInboxSubjects(opts.county, agency),
              ].map((src) => ({ src, dest: unchanged(src) })),
            }
          : { name: STREAMS.events, filter_subject: inboxSubjects(agency) },
      ],
      { allow_direct: true },
    );
    await kvm.create(agencyBucket(agency), { history: 5, storage: StorageType.File, replicas });
  }
  // The comparison service's own (数据比对): a value replaced is gone, not kept as history.
  await kvm.create(COMPARISON_BUCKET, { history: 1, storage: StorageType.File, replicas });
  const beyond = (n: string) => opts.beyond?.[n] ?? [];
  for (const n of neighbours) {
    // The only stream neighbour `n` may read (its link's permissions say so): what this bus
    // addresses to it and to the counties beyond it; at a hub, also what the other links bring
    // for them, from the bus at their other end and the counties beyond that (nothing else).
    const to = [n, ...beyond(n)];
    const filters = (from: readonly string[]) => {
      const subjects = from.flatMap((o) => to.map((x) => outboundSubjects(o, x)));
      return subjects.length === 1
        ? { filter_subject: subjects[0]! }
        : { subject_transforms: subjects.map((src) => ({ src, dest: unchanged(src) })) };
    };
    const passed = opts.hub
      ? neighbours
          .filter((m) => m !== n)
          .map((m) => ({ name: STREAMS.regionIn(m), ...filters([m, ...beyond(m)]) }))
      : [];
    await copy(STREAMS.regionOut(n), [
      { name: STREAMS.events, ...filters([opts.county]) },
      ...passed,
    ]);
  }
}

/** A source is stuck when it failed, never reached its stream, or has been silent too long. */
function stuck(source: { error?: unknown; active: number }, silentMs: number): boolean {
  return source.error !== undefined || source.active < 0 || source.active > silentMs * 1e6;
}

const crossesLink = (config: StreamConfig) => (config.sources ?? []).some((s) => s.external);

/**
 * How many sources across a region's links are stuck now (0: all flowing), over every copy
 * this county keeps of what a neighbour sends it (REGION_IN_<neighbour>).
 */
export async function stuckSources(nc: NatsConnection, silentMs = 5000): Promise<number> {
  const jsm = await jetstreamManager(nc);
  let n = 0;
  for await (const si of jsm.streams.list())
    if (crossesLink(si.config)) n += (si.sources ?? []).filter((s) => stuck(s, silentMs)).length;
  return n;
}

/**
 * A stream's sources that failed are retried by nats-server on a back-off of 10 s, 20 s, 30 s…
 * up to 2 minutes: a neighbour's stream not there yet or a cut link (the copy of a neighbour's
 * stream), a lost leader in a cluster (an inbox sourcing the log). The backlog would wait that
 * long once the cause is gone. This starts them again at once. A copy across a link: its
 * sources are taken out and put back (the server resumes each after the last message it
 * sourced, so nothing comes twice); it is the one kind of stream the keeper may reconfigure.
 * A replicated stream of the county's own: its leader steps down, and the new leader sets its
 * sources up afresh (no configuration changes: the county's log and inboxes are not the
 * keeper's to reconfigure). A stuck source of a single-replica stream of the county's own is
 * left to the server. A healthy source is heard from every second (its heartbeat); one silent
 * for `silentMs` counts as stuck. Returns how many were stuck and restarted.
 */
async function restartStuck(
  nc: NatsConnection,
  jsm: JetStreamManager,
  silentMs: number,
  stream: string,
): Promise<number> {
  const info = await jsm.streams.info(stream);
  const failing = (info.sources ?? []).filter((s) => stuck(s, silentMs)).length;
  if (failing === 0) return 0;
  const { config } = info;
  if (crossesLink(config)) {
    await jsm.streams.update(stream, { ...config, sources: [] });
    await jsm.streams.update(stream, config);
  } else if ((config.num_replicas ?? 1) > 1) {
    const reply = (
      await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, undefined, { timeout: 5000 })
    ).json<{ success?: boolean; error?: { description?: string } }>();
    if (!reply.success) throw new Error(`stepdown of ${stream}: ${reply.error?.description}`);
  } else return 0;
  return failing;
}

/**
 * Keeps a region's links flowing for as long as the county runs (each copy of what a
 * neighbour sends, sourced across a leaf node): looks every second and restarts a stream's
 * stuck sources (see `restartStuck`), so that a link that comes back carries its backlog
 * within seconds. While a restart does not help (the link is still down) the stream's next
 * waits twice as long, from `everyMs` up to `maxMs`: each restart has the server look back
 * through the stream for the last message it sourced. Runs as the keeper identity, which may
 * reconfigure those copies and move leaders, and nothing else.
 */
export function keepSourcesFlowing(
  nc: NatsConnection,
  opts: {
    everyMs?: number;
    maxMs?: number;
    onError?: (err: unknown) => void;
    onRestart?: (stream: string, n: number) => void;
    /**
     * Also the county's own sources (each inbox sourcing the log), restarted only after this
     * long stuck: in a cluster they recover by themselves when leaders move, mostly, and
     * restarting them in the middle of an election only churns; but one whose consumer went
     * with a killed leader can wait out nats-server's back-off of up to two minutes.
     */
    localSilentMs?: number;
  } = {},
): { stop(): void } {
  const everyMs = opts.everyMs ?? 3000;
  const maxMs = opts.maxMs ?? 30_000;
  const streams = new Map<
    string,
    { wait: number; next: number; restarted: boolean; silentMs: number }
  >();
  let listed = 0;
  let busy = false;
  let manager: JetStreamManager | undefined;
  const tick = async () => {
    // Made once (it asks the server for its JetStream account on the way).
    manager ??= await jetstreamManager(nc);
    const jsm = manager;
    // Which streams source a neighbour's, across a link (and, if asked, the county's own):
    // looked up again now and then (a neighbour added).
    if (Date.now() - listed > 30_000) {
      listed = Date.now();
      for await (const si of jsm.streams.list()) {
        const sources = si.config.sources ?? [];
        if (sources.length === 0 || streams.has(si.config.name)) continue;
        const across = crossesLink(si.config);
        if (!across && opts.localSilentMs === undefined) continue;
        streams.set(si.config.name, {
          wait: everyMs,
          next: 0,
          restarted: false,
          silentMs: across ? 5000 : opts.localSilentMs!,
        });
      }
    }
    for (const [stream, state] of streams) {
      const now = Date.now();
      if (now < state.next) continue;
      const n = await restartStuck(nc, jsm, state.silentMs, stream).catch((err) => {
        opts.onError?.(err);
        return -1;
      });
      if (n > 0) {
        // Stuck again since the last restart: the cause is still there, look less often.
        if (state.restarted) state.wait = Math.min(maxMs, state.wait * 2);
        state.restarted = true;
        opts.onRestart?.(stream, n);
      } else if (n === 0) {
        state.wait = everyMs;
        state.restarted = false;
      }
      state.next = now + state.wait;
    }
  };
  const timer = setInterval(async () => {
    if (busy || nc.isClosed()) return;
    busy = true;
    try {
      await tick();
    } catch (err) {
      opts.onError?.(err);
    } finally {
      busy = false;
    }
  }, 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
