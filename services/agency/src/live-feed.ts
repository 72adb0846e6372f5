import type { Metrics } from "@liandong/runtime";
import { streamSSE } from "hono/streaming";
import type { FeatureContext } from "./feature.ts";

/** Changes a feed's client may be behind by before it is cut off. */
const FEED_MAX_BEHIND = 1000;
const FEED_HEARTBEAT_MS = 15_000;

/** What one live feed pushes: which changes, under which event name, named by which id. */
export type LiveFeed<T> = {
  /** The server-sent event's name (`referral`, `lead`). */
  event: string;
  /** The event's `id`: the changed item's. */
  id: (item: T) => string;
  /** Calls `push` with each change from now on; returns the unsubscribe. */
  follow: (push: (item: T) => void) => () => void;
  metrics?: Metrics | undefined;
};

/**
 * A live feed as server-sent events: a comment once subscribed, one event per change (its data
 * the item as it now stands), a comment as heartbeat. A client that falls too far behind is cut
 * off; on reconnecting it lists again what it follows (the changes in between are not replayed).
 */
export function liveFeed<T>(c: FeatureContext, feed: LiveFeed<T>): Response {
  return streamSSE(c, async (stream) => {
    let behind = 0;
    const off = feed.follow((item) => {
      if (behind >= FEED_MAX_BEHIND) {
        stream.abort();
        return;
      }
      behind++;
      void stream
        .writeSSE({ event: feed.event, id: feed.id(item), data: JSON.stringify(item) })
        .finally(() => behind--);
    });
    const beat = setInterval(() => void stream.write(": \n\n"), FEED_HEARTBEAT_MS);
    feed.metrics?.feedClients.inc();
    try {
      // Headers and a first comment at once: the client knows it is subscribed.
      await stream.write(": 已连接\n\n");
      await new Promise<void>((resolve) => stream.onAbort(resolve));
    } finally {
      clearInterval(beat);
      off();
      feed.metrics?.feedClients.dec();
    }
  });
}
