import { agencyBucket, EVENTS_ROOT, inboxSubjects, STREAMS } from "@liandong/contracts";
import {
  DiscardPolicy,
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
  opts: { county: string; agencies: readonly string[]; replicas?: number },
): Promise<void> {
  const replicas = opts.replicas ?? 1;
  await ensureStream(nc, {
    name: STREAMS.events,
    subjects: [`${EVENTS_ROOT}.>`],
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
  for (const agency of opts.agencies) {
    await ensureStream(nc, {
      name: STREAMS.inbox(agency),
      storage: StorageType.File,
      discard: DiscardPolicy.New,
      max_msgs: INBOX_LIMITS.maxMsgs,
      max_bytes: INBOX_LIMITS.maxBytes,
      deny_delete: true,
      deny_purge: true,
      allow_direct: true,
      num_replicas: replicas,
      sources: [{ name: STREAMS.events, filter_subject: inboxSubjects(agency) }],
    });
    await kvm.create(agencyBucket(agency), { history: 5, storage: StorageType.File, replicas });
  }
}
