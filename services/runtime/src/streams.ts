import {
  agencyBucket,
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
} from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { type NatsConnection, nanos } from "@nats-io/transport-node";

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

async function ensureStream(nc: NatsConnection, config: Partial<StreamConfig> & { name: string }) {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, config);
  } catch (err) {
    if (!String(err).includes("stream not found")) throw err;
    await jsm.streams.add(config);
  }
}

/**
 * Creates or updates every stream and bucket of a county (idempotent; run as admin at start).
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
  },
): Promise<void> {
  const replicas = opts.replicas ?? 1;
  const neighbours = opts.neighbours ?? [];
  // In a region, EVENTS also sources what each neighbour addresses to us, from the one stream it
  // keeps for us: NATS's own store-and-forward (in order, once, caught up after the link returns).
  // What our agencies address across the line is under `ld.ev.>` already.
  const region: Partial<StreamConfig> =
    neighbours.length > 0
      ? {
          sources: neighbours.map((n) => ({
            name: STREAMS.regionOut(opts.county),
            external: { api: `$JS.${jetstreamDomain(n)}.API`, deliver: "" },
          })),
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
    duplicate_window: nanos(DEDUP_WINDOW_MS),
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
  // An inbox, or what a neighbour reads of this county: sourced from EVENTS, never deleted from.
  const sourced = {
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    max_msgs: INBOX_LIMITS.maxMsgs,
    max_bytes: INBOX_LIMITS.maxBytes,
    deny_delete: true,
    deny_purge: true,
  };
  for (const agency of opts.agencies) {
    await ensureStream(nc, {
      name: STREAMS.inbox(agency),
      ...sourced,
      allow_direct: true,
      num_replicas: replicas,
      sources: [
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
    });
    await kvm.create(agencyBucket(agency), { history: 5, storage: StorageType.File, replicas });
  }
  for (const n of neighbours) {
    // The only stream neighbour `n` may read (its link's permissions say so).
    await ensureStream(nc, {
      name: STREAMS.regionOut(n),
      ...sourced,
      num_replicas: replicas,
      sources: [{ name: STREAMS.events, filter_subject: outboundSubjects(opts.county, n) }],
    });
  }
}

/** A source is stuck when it failed, never reached its stream, or has been silent too long. */
function stuck(source: { error?: unknown; active: number }, silentMs: number): boolean {
  return source.error !== undefined || source.active < 0 || source.active > silentMs * 1e6;
}

/** How many of a stream's sources are stuck now (0: all flowing); by default the county's log. */
export async function stuckSources(
  nc: NatsConnection,
  silentMs = 5000,
  stream: string = STREAMS.events,
): Promise<number> {
  const info = await (await jetstreamManager(nc)).streams.info(stream);
  return (info.sources ?? []).filter((s) => stuck(s, silentMs)).length;
}

/**
 * A stream's sources that failed are retried by nats-server on a back-off of 10 s, 20 s, 30 s…
 * up to 2 minutes: a neighbour's stream not there yet or a cut link (the county's log sourcing
 * its neighbours), a lost leader in a cluster (an inbox sourcing the log). The backlog would wait
 * that long once the cause is gone. This starts them again at once: the sources are taken out
 * and put back (the server resumes each after the last message it sourced, so nothing comes
 * twice). A healthy source is heard from every second (its heartbeat); one silent for
 * `silentMs` counts as stuck. Returns how many were stuck.
 */
export async function restartFailedSources(
  nc: NatsConnection,
  silentMs = 5000,
  stream: string = STREAMS.events,
): Promise<number> {
  return restartStuck(await jetstreamManager(nc), silentMs, stream);
}

async function restartStuck(
  jsm: JetStreamManager,
  silentMs: number,
  stream: string,
): Promise<number> {
  const info = await jsm.streams.info(stream);
  const failing = (info.sources ?? []).filter((s) => stuck(s, silentMs)).length;
  if (failing === 0) return 0;
  const { config } = info;
  await jsm.streams.update(stream, { ...config, sources: [] });
  await jsm.streams.update(stream, config);
  return failing;
}

/**
 * Keeps a region's links flowing for as long as the county runs (each stream that sources a
 * neighbour's across a leaf node: the county's log): looks every second and restarts a
 * stream's stuck sources (see `restartFailedSources`), so that a link that comes back carries
 * its backlog within seconds. While a restart does not help (the link is still down) the
 * stream's next waits twice as long, from `everyMs` up to `maxMs`: each restart has the server
 * look back through the stream for the last message it sourced. Needs an identity that may
 * update the streams (the county's admin).
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
        const across = sources.some((s) => s.external);
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
      const n = await restartStuck(jsm, state.silentMs, stream).catch((err) => {
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
