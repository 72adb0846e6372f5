import type { MsgHdrs } from "@nats-io/transport-node";
import { BusError } from "../errors.ts";
import type { StreamMessage } from "../ports.ts";
import type { PubAck } from "../publisher.ts";
import { subjectMatches } from "./subject-match.ts";

/** A message as a stream in memory holds it. */
export type StoredMessage = StreamMessage & {
  readonly headers: MsgHdrs | undefined;
  /** For a message sourced from another stream: where it was first stored. */
  readonly origin: { stream: string; seq: number } | undefined;
};

export type MemoryStreamConfig = {
  name: string;
  /** Subjects published to this stream (none for a stream that only sources). */
  subjects?: readonly string[];
  /** Other streams' messages this one takes a copy of, by subject, in order, once. */
  sources?: readonly { stream: string; filterSubjects: readonly string[] }[];
  /** How long a `Nats-Msg-Id` is remembered (NATS's default: two minutes). */
  duplicateWindowMs?: number;
};

/** Something reading the streams (a consumer, a follower): `settle` waits until none is busy. */
export type Reader = { readonly name: string; busy(): boolean; wake(): void; nextDueAt(): number };

type Stream = {
  readonly config: MemoryStreamConfig;
  readonly messages: StoredMessage[];
  readonly msgIds: Map<string, { seq: number; at: number }>;
  readonly duplicateWindowMs: number;
};

const TWO_MINUTES = 2 * 60_000;

/**
 * JetStream's streams as a county's services rely on them, in one process: a stream takes the
 * subjects it is configured with and numbers what it stores from 1; a `Nats-Msg-Id` seen within
 * the duplicate window is acknowledged again with the first sequence and stored once; a publish
 * with `Nats-Expected-Last-Subject-Sequence` (over `…-Subject`, a wildcard allowed, else the
 * subject itself) is refused with "wrong-last-sequence" unless the last message there has that
 * sequence, duplicates being answered first as nats-server does; a stream with sources takes a
 * copy of each matching message, in order and once, remembering where it came from. Durable
 * consumers' positions live here too, as on a server, so that a restarted service resumes.
 */
export class MemoryStreams {
  readonly #streams = new Map<string, Stream>();
  readonly #readers = new Set<Reader>();
  readonly #durables = new Map<string, unknown>();
  readonly #now: () => number;

  readonly #sequenceFirst: boolean;

  /**
   * `expectedSequenceFirst`: check the expected sequence before the duplicate window, as a single
   * nats-server does (a cluster's leader checks the other way round): a resend of a stored event
   * on the head it was first sent on is then refused, not acknowledged again.
   */
  constructor(opts: { now?: () => number; expectedSequenceFirst?: boolean } = {}) {
    this.#now = opts.now ?? Date.now;
    this.#sequenceFirst = opts.expectedSequenceFirst ?? false;
  }

  addStream(config: MemoryStreamConfig): void {
    if (this.#streams.has(config.name)) throw new Error(`stream ${config.name} exists`);
    for (const s of config.sources ?? [])
      if (!this.#streams.has(s.stream)) throw new Error(`no stream ${s.stream} to source`);
    this.#streams.set(config.name, {
      config,
      messages: [],
      msgIds: new Map(),
      duplicateWindowMs: config.duplicateWindowMs ?? TWO_MINUTES,
    });
  }

  /** What the stream holds, in order: message `seq` at index `seq - 1`. */
  messages(stream: string): readonly StoredMessage[] {
    return this.#stream(stream).messages;
  }

  /** Stores a message in the stream that takes its subject, as nats-server would; throws `BusError`. */
  publish(subject: string, data: Uint8Array, headers?: MsgHdrs): PubAck {
    const stream = [...this.#streams.values()].find((s) =>
      (s.config.subjects ?? []).some((f) => subjectMatches(f, subject)),
    );
    if (!stream) throw new BusError("no-stream", `no stream takes ${subject}`, false);
    const name = stream.config.name;
    const now = this.#now();
    const msgId = headers?.get("Nats-Msg-Id") || undefined;
    const expected = headers?.get("Nats-Expected-Last-Subject-Sequence");
    const checkExpected = () => {
      if (!expected) return;
      const filter = headers?.get("Nats-Expected-Last-Subject-Sequence-Subject") || subject;
      const last = lastSeqOf(stream, filter);
      if (last !== Number(expected))
        throw new BusError("wrong-last-sequence", `wrong last sequence: ${last}`, false);
    };
    if (this.#sequenceFirst) checkExpected();
    if (msgId) {
      const seen = stream.msgIds.get(msgId);
      if (seen && now - seen.at < stream.duplicateWindowMs)
        return { stream: name, seq: seen.seq, duplicate: true };
    }
    if (!this.#sequenceFirst) checkExpected();
    const seq = this.#append(stream, { subject, data, headers, origin: undefined });
    if (msgId) stream.msgIds.set(msgId, { seq, at: now });
    return { stream: name, seq, duplicate: false };
  }

  #append(stream: Stream, m: Omit<StoredMessage, "seq">): number {
    const seq = stream.messages.length + 1;
    stream.messages.push({ ...m, seq });
    const from = { stream: stream.config.name, seq };
    for (const other of this.#streams.values()) {
      const source = other.config.sources?.find((s) => s.stream === from.stream);
      if (source?.filterSubjects.some((f) => subjectMatches(f, m.subject)))
        this.#append(other, { ...m, origin: m.origin ?? from });
    }
    for (const r of this.#readers) r.wake();
    return seq;
  }

  #stream(name: string): Stream {
    const s = this.#streams.get(name);
    if (!s) throw new BusError("no-stream", `stream not found: ${name}`, false);
    return s;
  }

  /** A durable consumer's state, kept across its restarts (`make` the first time). */
  durable<T>(stream: string, durable: string, make: () => T): T {
    this.#stream(stream);
    const key = `${stream}/${durable}`;
    if (!this.#durables.has(key)) this.#durables.set(key, make());
    return this.#durables.get(key) as T;
  }

  /** Told of every message stored; `settle` asks it whether it is done. */
  addReader(r: Reader): () => void {
    this.#readers.add(r);
    return () => this.#readers.delete(r);
  }

  /**
   * Until every reader has handled everything it will be given (what handling it published
   * included), waiting for deliveries due again later too; throws after `timeoutMs`.
   */
  async settle(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    // Twice quiet in a row: a handler's last promise may publish on its way out.
    while (quiet < 2) {
      const busy = [...this.#readers].filter((r) => r.busy());
      if (busy.length === 0) {
        quiet++;
      } else {
        quiet = 0;
        if (Date.now() > deadline)
          throw new Error(`not settled in ${timeoutMs} ms: ${busy.map((r) => r.name).join(", ")}`);
      }
      const due = Math.min(...busy.map((r) => r.nextDueAt()));
      const wait = Number.isFinite(due) ? Math.max(0, due - Date.now()) : 0;
      await new Promise((r) => (wait > 0 ? setTimeout(r, Math.min(wait, 50)) : setImmediate(r)));
    }
  }
}

/** The sequence of the last message under `filter`, or 0. */
function lastSeqOf(stream: Stream, filter: string): number {
  for (let i = stream.messages.length - 1; i >= 0; i--) {
    const m = stream.messages[i]!;
    if (subjectMatches(filter, m.subject)) return m.seq;
  }
  return 0;
}
