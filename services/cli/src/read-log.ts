import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { STREAMS } from "@liandong/contracts";
import { type LogEntry, readPresent } from "@liandong/runtime";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";

/** One line of an exported log (NDJSON): stream sequence, subject, the stored bytes in base64. */
export const ExportedEntry = z.object({
  seq: z.number().int().positive(),
  subject: z.string().min(1),
  data: z.base64(),
  /** Its publisher's seal (the `Liandong-Seal` header), where it had one. */
  seal: z.string().optional(),
  /**
   * On the first line only: when the export's read began (everything stored before is in it).
   * What a neighbour's export holds that this county wrote later is pending, not a finding.
   */
  takenAt: z.iso.datetime().optional(),
});

/** How many messages the stream holds now (for progress). */
export async function streamSize(
  nc: NatsConnection,
  stream: string = STREAMS.events,
): Promise<number> {
  const info = await (await jetstreamManager(nc)).streams.info(stream);
  return info.state.messages;
}

/** Reads a stream from its first message to the last one present when the read began. */
export function readStream(
  nc: NatsConnection,
  stream: string = STREAMS.events,
): AsyncGenerator<LogEntry> {
  return readPresent(nc, stream, { namePrefix: "liandong_cli", batch: 2000 });
}

/**
 * Reads an exported log file; a malformed line stops the read with its line number. `taken`:
 * filled with when the export was taken, where its first line says.
 */
export async function* readExport(
  file: string,
  taken?: { at?: string | undefined },
): AsyncGenerator<LogEntry> {
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
    if (taken && parsed.takenAt !== undefined && taken.at === undefined) taken.at = parsed.takenAt;
    yield {
      seq: parsed.seq,
      subject: parsed.subject,
      bytes: Buffer.from(parsed.data, "base64"),
      seal: parsed.seal,
    };
  }
}
