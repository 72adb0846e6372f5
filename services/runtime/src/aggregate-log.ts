import {
  type AgencyCode,
  type AggregateKind,
  aggregateSubjects,
  type EventType,
  eventSubject,
  publisherAggregateSubjects,
  SHARED_ACROSS_KINDS,
} from "@liandong/contracts";
import type { LogEntry } from "./audit-verify.ts";
import { BusError, lastSequenceOf } from "./errors.ts";
import { sha256Hex } from "./hash.ts";
import { KeyedLock } from "./keyed-lock.ts";
import type { Bucket, Publisher } from "./ports.ts";
import { type Published, PublishedEvent, type PublishRequest } from "./publisher.ts";

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
 * What the stream holds on this agency's own subjects, read back (`Bus.last` on EVENTS): how the
 * log tells, after a crash or a lost answer, whether an event it sent was stored.
 */
export type OwnEvents = {
  agency: AgencyCode;
  /** The last event on `subject`, one of the agency's own (a wildcard allowed). */
  last(subject: string): Promise<LogEntry | undefined>;
};

/** Where an event of the log goes: its aggregate and addressee. */
type Address = Pick<PublishRequest<EventType>, "aggregate" | "to" | "toCounty">;

const idOf = (bytes: Uint8Array): unknown => {
  try {
    return (JSON.parse(decoder.decode(bytes)) as { id?: unknown }).id;
  } catch {
    return undefined;
  }
};

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
  readonly #own: OwnEvents | undefined;

  /** `own`: reading back what the stream holds (without it, `begin` and `reread` cannot tell). */
  constructor(
    publisher: Publisher,
    kv: Bucket,
    county: string,
    persist: HeadPersistence = "append",
    own?: OwnEvents,
  ) {
    this.#publisher = publisher;
    this.#kv = kv;
    this.#county = county;
    this.#persist = persist;
    this.#own = own;
  }

  /** The last event this agency stored on the subject an event so addressed goes to. */
  async lastOn(address: Address): Promise<LogEntry | undefined> {
    return this.#own?.last(this.#subject(address));
  }

  /**
   * Appends the first event of an aggregate, exclusively: the stream takes it only while the
   * aggregate holds nothing, whatever the duplicate window, so that a request retried after a
   * crash, however late, cannot begin it twice. Resolves with the event as stored: as sent now,
   * or as an earlier send of this very event (its id) was stored, its answer lost; or with
   * undefined when the aggregate was begun before, by an earlier request whose record stands.
   */
  async begin<T extends EventType>(
    req: Omit<PublishRequest<T>, "prev" | "expect">,
  ): Promise<Published | undefined> {
    try {
      return await this.append(req, { head: NO_HEAD });
    } catch (err) {
      if (lastSequenceOf(err) === undefined || !this.#own) throw err;
      const stored = await this.#own.last(this.#subject(req));
      if (!stored || idOf(stored.bytes) !== req.id) return undefined;
      const published = this.#asPublished(stored, req.id!);
      await this.advance(req.aggregate.kind, req.aggregate.id, published);
      return published;
    }
  }

  #subject(a: Address): string {
    return eventSubject({
      county: this.#county,
      agency: this.#own?.agency ?? "",
      kind: a.aggregate.kind,
      id: a.aggregate.id,
      to: a.to,
      toCounty: a.toCounty,
    });
  }

  #asPublished(stored: LogEntry, id: string): Published {
    return new PublishedEvent(
      { stream: "", seq: stored.seq, duplicate: true },
      id,
      stored.subject,
      stored.bytes,
    );
  }

  /**
   * After a refusal, the aggregate's head as the stream holds it: the last event of this agency's
   * on the aggregate, when that is the last the stream named (no other party's came after).
   */
  async #storedHead(kind: AggregateKind, id: string, err: unknown): Promise<LogEntry | undefined> {
    const last = lastSequenceOf(err);
    if (last === undefined || !this.#own) return undefined;
    const stored = await this.#own.last(
      publisherAggregateSubjects(this.#county, this.#own.agency, kind, id),
    );
    return stored?.seq === last ? stored : undefined;
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
   * single-writer aggregates whose head was merely stale. `"reread"`: the caller knows the event
   * is not on the stream (the next step of an aggregate it has just begun, a copy it found
   * missing), so on a refusal the head is read back from the stream: when it is this very event
   * (an earlier send was stored, its answer lost: a single server checks the expected sequence
   * before the duplicate window), that is the answer; else the event goes again on that head.
   * `fresh`: the caller has just made up
   * the aggregate's id, so there is no head to look up (the stream refuses the event if there
   * was one after all, and the head is looked up then).
   */
  async append<T extends EventType>(
    req: Omit<PublishRequest<T>, "prev" | "expect">,
    opts: {
      onConflict?: "retry" | "throw" | "reread";
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
          const stored =
            opts.onConflict === "reread" ? await this.#storedHead(kind, id, err) : undefined;
          if (stored) {
            if (req.id !== undefined && idOf(stored.bytes) === req.id)
              return this.#asPublished(stored, req.id);
            const head = { seq: stored.seq, hash: sha256Hex(stored.bytes) };
            if (head.seq > (this.#heads.get(key)?.seq ?? 0)) this.#heads.set(key, head);
            continue;
          }
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
