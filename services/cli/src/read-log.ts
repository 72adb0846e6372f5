import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { STREAMS } from "@liandong/contracts";
import type { LogEntry } from "@liandong/runtime";
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";

/** One line of an exported log (NDJSON): stream sequence, subject, the stored bytes in base64. */
export const ExportedEntry = z.object({
  seq: z.number().int().positive(),
  subject: z.string().min(1),
  data: z.base64(),
});

/** How many messages the stream holds now (for progress). */
export async function streamSize(
  nc: NatsConnection,
  stream: string = STREAMS.events,
): Promise<number> {
  const info = await (await jetstreamManager(nc)).streams.info(stream);
  return info.state.messages;
}

/**
 * Reads a stream from its first message to the last one present when the read began, in
 * stream order, with an ordered consumer (gaps are recovered by the client).
 */
export async function* readStream(
  nc: NatsConnection,
  stream: string = STREAMS.events,
): AsyncGenerator<LogEntry> {
  const consumer = await jetstream(nc).consumers.get(stream, {
    name_prefix: `liandong_cli_${crypto.randomUUID().replaceAll("-", "")}`,
    deliver_policy: DeliverPolicy.All,
  });
  try {
    const info = await consumer.info(true);
    if (info.num_pending === 0) return;
    const messages = await consumer.consume({ max_messages: 2000 });
    try {
      for await (const m of messages) {
        yield { seq: m.seq, subject: m.subject, bytes: m.data };
        if (m.info.pending === 0) break;
      }
    } finally {
      messages.stop();
    }
  } finally {
    // Not left for the server to expire: a stream's consumers are limited, and an auditor may
    // read again and again.
    await consumer.delete().catch(() => undefined);
  }
}

/** Reads an exported log file; a malformed line stops the read with its line number. */
export async function* readExport(file: string): AsyncGenerator<LogEntry> {
  const lines = createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    let parsed: z.infer<typeof ExportedEntry>;
    try {
      parsed = ExportedEntry.parse(JSON.parse(line));
    } catch (err) {
      throw new Error(`${file} 第 ${n} 行无法读取：${String(err).slice(0, 200)}`);
    }
    yield { seq: parsed.seq, subject: parsed.subject, bytes: Buffer.from(parsed.data, "base64") };
  }
}
