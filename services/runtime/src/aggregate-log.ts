import {
  type AggregateKind,
  aggregateSubjects,
  type EventType,
  SHARED_ACROSS_KINDS,
} from "@liandong/contracts";
import type { KV } from "@nats-io/kv";
import { BusError } from "./errors.ts";
import type { EventPublisher, Published, PublishRequest } from "./publisher.ts";

/** The last event of an aggregate: its stream sequence and hash (the next event's `prev`). */
export type Head = { seq: number; hash: string | null };
const NO_HEAD: Head = { seq: 0, hash: null };

const headKey = (kind: string, id: string) => `head.${kind}.${id}`;
const decoder = new TextDecoder();

/**
 * Appends events to aggregates with a hash chain and optimistic concurrency: each event links
 * to the previous one's hash, and the stream refuses it unless the aggregate's last sequence
 * (over every publisher, `Nats-Expected-Last-Subject-Sequence-Subject`) is the one we chained
 * to. Appends to one aggregate are serialised in this process; heads are kept in the
 * agency's own bucket so that a restart resumes the chain.
 */
export class AggregateLog {
  readonly #publisher: EventPublisher;
  readonly #kv: KV;
  readonly #county: string;
  readonly #heads = new Map<string, Head>();
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(publisher: EventPublisher, kv: KV, county: string) {
    this.#publisher = publisher;
    this.#kv = kv;
    this.#county = county;
  }

  async head(kind: AggregateKind, id: string): Promise<Head> {
    const key = headKey(kind, id);
    const cached = this.#heads.get(key);
    if (cached) return cached;
    const entry = await this.#kv.get(key);
    const head =
      entry && entry.operation === "PUT"
        ? (JSON.parse(decoder.decode(entry.value)) as Head)
        : NO_HEAD;
    this.#heads.set(key, head);
    return head;
  }

  /** Records an event seen on the bus (e.g. by the agency's own-events consumer). */
  async observe(kind: AggregateKind, id: string, head: Head): Promise<void> {
    // No lock: an append waiting for a stale head must be able to see this.
    const current = await this.head(kind, id);
    if (head.seq > current.seq) await this.#store(kind, id, head);
  }

  /**
   * `onConflict: "throw"` when the caller must decide again on the newer state (a hand-off:
   * the other party may have acted first); the default chains onto the newer head, for
   * single-writer aggregates whose head was merely stale.
   */
  async append<T extends EventType>(
    req: Omit<PublishRequest<T>, "prev" | "expect">,
    opts: {
      onConflict?: "retry" | "throw";
      head?: Head;
      /** With the caller's own writes: the head is in memory now, in the bucket once this settles. */
      alongside?: (published: Published) => Promise<unknown>;
      /**
       * Settle as soon as the stream holds the event (it is on the record), the head's and the
       * caller's bucket writes going on behind; a failure of theirs goes here. For callers whose
       * copies the agency's own-events consumer records again from the stream (a hand-off).
       */
      writesBehind?: (err: unknown) => void;
    } = {},
  ): Promise<Published> {
    const { kind, id } = req.aggregate;
    return this.#exclusive(headKey(kind, id), async () => {
      for (let attempt = 0; ; attempt++) {
        // An explicit head: the state the caller decided on, and nothing newer.
        const head = opts.head ?? (await this.head(kind, id));
        try {
          const published = await this.#publisher.publish({
            ...req,
            prev: head.hash,
            expect: {
              lastSubjectSequence: head.seq,
              subject: aggregateSubjects(
                this.#county,
                kind,
                id,
                req.toCounty !== undefined && SHARED_ACROSS_KINDS.has(kind),
              ),
            },
          } as PublishRequest<T>);
          const writes = Promise.all([
            published.seq > head.seq
              ? this.#store(kind, id, { seq: published.seq, hash: published.hash })
              : undefined,
            opts.alongside?.(published),
          ]);
          if (opts.writesBehind) writes.catch(opts.writesBehind);
          else await writes;
          return published;
        } catch (err) {
          // Our head is stale (a restart, or another writer): forget it, then reload it.
          const conflict = err instanceof BusError && err.code === "wrong-last-sequence";
          if (conflict && this.#heads.get(headKey(kind, id)) === head)
            this.#heads.delete(headKey(kind, id));
          if (!conflict || opts.onConflict === "throw" || opts.head || attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
        }
      }
    });
  }

  async #store(kind: string, id: string, head: Head) {
    const current = this.#heads.get(headKey(kind, id));
    if (current && current.seq >= head.seq) return;
    this.#heads.set(headKey(kind, id), head);
    await this.#kv.put(headKey(kind, id), JSON.stringify(head));
  }

  async #exclusive<R>(key: string, work: () => Promise<R>): Promise<R> {
    const before = this.#locks.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.catch(() => undefined);
    this.#locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(key) === tail) this.#locks.delete(key);
    }
  }
}
