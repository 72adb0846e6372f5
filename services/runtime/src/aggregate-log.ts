import {
  type AggregateKind,
  aggregateSubjects,
  type EventType,
  SHARED_ACROSS_KINDS,
} from "@liandong/contracts";
import { BusError } from "./errors.ts";
import { KeyedLock } from "./keyed-lock.ts";
import type { Bucket, Publisher } from "./ports.ts";
import type { Published, PublishRequest } from "./publisher.ts";

/** The last event of an aggregate: its stream sequence and hash (the next event's `prev`). */
export type Head = { seq: number; hash: string | null };
const NO_HEAD: Head = { seq: 0, hash: null };

const headKey = (kind: string, id: string) => `head.${kind}.${id}`;
const decoder = new TextDecoder();

/**
 * When an aggregate's head goes to the bucket. `append`: with every append (a service whose
 * own events no consumer of its observes). `observed`: when a consumer observes the aggregate's
 * newest event before acknowledging it — an agency's own-events consumer sees every event it
 * appends, its inbox consumer every step another party takes — so a burst of appends to one
 * aggregate (a lead and its shares) costs one bucket write, not one each. Either way a head in
 * the bucket never runs ahead of the stream, and one left behind by a crash is caught up when
 * the unacknowledged event is delivered again.
 */
export type HeadPersistence = "append" | "observed";

/**
 * Appends events to aggregates with a hash chain and optimistic concurrency: each event links
 * to the previous one's hash, and the stream refuses it unless the aggregate's last sequence
 * (over every publisher, `Nats-Expected-Last-Subject-Sequence-Subject`) is the one we chained
 * to. Appends to one aggregate are serialised in this process; heads are kept in the
 * agency's own bucket so that a restart resumes the chain.
 */
export class AggregateLog {
  readonly #publisher: Publisher;
  readonly #kv: Bucket;
  readonly #county: string;
  readonly #persist: HeadPersistence;
  readonly #heads = new Map<string, Head>();
  /** The sequence of each head as the bucket holds it, where known. */
  readonly #stored = new Map<string, number>();
  readonly #lock = new KeyedLock();

  constructor(
    publisher: Publisher,
    kv: Bucket,
    county: string,
    persist: HeadPersistence = "append",
  ) {
    this.#publisher = publisher;
    this.#kv = kv;
    this.#county = county;
    this.#persist = persist;
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
    // An append or observation while we waited knows better.
    const now = this.#heads.get(key);
    if (now) return now;
    this.#heads.set(key, head);
    this.#stored.set(key, head.seq);
    return head;
  }

