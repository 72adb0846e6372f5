import { SEAL_HEADER } from "@liandong/contracts";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { LogEntry } from "./audit-verify.ts";

/**
 * What a stream holds now (or the subjects asked for), from its first message (or `fromSeq`) to
 * the last one present when the read began, in stream order: an ordered consumer (gaps are recovered by the
 * client) named from `namePrefix`, which the reader's permissions name. The consumer is deleted
 * afterwards rather than left for the server to expire: a stream's consumers are limited, and
 * an auditor or the office's trail reads again and again.
 */
export async function* readPresent(
  nc: NatsConnection,
  stream: string,
  opts: { namePrefix: string; filterSubjects?: string[]; batch?: number; fromSeq?: number },
): AsyncGenerator<LogEntry> {
  // A reader of a whole log (an auditor's verify, the office's trail) waits for a busy server
  // longer than the client's default of 5 s before giving up on its consumer.
  const consumer = await jetstream(nc, { timeout: 30_000 }).consumers.get(stream, {
    // Ordered consumers number their names from the prefix: one prefix per read.
    name_prefix: `${opts.namePrefix}_${crypto.randomUUID().replaceAll("-", "")}`,
    ...(opts.filterSubjects ? { filter_subjects: opts.filterSubjects } : {}),
    ...(opts.fromSeq && opts.fromSeq > 1
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: opts.fromSeq }
      : { deliver_policy: DeliverPolicy.All }),
  });
  try {
    if ((await consumer.info(true)).num_pending === 0) return;
    const messages = await consumer.consume(opts.batch ? { max_messages: opts.batch } : {});
    try {
      for await (const m of messages) {
        yield {
          seq: m.seq,
          subject: m.subject,
          bytes: m.data,
          seal: m.headers?.get(SEAL_HEADER) || undefined,
        };
        if (m.info.pending === 0) break;
      }
    } finally {
      messages.stop();
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}
