import type { Metrics } from "@liandong/runtime";
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

const LINE_BREAK = /[\r\n]/;
const encoder = new TextEncoder();

/**
 * A live feed as server-sent events: a comment once subscribed, one event per change (its data
 * the item as it now stands, on one line: JSON has no line breaks of its own), a comment as
 * heartbeat. A client that falls too far behind is cut off; on reconnecting it lists again what
 * it follows (the changes in between are not replayed).
 *
 * The response's body is the one stream the server reads: each change goes into it as it
 * happens, the server writing it to the socket on its next read. (hono's `streamSSE` puts three
 * streams and a writer between a change and the socket, a hand-off's last step at the addressee.)
 */
export function liveFeed<T>(c: FeatureContext, feed: LiveFeed<T>): Response {
  let stop: (() => void) | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const off = feed.follow((item) => {
          // Unread by the client: what the server has not written yet waits in the stream.
          if ((controller.desiredSize ?? 0) <= -FEED_MAX_BEHIND) {
            stop?.();
            controller.close();
            return;
          }
          // An id is one of ours (a UUID): one that could break the event's lines is left out.
          const id = feed.id(item);
          const idLine = LINE_BREAK.test(id) ? "" : `id: ${id}\n`;
          controller.enqueue(
            encoder.encode(`event: ${feed.event}\ndata: ${JSON.stringify(item)}\n${idLine}\n`),
          );
        });
        const beat = setInterval(
          () => controller.enqueue(encoder.encode(": \n\n")),
          FEED_HEARTBEAT_MS,
        );
        feed.metrics?.feedClients.inc();
        stop = () => {
          stop = undefined;
          clearInterval(beat);
          off();
          feed.metrics?.feedClients.dec();
        };
        // Headers and a first comment at once: the client knows it is subscribed.
        controller.enqueue(encoder.encode(": 已连接\n\n"));
      },
      // The client went away (or the server stops): let go of the feed.
      cancel() {
        stop?.();
      },
    },
    { highWaterMark: 0 },
  );
  return c.newResponse(body, 200, {
    "Transfer-Encoding": "chunked",
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    Connection: "keep-alive",
  });
}