  /**
   * Records an event seen on the bus (an agency's own-events or inbox consumer), before the
   * consumer acknowledges it: the aggregate's head moves on, and is in the bucket when this
   * settles if the event is the newest of its aggregate this process knows.
   */
  async observe(kind: AggregateKind, id: string, head: Head): Promise<void> {
    await this.advance(kind, id, head);
    const newest = this.#heads.get(headKey(kind, id))!;
    // A newer event's own observation writes it (it is not acknowledged before it has).
    if (this.#persist === "append" ? head.seq >= newest.seq : head.seq === newest.seq)
      await this.#write(headKey(kind, id), newest);
  }

  /**
   * Moves the aggregate's head on to an event seen on the bus, in memory only. For a consumer
   * that appends to the same aggregate before it is done with the event (an agency's fan-out of
   * its own lead): it advances first, appends, then observes, and the bucket is written once,
   * for the newest event, not once more for the event that started it.
   */
  async advance(kind: AggregateKind, id: string, head: Head): Promise<void> {
    // No lock: an append waiting for a stale head must be able to see this.
    const current = await this.head(kind, id);
    if (head.seq > current.seq) this.#heads.set(headKey(kind, id), head);
  }

  /**
   * `onConflict: "throw"` when the caller must decide again on the newer state (a hand-off:
   * the other party may have acted first); the default chains onto the newer head, for
   * single-writer aggregates whose head was merely stale. `fresh`: the caller has just made up
   * the aggregate's id, so there is no head to look up (the stream refuses the event if there
   * was one after all, and the head is looked up then).
   */
  async append<T extends EventType>(
    req: Omit<PublishRequest<T>, "prev" | "expect">,
    opts: {
      onConflict?: "retry" | "throw";
      head?: Head;
      fresh?: boolean;
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
    const key = headKey(kind, id);
    return this.#lock.run(key, async () => {
      for (let attempt = 0; ; attempt++) {
        // An explicit head: the state the caller decided on, and nothing newer.
        const head =
          opts.head ??
          (opts.fresh && attempt === 0
            ? (this.#heads.get(key) ?? NO_HEAD)
            : await this.head(kind, id));
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
          // The stream took it on that head: with none, the bucket holds none either.
          if (head.seq === 0 && !this.#stored.has(key)) this.#stored.set(key, 0);
          const next = { seq: published.seq, hash: published.hash };
          if (published.seq > (this.#heads.get(key)?.seq ?? 0)) this.#heads.set(key, next);
          const writes = Promise.all([
            this.#persist === "append" ? this.#write(key, next) : undefined,
            opts.alongside?.(published),
          ]);
          if (opts.writesBehind) writes.catch(opts.writesBehind);
          else await writes;
          return published;
        } catch (err) {
          // Our head is stale (a restart, or another writer): forget it, then reload it.
          const conflict = err instanceof BusError && err.code === "wrong-last-sequence";
          if (conflict && this.#heads.get(key) === head) {
            this.#heads.delete(key);
            this.#stored.delete(key);
          }
          if (!conflict || opts.onConflict === "throw" || opts.head || attempt >= 5) throw err;
          if (opts.fresh && attempt === 0) continue;
          await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
        }
      }
    });
  }

  /** Puts `head` in the bucket unless it holds that one or a newer one already. */
  async #write(key: string, head: Head) {
    if ((this.#stored.get(key) ?? -1) >= head.seq) return;
    await this.#kv.put(key, JSON.stringify(head));
    if (head.seq > (this.#stored.get(key) ?? -1)) this.#stored.set(key, head.seq);
  }
}

/** An event as a decider gives it: the log adds the envelope (its id too, unless decided), links and seals it. */
type Decided = { type: EventType; id?: string; time: string; data: unknown };
type Envelope = Pick<PublishRequest<EventType>, "actor" | "aggregate" | "to" | "id">;

/**
 * Appends the events one decision gave, in order, to one aggregate, and folds each into the
 * state as the stream holds it: the state after the last. `envelope`: who took the step, on which
 * aggregate, for whom (and the event's id, where the caller names it). `fold`: the feature's fold
 * of one event (its `evolve`, or its record of the published envelope) with the caller's own
 * writes, alongside the aggregate's head (see `AggregateLog.append`). `head`: the head the state
 * links to, where the caller's record keeps it. `onConflict: "throw"`: another party may have
 * stepped on the aggregate first, and the decision is taken again on the newer state.
 */
export async function appendDecided<S, E extends Decided>(
  log: AggregateLog,
  state: S,
  events: readonly E[],
  step: {
    envelope(e: E, index: number): Envelope;
    fold(state: S, e: E, published: Published): S | Promise<S>;
    head?: ((state: S) => Head | undefined) | undefined;
    onConflict?: "throw" | undefined;
  },
): Promise<S> {
  let next = state;
  for (const [i, e] of events.entries()) {
    const head = step.head?.(next);
    await log.append(
      {
        type: e.type,
        ...(e.id !== undefined ? { id: e.id } : {}),
        time: new Date(e.time),
        ...step.envelope(e, i),
        data: e.data,
      } as Parameters<AggregateLog["append"]>[0],
      {
        ...(head ? { head } : {}),
        ...(step.onConflict ? { onConflict: step.onConflict } : {}),
        alongside: async (published) => {
          next = await step.fold(next, e, published);
        },
      },
    );
  }
  return next;
}
