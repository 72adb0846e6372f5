import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { type ConsumerDeps, EventConsumer, PULL } from "./consumer.ts";
import type { Bus } from "./ports.ts";
import { readPresent } from "./read-stream.ts";
import { watchStreamRewrites } from "./stream-rewrites.ts";

/** The bus as NATS JetStream serves it: durable consumers, ordered consumers, reads. */
export function natsBus(deps: ConsumerDeps): Bus {
  const { nc } = deps;
  return {
    consumer: (spec, handler) => new EventConsumer(deps, spec, handler),
    readPresent: (stream, opts) => readPresent(nc, stream, opts),
    streamRewrites: (onRewrite) => watchStreamRewrites(nc, onRewrite),
    async follow(stream, { namePrefix, onMessage, onCaughtUp }) {
      // An ordered consumer (gaps recovered by the client), named afresh for every start.
      const consumer = await jetstream(nc).consumers.get(stream, {
        name_prefix: `${namePrefix}_${crypto.randomUUID().replaceAll("-", "")}`,
        deliver_policy: DeliverPolicy.All,
      });
      let caughtUp = (await consumer.info(true)).num_pending === 0;
      const messages = await consumer.consume(PULL);
      const done = (async () => {
        for await (const m of messages) {
          // Synchronous for all but the few that write back: no promise per message of a rebuild.
          const pending = onMessage(m);
          if (pending) await pending;
          if (m.info.pending === 0 && !caughtUp) {
            caughtUp = true;
            onCaughtUp();
          }
        }
      })();
      if (caughtUp) onCaughtUp();
      return {
        async stop() {
          messages.stop();
          await done;
        },
      };
    },
  };
}
