import type { KV } from "@nats-io/kv";

/**
 * Whether a bucket write failed for a moment only: no stream answered (a cluster electing
 * the bucket's leader after losing a node), or the answer did not come in time.
 */
export function transientWriteError(err: unknown): boolean {
  const text = `${(err as { name?: string })?.name ?? ""} ${String(err)}`;
  return /no responders|JetStreamNotEnabled|temporarily unavailable|timeout|TimeoutError|503/i.test(
    text,
  );
}

/**
 * The agency's bucket, its writes tried again for up to `forMs` while the failure is
 * transient (as the publisher does for events): a leader election in a clustered county takes
 * seconds, and a consumer whose handler failed on it would otherwise spend its deliveries.
 * A bucket write is idempotent: the same key and value again.
 */
export function retryingPuts(kv: KV, forMs = 30_000): KV {
  const put = kv.put.bind(kv);
  kv.put = async (...args: Parameters<KV["put"]>) => {
    const deadline = Date.now() + forMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await put(...args);
      } catch (err) {
        if (!transientWriteError(err) || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  };
  return kv;
}
