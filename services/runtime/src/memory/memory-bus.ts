import { SEAL_HEADER } from "@liandong/contracts";
import type { LogEntry } from "../audit-verify.ts";
import {
  type ConsumerSpec,
  type Delivery,
  type DeliveryAnswer,
  type DeliveryDeps,
  type Handler,
  handleDelivery,
} from "../consumer.ts";
import type { Bus, EventFeed, FollowOptions } from "../ports.ts";
import type { MemoryStreams, Reader, StoredMessage } from "./memory-streams.ts";
import { subjectMatches } from "./subject-match.ts";

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** One service's view of the bus in memory: its consumers, its followers, its reads. */
export class MemoryBus implements Bus {
  readonly #streams: MemoryStreams;
  readonly #deps: DeliveryDeps;

  constructor(streams: MemoryStreams, deps: DeliveryDeps) {
    this.#streams = streams;
    this.#deps = deps;
  }

  consumer(spec: ConsumerSpec, handler: Handler): EventFeed {
    return new MemoryConsumer(this.#streams, this.#deps, spec, handler);
  }

  /** Memory has no JetStream API: nothing in it ever rewrites a stream. */
  streamRewrites(): { stop(): void } {
    return { stop: () => undefined };
  }

  async follow(stream: string, opts: FollowOptions): Promise<{ stop(): Promise<void> }> {
    const follower = new MemoryFollower(this.#streams, stream, opts, this.#deps.agency);
    follower.start();
    return follower;
  }

  async *readPresent(
    stream: string,
    opts: { namePrefix: string; filterSubjects?: string[]; fromSeq?: number },
  ): AsyncGenerator<LogEntry> {
    const messages = this.#streams.messages(stream);
    const present = messages.length;
    for (let i = 0; i < present; i++) {
      const m = messages[i]!;
      if (opts.fromSeq !== undefined && m.seq < opts.fromSeq) continue;
      if (!opts.filterSubjects || opts.filterSubjects.some((f) => subjectMatches(f, m.subject)))
        yield { seq: m.seq, subject: m.subject, bytes: m.data };
    }
  }

  async at(stream: string, seq: number): Promise<LogEntry | undefined> {
    const m = this.#streams.messages(stream)[seq - 1];
    return m ? { seq: m.seq, subject: m.subject, bytes: m.data } : undefined;
  }

  async last(stream: string, subject: string): Promise<LogEntry | undefined> {
    const messages = this.#streams.messages(stream);
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i]!;
      if (subjectMatches(subject, m.subject))
        return { seq: m.seq, subject: m.subject, bytes: m.data };
    }
    return undefined;
  }
}

/** A durable consumer's position, kept by the streams (as a server keeps it) across restarts. */
type DurableState = {
  /** Index of the next message never delivered. */
  next: number;
  /** Messages to deliver again, by sequence: deliveries so far and when the next is due. */
  redeliver: Map<number, { count: number; due: number }>;
};

/**
 * A durable consumer in memory: the stream's matching messages one at a time, in order, each
 * handled as `EventConsumer` handles it (`handleDelivery`); a message nak'd is delivered again
 * when its delay is over, at most `maxDeliver + 1` times in all, as the NATS consumer is set up.
 * Not modelled: the ack wait (a handler that hangs is not delivered again).
 */
class MemoryConsumer implements EventFeed, Reader {
  readonly name: string;
  readonly #streams: MemoryStreams;
  readonly #deps: DeliveryDeps;
  readonly #spec: ConsumerSpec & { maxDeliver: number };
  readonly #handler: Handler;
  readonly #filters: readonly string[] | undefined;
  #state: DurableState | undefined;
  #ready = false;
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unregister: (() => void) | undefined;

  constructor(streams: MemoryStreams, deps: DeliveryDeps, spec: ConsumerSpec, handler: Handler) {
    this.#streams = streams;
    this.#deps = deps;
    this.#spec = { maxDeliver: 8, ...spec };
    this.#handler = handler;
    this.#filters = spec.filterSubjects ?? (spec.filterSubject ? [spec.filterSubject] : undefined);
    this.name = `${spec.stream}/${spec.durable}`;
  }

  get ready(): boolean {
    return this.#ready;
  }

