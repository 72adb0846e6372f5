// The runtime's ports: what a service's wiring uses of the bus, the narrowest it can be.
// NATS implements them for production (`EventPublisher`, `retryingPuts(KV)`, `natsBus`); the
// in-memory county of `./memory/` implements them for tests that run in milliseconds.
import type { EventType } from "@liandong/contracts";
import type { MsgHdrs } from "@nats-io/transport-node";
import type { LogEntry } from "./audit-verify.ts";
import type { ConsumerSpec, Handler } from "./consumer.ts";
import type { PubAck, Published, PublishRequest } from "./publisher.ts";
import type { StreamRewrite } from "./stream-rewrites.ts";

/** Typed publishing to the county's streams (`EventPublisher` over NATS). */
export interface Publisher {
  /** Builds, validates and publishes one event; resolves when the stream has stored it. */
  publish<T extends EventType>(req: PublishRequest<T>): Promise<Published>;
  /** Prepared bytes (dead letters): `msgId` is namespaced by the publishing agency. */
  publishBytes(subject: string, bytes: Uint8Array, msgId: string, h?: MsgHdrs): Promise<PubAck>;
  close(): Promise<void>;
}

/** One value of a bucket as last written (NATS KV's `KvEntry`, the part the services read). */
export type BucketEntry = {
  readonly key: string;
  readonly value: Uint8Array;
  readonly revision: number;
  readonly operation: "PUT" | "DEL" | "PURGE";
  json<T>(): T;
  string(): string;
};

/** An agency's private bucket: the part of NATS KV's `KV` the services use. */
export interface Bucket {
  /** The key's last entry (a deletion too), or null when it never had one. */
  get(key: string): Promise<BucketEntry | null>;
  /** Resolves with the entry's revision. */
  put(key: string, value: string | Uint8Array): Promise<number>;
  /** As `put`, but refused when the key holds a value already (a deleted one may be created again). */
  create(key: string, value: string | Uint8Array): Promise<number>;
  delete(key: string): Promise<void>;
  /** The keys holding a value, matching `filter` (subject wildcards `*` and `>`). */
  keys(filter?: string): Promise<AsyncIterable<string>>;
}

/** A durable consumer's lifecycle, as a service starts and stops it. */
export interface EventFeed {
  start(): Promise<void>;
  /** Stops delivering; the message being handled is finished first. */
  stop(): Promise<void>;
  readonly ready: boolean;
}

/** A stream's message as a follower reads it (a `JsMsg` is one). */
export type StreamMessage = {
  readonly subject: string;
  readonly seq: number;
  readonly data: Uint8Array;
  /** Its headers (the publisher's seal among them), if it has any. */
  readonly headers?: { get(k: string): string } | undefined;
};

export type FollowOptions = {
  /** Names the reader (its permissions name the prefix). */
  namePrefix: string;
  /** Only the messages on these subjects (a wildcard allowed): what permissions may confine a reader to. */
  filterSubject?: string;
  /** The first sequence to read (a projection restored from a snapshot covers those before). */
  fromSeq?: number;
  /**
   * Each message in stream order, with how many the stream holds after it (as far as the reader
   * knows); the next waits for a promise returned.
   */
  onMessage: (m: StreamMessage, behind: number) => Promise<void> | undefined;
  /** Once, when every message the stream held at the start has been handled. */
  onCaughtUp: () => void;
};

/** What a service reads from the bus. */
export interface Bus {
  /**
   * A durable consumer: each matching message of `spec.stream` in order, validated and handed
   * to `handler`, acknowledged once it is done; dead-lettered when it can never succeed,
   * delivered again after a transient failure (see `EventConsumer`).
   */
  consumer(spec: ConsumerSpec, handler: Handler): EventFeed;
  /**
   * Every message of a stream from the first, then each new one as it comes, nothing
   * acknowledged and nothing remembered: for a projection rebuilt at every start (the office).
   */
  follow(stream: string, opts: FollowOptions): Promise<{ stop(): Promise<void> }>;
  /**
   * Each rewrite of a stream (delete, purge, message delete, update) the server carries out
   * from now on, whoever the caller (the office records them). In memory there are none.
   */
  streamRewrites(onRewrite: (r: StreamRewrite) => void): { stop(): void };
  /**
   * What a stream holds now (or the subjects asked for), in stream order (see `readPresent`):
   * from its first message, or from `fromSeq` on.
   */
  readPresent(
    stream: string,
    opts: { namePrefix: string; filterSubjects?: string[]; batch?: number; fromSeq?: number },
  ): AsyncIterable<LogEntry>;
  /**
   * The last message `stream` holds on `subject` (a wildcard allowed), or undefined when it holds
   * none there: what tells a service whether something it sent before a crash was stored. An
   * agency may read so only on its own subjects (its permissions name them).
   */
  last(stream: string, subject: string): Promise<LogEntry | undefined>;
  /** The message stored at `seq`, or undefined when the stream holds none there (any more). */
  at(stream: string, seq: number): Promise<LogEntry | undefined>;
}
