import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { Empty } from "@nats-io/transport-node";
import { type ConsumerDeps, EventConsumer, PULL } from "./consumer.ts";
import { BusError } from "./errors.ts";
import type { Bus } from "./ports.ts";
import { readPresent } from "./read-stream.ts";
import { watchStreamRewrites } from "./stream-rewrites.ts";

/** The bus as NATS JetStream serves it: durable consumers, ordered consumers, reads. */
export function natsBus(deps: ConsumerDeps): Bus {
  const { nc, metrics } = deps;
  return {
    consumer: (spec, handler) => new EventConsumer(deps, spec, handler),
    readPresent: (stream, opts) => readPresent(nc, stream, opts),
    async last(stream, subject) {
      // The direct get with the subject in the request's own subject (no body): the form that
      // permissions can confine to the agency's subjects.
      const m = await nc
        .request(`$JS.API.DIRECT.GET.${stream}.${subject}`, Empty, { timeout: 5000 })
        .catch((cause) => {
          throw new BusError("timeout", `no answer reading the last of ${subject}`, true, {
            cause,
          });
        });
      const code = m.headers?.code ?? 0;
      if (code === 404) return undefined;
      if (code !== 0 || !m.headers)
        throw new BusError("refused", `reading the last of ${subject}: ${code}`, code >= 500);
      return {
        seq: Number(m.headers.get("Nats-Sequence")),
        subject: m.headers.get("Nats-Subject"),
        bytes: m.data,
      };
    },
    async at(stream, seq) {
      const m = await nc
        .request(`$JS.API.DIRECT.GET.${stream}`, JSON.stringify({ seq }), { timeout: 5000 })
        .catch((cause) => {
          throw new BusError("timeout", `no answer reading ${stream} at ${seq}`, true, { cause });
        });
      const code = m.headers?.code ?? 0;
      if (code === 404) return undefined;
      if (code !== 0 || !m.headers)
        throw new BusError("refused", `reading ${stream} at ${seq}: ${code}`, code >= 500);
      return {
        seq: Number(m.headers.get("Nats-Sequence")),
        subject: m.headers.get("Nats-Subject"),
        bytes: m.data,
      };
    },
    streamRewrites: (onRewrite) => watchStreamRewrites(nc, onRewrite),
    async follow(stream, { namePrefix, filterSubject, fromSeq, onMessage, onCaughtUp }) {
      // An ordered consumer (gaps recovered by the client), named afresh for every start. One
      // filter is given as a string: the client then names it in the create request's subject,
      // the form permissions can confine.
      const consumer = await jetstream(nc).consumers.get(stream, {
        name_prefix: `${namePrefix}_${crypto.randomUUID().replaceAll("-", "")}`,
        ...(fromSeq && fromSeq > 1
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq }
          : { deliver_policy: DeliverPolicy.All }),
        ...(filterSubject ? { filter_subjects: filterSubject } : {}),
      });
      let caughtUp = (await consumer.info(true)).num_pending === 0;
      metrics?.pendingOf.set(namePrefix, async () => (await consumer.info()).num_pending);
      const messages = await consumer.consume(PULL);
      const done = (async () => {
        for await (const m of messages) {
          // Synchronous for all but the few that write back: no promise per message of a rebuild.
          const pending = onMessage(m, m.info.pending);
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
          metrics?.pendingOf.delete(namePrefix);
          messages.stop();
          await done;
        },
      };
    },
  };
}