  async start(): Promise<void> {
    this.#state = this.#streams.durable<DurableState>(
      this.#spec.stream,
      this.#spec.durable,
      () => ({
        next: 0,
        redeliver: new Map(),
      }),
    );
    this.#ready = true;
    this.#unregister = this.#streams.addReader(this);
    this.wake();
  }

  async stop(): Promise<void> {
    this.#ready = false;
    this.#unregister?.();
    clearTimeout(this.#timer);
    await this.#running;
  }

  wake(): void {
    if (!this.#ready || this.#running) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#ready && this.nextDueAt() === 0) this.wake();
      else this.#schedule();
    });
  }

  busy(): boolean {
    return this.#ready && this.nextDueAt() !== Number.POSITIVE_INFINITY;
  }

  nextDueAt(): number {
    const state = this.#state;
    if (!state) return Number.POSITIVE_INFINITY;
    if (this.#running || state.next < this.#streams.messages(this.#spec.stream).length) return 0;
    let due = Number.POSITIVE_INFINITY;
    for (const r of state.redeliver.values()) due = Math.min(due, r.due);
    return due <= Date.now() ? 0 : due;
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    const due = this.nextDueAt();
    if (!this.#ready || due === Number.POSITIVE_INFINITY) return;
    this.#timer = setTimeout(() => this.wake(), Math.max(0, due - Date.now()));
    this.#timer.unref();
  }

  async #drain(): Promise<void> {
    // Delivered after a turn of the event loop, as over a connection: never inside a publish.
    await nextTurn();
    for (;;) {
      if (!this.#ready) return;
      const next = this.#take();
      if (!next) return;
      const { m, count } = next;
      const delivery: Delivery = {
        origin: m.origin ?? { stream: this.#spec.stream, seq: m.seq },
        subject: m.subject,
        stream: this.#spec.stream,
        seq: m.seq,
        deliveryCount: count,
        bytes: m.data,
        seal: m.headers?.get(SEAL_HEADER) || undefined,
      };
      await handleDelivery(this.#deps, this.#spec, this.#handler, delivery, this.#answer(m, count));
    }
  }

  /** The next delivery: one due again first (lowest sequence), else the next new message. */
  #take(): { m: StoredMessage; count: number } | undefined {
    const state = this.#state!;
    const messages = this.#streams.messages(this.#spec.stream);
    const now = Date.now();
    let again: [number, { count: number; due: number }] | undefined;
    for (const entry of state.redeliver)
      if (entry[1].due <= now && (!again || entry[0] < again[0])) again = entry;
    if (again) {
      state.redeliver.delete(again[0]);
      return { m: messages[again[0] - 1]!, count: again[1].count + 1 };
    }
    while (state.next < messages.length) {
      const m = messages[state.next++]!;
      if (!this.#filters || this.#filters.some((f) => subjectMatches(f, m.subject)))
        return { m, count: 1 };
    }
    return undefined;
  }

  #answer(m: StoredMessage, count: number): DeliveryAnswer {
    const redeliver = this.#state!.redeliver;
    return {
      ack: () => undefined,
      term: () => undefined,
      nak: (delayMs = 0) => {
        // The NATS consumer is set up with one delivery more than the handler retries.
        if (count < this.#spec.maxDeliver + 1)
          redeliver.set(m.seq, { count, due: Date.now() + delayMs });
      },
    };
  }
}

/**
 * The office's kind of reader in memory: every message of a stream from the first, then each
 * new one, nothing acknowledged; caught up once a message leaves nothing pending behind it (or
 * at once for an empty stream), as the ordered consumer over NATS tells it.
 */
class MemoryFollower implements Reader {
  readonly name: string;
  readonly #streams: MemoryStreams;
  readonly #stream: string;
  readonly #opts: FollowOptions;
  #index = 0;
  #caughtUp = false;
  #stopped = false;
  #running: Promise<void> | undefined;
  #unregister: (() => void) | undefined;

  constructor(streams: MemoryStreams, stream: string, opts: FollowOptions, agency: string) {
    this.#streams = streams;
    this.#stream = stream;
    this.#opts = opts;
    this.#index = Math.max(0, (opts.fromSeq ?? 1) - 1);
    this.name = `${stream}/${opts.namePrefix} (${agency})`;
  }

  start(): void {
    this.#unregister = this.#streams.addReader(this);
    if (this.#streams.messages(this.#stream).length <= this.#index) {
      this.#caughtUp = true;
      this.#opts.onCaughtUp();
    }
    this.wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unregister?.();
    await this.#running;
  }

  wake(): void {
    if (this.#stopped || this.#running) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.nextDueAt() === 0) this.wake();
    });
  }

  busy(): boolean {
    return !this.#stopped && this.nextDueAt() === 0;
  }

  nextDueAt(): number {
    const behind = this.#index < this.#streams.messages(this.#stream).length;
    return this.#running || behind ? 0 : Number.POSITIVE_INFINITY;
  }

  async #drain(): Promise<void> {
    await nextTurn();
    const messages = this.#streams.messages(this.#stream);
    while (!this.#stopped && this.#index < messages.length) {
      const m = messages[this.#index++]!;
      const pending = messages.length - this.#index;
      const { filterSubject } = this.#opts;
      const work =
        filterSubject === undefined || subjectMatches(filterSubject, m.subject)
          ? this.#opts.onMessage(m, pending)
          : undefined;
      if (work) await work;
      if (pending === 0 && !this.#caughtUp) {
        this.#caughtUp = true;
        this.#opts.onCaughtUp();
      }
    }
  }
}
