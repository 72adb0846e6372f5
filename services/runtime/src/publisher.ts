import { createHmac } from "node:crypto";
import {
  type AgencyCode,
  type AggregateKind,
  aggregateKindOf,
  dataSchemaOf,
  type EventData,
  type EventType,
  eventSubject,
  type OfficerName,
  SEAL_HEADER,
} from "@liandong/contracts";
import {
  createInbox,
  type Match,
  type Msg,
  type MsgHdrs,
  MsgHdrsImpl,
  type NatsConnection,
  headers as natsHeaders,
  type Subscription,
} from "@nats-io/transport-node";
import { type Clock, type IdSource, randomIds, systemClock } from "./clock.ts";
import { inboxPrefixOf } from "./connect.ts";
import { BusError, ValidationError } from "./errors.ts";
import { sha256Hex } from "./hash.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import type { Publisher } from "./ports.ts";
import { SEAL_BATCH, sealOf, sealsOf } from "./seal.ts";
import type { Signer } from "./signing.ts";

export type PublishRequest<T extends EventType> = {
  type: T;
  data: EventData<T>;
  actor: string;
  aggregate: { kind: AggregateKind; id: string };
  to?: AgencyCode | undefined;
  /** A neighbouring county the event is addressed to, across the county line. */
  toCounty?: string | undefined;
  correlationId?: string | undefined;
  causationId?: string | undefined;
  /** Fixed id and time make a re-published event byte-identical (idempotent fan-out). */
  id?: string | undefined;
  time?: Date | undefined;
  /** Hash of the previous event of the aggregate; null for the first. */
  prev: string | null;
  /** Optimistic concurrency: the last sequence expected on `subject` (a wildcard allowed). */
  expect?: { lastSubjectSequence: number; subject?: string } | undefined;
};

/** Publishes in flight at once, as every service runs its publisher. */
export const PUBLISH_WINDOW = 1024;

export type PubAck = { stream: string; seq: number; duplicate: boolean };
export type Published = PubAck & { id: string; subject: string; hash: string; bytes: Uint8Array };

/** The envelope of an event as the stream holds it: what every reader folds. */
export function envelopeOf<E>(published: Pick<Published, "bytes">): E {
  return JSON.parse(Buffer.from(published.bytes).toString("utf8")) as E;
}

export type PublisherOptions = {
  county: string;
  agency: AgencyCode;
  /** Publishes in flight at once (`PUBLISH_WINDOW` unless given). */
  window?: number;
  timeoutMs?: number;
  /** Sends of the same message id after a time-out or a 503 (leader election), at least. */
  retries?: number;
  /**
   * And however many more fit in this time from the first send: a stream whose leader died
   * answers again only once its replicas have elected another (seconds, more under load).
   */
  retryForMs?: number;
  clock?: Clock;
  ids?: IdSource;
  metrics?: Metrics;
  /**
   * One line per business step: every event this agency records (its type, id and subject;
   * never its data, which may carry personal details).
   */
  logger?: Logger;
  /**
   * This agency's secret for message ids (see `messageIdKey`). The stream's duplicate window is
   * shared by every agency, and an event given its id has one derived from what it is about, so
   * another agency could derive it too, publish first under our message id, and have our event
   * dropped as a duplicate of theirs. Under a key, a given id goes out as its keyed hash:
   * the same on every resend, and unknowable to anyone without the key.
   */
  idKey?: Uint8Array;
  /**
   * The agency's own key: every event is sealed with it as it is published (`Liandong-Seal`),
   * so that its checkpoints and its readers can tell its events from anything else put on its
   * subjects. Without one (benchmarks of the bare publisher, tests) events go out unsealed.
   */
  signer?: Signer;
  /**
   * Names the person behind an actor id (the county's register of officers): each event an
   * officer's step makes carries their name and role. Without it, events name only the actor id.
   */
  names?: NamesOfficers;
};

type Pending = {
  resolve: (a: PubAck & Partial<Published>) => void;
  reject: (e: Error) => void;
  /** A typed event: resolved as `Published`, counted by its type. */
  event: { id: string; type: string; hash: string | undefined } | undefined;
  expires: number;
  tries: number;
  firstSent: number;
  subject: string;
  bytes: Uint8Array;
  headers: MsgHdrs;
  /** Its number among this publisher's sends: its reply subject's last token, in base 36. */
  token: number;
};

const decoder = new TextDecoder();

type AckBody = {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  error?: { code?: number; err_code?: number; description?: string };
};

const ACK_START = Buffer.from('{"stream":"');
const ACK_SEQ = Buffer.from(',"seq":');
const ACK_DOMAIN = Buffer.from(',"domain":"');
const ACK_DUPLICATE = Buffer.from(',"duplicate":true}');
const QUOTE = 0x22;
const CLOSE = 0x7d;
/** The stream name of the last plain ack read, with its bytes: the same stream answers every time. */
let lastStream = { bytes: Buffer.alloc(0), name: "" };

/** Whether `data` holds `part` at `at`. */
function holds(data: Uint8Array, at: number, part: Uint8Array): boolean {
  if (at + part.length > data.length) return false;
  for (let i = 0; i < part.length; i++) if (data[at + i] !== part[i]) return false;
  return true;
}

/**
 * A publish ack: the usual `{"stream":…,"seq":…}` (a domain, a duplicate) read from its bytes,
 * without decoding them or building a JSON object; anything else parsed as JSON.
 */
export function readAck(data: Uint8Array): AckBody {
  return readPlainAck(data) ?? JSON.parse(decoder.decode(data));
}

function readPlainAck(data: Uint8Array): AckBody | undefined {
  if (!holds(data, 0, ACK_START)) return undefined;
  let at = ACK_START.length;
  const nameStart = at;
  while (at < data.length && data[at] !== QUOTE) {
    if (data[at] === 0x5c) return undefined;
    at++;
  }
  if (at >= data.length) return undefined;
  const nameBytes = data.subarray(nameStart, at);
  let stream = lastStream.name;
  if (!lastStream.bytes.equals(nameBytes)) {
    stream = decoder.decode(nameBytes);
    lastStream = { bytes: Buffer.from(nameBytes), name: stream };
  }
  at++;
  if (holds(data, at, ACK_DOMAIN)) {
    at += ACK_DOMAIN.length;
    while (at < data.length && data[at] !== QUOTE) {
      if (data[at] === 0x5c) return undefined;
      at++;
    }
    at++;
  }
  if (!holds(data, at, ACK_SEQ)) return undefined;
  at += ACK_SEQ.length;
  let seq = 0;
  const digits = at;
  for (; at < data.length && data[at]! >= 0x30 && data[at]! <= 0x39; at++)
    seq = seq * 10 + data[at]! - 0x30;
  if (at === digits || at - digits > 15) return undefined;
  if (at === data.length - 1 && data[at] === CLOSE) return { stream, seq, duplicate: false };
  if (at + ACK_DUPLICATE.length === data.length && holds(data, at, ACK_DUPLICATE))
    return { stream, seq, duplicate: true };
  return undefined;
}
const WRONG_LAST_SEQUENCE = 10071;
const LINE_BREAK = /[\r\n]/;

/**
 * An event's headers as NATS sends them: the header block encoded once, instead of a header map
 * the client encodes on every send (and again on a resend). Read like any headers (decoded when
 * first asked); changed, they are encoded again.
 */
class WireHeaders implements MsgHdrs {
  readonly #block: Uint8Array;
  #map: MsgHdrsImpl | undefined;
  #changed = false;

  /**
   * `block`: `NATS/1.0` and one `Key: value` line per header, without the closing blank line;
   * and the seal's line after them, when there is one.
   */
  static of(block: string, seal?: string): WireHeaders {
    return new WireHeaders(
      seal === undefined
        ? inPlace(block, HEADERS_END, "", "")
        : inPlace(block, SEAL_LINE, seal, HEADERS_END),
    );
  }

  private constructor(block: Uint8Array) {
    this.#block = block;
  }

  get #h(): MsgHdrsImpl {
    this.#map ??= MsgHdrsImpl.decode(this.#block);
    return this.#map;
  }
  #change(): MsgHdrsImpl {
    this.#changed = true;
    return this.#h;
  }
  encode(): Uint8Array {
    return this.#changed ? this.#h.encode() : this.#block;
  }
  get hasError() {
    return this.#h.hasError;
  }
  get status() {
    return this.#h.status;
  }
  get code() {
    return this.#h.code;
  }
  get description() {
    return this.#h.description;
  }
  get(k: string, match?: Match) {
    return match === undefined || match === "exact"
      ? this.#h.get(k)
      : (this.#h.values(k, match)[0] ?? "");
  }
  has(k: string, match?: Match) {
    return this.#h.has(k, match);
  }
  keys() {
    return this.#h.keys();
  }
  values(k: string, match?: Match) {
    return this.#h.values(k, match);
  }
  last(k: string, match?: Match) {
    return match === undefined || match === "exact"
      ? this.#h.last(k)
      : (this.#h.values(k, match).at(-1) ?? "");
  }
  set(k: string, v: string, match?: Match) {
    this.#change().set(k, v, match);
  }
  append(k: string, v: string, match?: Match) {
    this.#change().append(k, v, match);
  }
  delete(k: string, match?: Match) {
    this.#change().delete(k, match);
  }
  [Symbol.iterator]() {
    return this.#h[Symbol.iterator]();
  }
}

const HEADERS_END = "\r\n\r\n";
const SEAL_LINE = `\r\n${SEAL_HEADER}: `;

/**
 * Bytes made in place: an event's envelope and its header block are written piece by piece
 * into a shared slab, as `Buffer.from` writes a string into its pool, rather than joined into
 * one string first and that copied (and measured) again. A slab is as small as Node's pool, so
 * an event's bytes kept long keep no more memory alive than `Buffer.from`'s would.
 */
const SLAB = 8192;
let slab = Buffer.allocUnsafe(SLAB);
let slabAt = 0;

/** Room for `max` bytes in the slab (a fresh one when they do not fit): where they go. */
function slabFor(max: number): number {
  if (slabAt + max > SLAB) {
    slab = Buffer.allocUnsafe(SLAB);
    slabAt = 0;
  }
  return slabAt;
}

/** The slab's bytes from `start` to `end`, taken (the next start aligned to 8, as Node's pool). */
function taken(start: number, end: number): Buffer {
  slabAt = (end + 7) & ~7;
  return slab.subarray(start, end);
}

/** The UTF-8 bytes of `a`, `b`, `c` and `d` one after the other, as of their join. */
export function inPlace(a: string, b: string, c: string, d: string): Buffer {
  // Three bytes at most for each UTF-16 unit (a lone surrogate is written as U+FFFD). A part
  // ending half-way through a surrogate pair (never, in a header) is written joined.
  const max = 3 * (a.length + b.length + c.length + d.length);
  if (max > SLAB / 2 || highSurrogateLast(a) || highSurrogateLast(b) || highSurrogateLast(c))
    return Buffer.from(a + b + c + d);
  const start = slabFor(max);
  let at = start + slab.write(a, start);
  at += slab.write(b, at);
  at += slab.write(c, at);
  at += slab.write(d, at);
  return taken(start, at);
}

function highSurrogateLast(s: string): boolean {
  const last = s.charCodeAt(s.length - 1);
  return last >= 0xd800 && last <= 0xdbff;
}

/**
 * An envelope's bytes: `head`, the envelope's JSON without its data (ending in `}`), with
 * `"data":` and the data's JSON added as its last member: the bytes of the whole envelope's
 * `JSON.stringify`, without making that string (two bytes a character, once any text is Chinese).
 */
export function envelopeBytes(head: string, data: string): Buffer {
  const max = 3 * (head.length + data.length) + 8;
  if (max > SLAB / 2) return Buffer.from(`${head.slice(0, -1)},"data":${data}}`);
  const start = slabFor(max);
  // Over the head's closing brace: the data follows as the last member.
  let at = start + slab.write(head, start) - 1;
  at += slab.write(',"data":', at, "latin1");
  at += slab.write(data, at);
  slab[at++] = 0x7d;
  return taken(start, at);
}

/** A header value as the block carries it: refused if it would break the block's lines. */
function headerValue(name: string, v: string): string {
  if (LINE_BREAK.test(v)) {
    throw new ValidationError("invalid-event", `header ${name} may not contain a line break`, [
      { field: name, message: "no line breaks" },
    ]);
  }
  return v;
}

/** An event as the stream stored it; its hash (the next event's `prev`) computed when asked for. */
export class PublishedEvent implements Published {
  readonly stream: string;
  readonly seq: number;
  readonly duplicate: boolean;
  #hash: string | undefined;
  constructor(
    ack: PubAck,
    readonly id: string,
    readonly subject: string,
    readonly bytes: Uint8Array,
    hash?: string,
  ) {
    this.stream = ack.stream;
    this.seq = ack.seq;
    this.duplicate = ack.duplicate;
    this.#hash = hash;
  }
  get hash(): string {
    this.#hash ??= sha256Hex(this.bytes);
    return this.#hash;
  }
}

/** What an agency's events are made with: their envelope's source, time, ids and message ids. */
export type EventMaker = {
  readonly county: string;
  readonly agency: AgencyCode;
  /** The envelope's `source`: `liandong:<county>:<agency>`. */
  readonly source: string;
  readonly clock: Clock;
  readonly ids: IdSource;
  /** See `PublisherOptions.idKey`. */
  readonly idKey?: Uint8Array | undefined;
  /** See `PublisherOptions.signer`. */
  readonly signer?: Signer | undefined;
  /** See `PublisherOptions.names`. */
  readonly names?: NamesOfficers | undefined;
};

/** The person an actor id stands for in the county's register (经办人), if it is a named officer. */
export type NamesOfficers = (actor: string) => OfficerName | undefined;

export function eventMaker(opts: {
  county: string;
  agency: AgencyCode;
  clock?: Clock;
  ids?: IdSource;
  idKey?: Uint8Array | undefined;
  signer?: Signer | undefined;
  names?: NamesOfficers | undefined;
}): EventMaker {
  return {
    county: opts.county,
    agency: opts.agency,
    source: `liandong:${opts.county}:${opts.agency}`,
    clock: opts.clock ?? systemClock,
    ids: opts.ids ?? randomIds,
    idKey: opts.idKey,
    signer: opts.signer,
    names: opts.names,
  };
}

/** A message id under the agency's key, when it has one. */
function keyed(maker: EventMaker, id: string): string {
  const key = maker.idKey;
  return key ? createHmac("sha256", key).update(id).digest("base64url") : id;
}

/**
 * The message id prepared bytes go out under: keyed like a given event id and prefixed by the
 * agency (a prefix already there is not repeated).
 */
function bytesMessageId(maker: EventMaker, msgId: string): string {
  const prefix = `${maker.agency}:`;
  const bare = msgId.startsWith(prefix) ? msgId.slice(prefix.length) : msgId;
  return prefix + keyed(maker, bare);
}

/** The headers prepared bytes go out with (`h`, or none given): their message id set. */
export function bytesHeaders(maker: EventMaker, msgId: string, h = natsHeaders()): MsgHdrs {
  h.set("Nats-Msg-Id", bytesMessageId(maker, msgId));
  return h;
}

/**
 * An event as it goes on the bus: validated against the catalogue, wrapped in the envelope,
 * with its subject and headers (message id, optimistic concurrency); throws what is wrong.
 */
export function prepareEvent<T extends EventType>(
  req: PublishRequest<T>,
  maker: EventMaker,
): PreparedEvent {
  const draft = draftEvent(req, maker);
  return finishEvent(
    draft,
    maker.signer && draft.hash ? sealOf(maker.signer, draft.subject, draft.hash) : undefined,
  );
}

type PreparedEvent = {
  id: string;
  subject: string;
  bytes: Uint8Array;
  h: MsgHdrs;
  hash: string | undefined;
};

/** An event made and checked, but not yet sealed: its header block as text, its bytes. */
type DraftEvent = {
  id: string;
  subject: string;
  block: string;
  bytes: Uint8Array;
  hash: string | undefined;
};

/** The draft's bytes and headers, with its seal (its publisher's, over the draft's hash). */
function finishEvent(d: DraftEvent, seal: string | undefined): PreparedEvent {
  return {
    id: d.id,
    subject: d.subject,
    bytes: d.bytes,
    h: WireHeaders.of(d.block, seal),
    hash: d.hash,
  };
}

/**
 * `time.toISOString()`, written once per millisecond: a burst makes tens of events in the same
 * millisecond, each of which would write the same 24 characters again (~0.5 µs, and its garbage).
 * An invalid date is never kept (its time is NaN): `toISOString` throws for it as before.
 */
function isoTime(time: Date): string {
  const ms = time.getTime();
  if (ms !== lastIso.ms) lastIso = { ms, text: time.toISOString() };
  return lastIso.text;
}
let lastIso = { ms: Number.NaN, text: "" };

/** `prepareEvent` up to the seal, which a publisher may make for many events at once. */
function draftEvent<T extends EventType>(req: PublishRequest<T>, maker: EventMaker): DraftEvent {
  const { county, agency } = maker;
  if (req.toCounty === county) {
    throw new ValidationError("invalid-event", "an event for this county does not cross its line", [
      { field: "toCounty", message: "a neighbouring county, or none" },
    ]);
  }
  if (req.aggregate.kind !== aggregateKindOf(req.type)) {
    throw new ValidationError("invalid-event", `${req.type} belongs to another aggregate`, [
      { field: "aggregate.kind", message: `${req.type}: not a ${req.aggregate.kind} event` },
    ]);
  }
  const parsed = dataSchemaOf(req.type).safeParse(req.data);
  if (!parsed.success) {
    throw new ValidationError(
      "invalid-event",
      `${req.type}: data does not match its schema`,
      parsed.error.issues.map((i) => ({
        field: ["data", ...i.path.map(String)].join("."),
        message: i.message,
      })),
    );
  }
  const id = req.id ?? maker.ids();
  // Built in the envelope's order (a re-published event is byte-identical), no spreads.
  const envelope: Record<string, unknown> = {
    specversion: "1.0",
    id,
    source: maker.source,
    type: req.type,
    time: isoTime(req.time ?? maker.clock()),
    subject: req.aggregate.id,
    county,
    agency,
    actor: req.actor,
  };
  // Every step an officer takes names the person and role (经办人), whichever route took it.
  const named = maker.names?.(req.actor);
  if (named) envelope.officer = named;
  envelope.aggregate = req.aggregate;
  if (req.to) envelope.to = req.to;
  if (req.toCounty) envelope.toCounty = req.toCounty;
  envelope.correlationId = req.correlationId ?? id;
  if (req.causationId) envelope.causationId = req.causationId;
  envelope.prev = req.prev;
  // `data` last: written after the rest (see `envelopeBytes`).
  const subject = eventSubject({
    county,
    agency,
    kind: req.aggregate.kind,
    id: req.aggregate.id,
    to: req.to,
    toCounty: req.toCounty,
  });
  // A fresh random id is unknowable as it is; a given one is keyed.
  const msgId = req.id === undefined ? id : keyed(maker, headerValue("id", id));
  let block = `NATS/1.0\r\nLiandong-Event-Type: ${req.type}\r\nNats-Msg-Id: ${agency}:${msgId}`;
  if (req.expect) {
    block += `\r\nNats-Expected-Last-Subject-Sequence: ${req.expect.lastSubjectSequence}`;
    if (req.expect.subject)
      block += `\r\nNats-Expected-Last-Subject-Sequence-Subject: ${headerValue("expect.subject", req.expect.subject)}`;
  }
  // Encoded once: the seal's hash is of these very bytes, sent as they are on this very subject.
  const data = JSON.stringify(parsed.data) as string | undefined;
  const bytes =
    data === undefined
      ? Buffer.from(JSON.stringify(envelope))
      : envelopeBytes(JSON.stringify(envelope), data);
  const hash = maker.signer ? sha256Hex(bytes) : undefined;
  return { id, subject, block, bytes, hash };
}

/**
 * Typed, pipelined publishing to JetStream. Every event is validated against the catalogue
 * and wrapped in the envelope; its message id is namespaced by the publishing agency (the
 * dedup window is stream-wide). Acks come back on one shared reply subscription and one
 * timer sweeps for time-outs, instead of a request, a timer and a promise chain per message.
 */
export class EventPublisher implements Publisher {
  readonly #nc: NatsConnection;
  readonly #opts: Required<
    Omit<PublisherOptions, "metrics" | "idKey" | "signer" | "names" | "logger">
  > &
    Pick<PublisherOptions, "metrics" | "idKey" | "signer" | "logger">;
  readonly #inbox: string;
  readonly #sub: Subscription;
  readonly #pending = new Map<number, Pending>();
  readonly #waiters: (() => void)[] = [];
  /** Runs only while acks are awaited: a publisher at rest wakes nothing. */
  #sweep: NodeJS.Timeout | undefined;
  readonly #maker: EventMaker;
  readonly #watchers: ((e: Published) => void)[] = [];
  /** Events made in this turn of the event loop, waiting to be sealed together. */
  #unsealed: {
    draft: DraftEvent;
    type: EventType;
    resolve: (p: Published) => void;
    reject: (err: Error) => void;
  }[] = [];
  #next = 0;

  constructor(nc: NatsConnection, opts: PublisherOptions) {
    this.#nc = nc;
    this.#opts = {
      window: PUBLISH_WINDOW,
      timeoutMs: 5000,
      retries: 5,
      retryForMs: 30_000,
      clock: systemClock,
      ids: randomIds,
      ...opts,
    };
    this.#maker = eventMaker(this.#opts);
    this.#inbox = createInbox(inboxPrefixOf(opts.agency));
    this.#sub = nc.subscribe(`${this.#inbox}.*`, { callback: (_err, msg) => this.#onAck(msg) });
  }

  /** Builds, validates and publishes one event; resolves when the stream has stored it. */
  publish<T extends EventType>(req: PublishRequest<T>): Promise<Published> {
    if (this.#maker.signer) return this.#publishSealed(req);
    // No async function, no await and no continuation on the way: one promise per event,
    // settled with the event as published (refusals still come as rejections).
    let prepared: ReturnType<typeof prepareEvent>;
    try {
      prepared = prepareEvent(req, this.#maker);
    } catch (err) {
      return Promise.reject(err);
    }
    const { id, subject, bytes, h, hash } = prepared;
    return this.#enqueue(subject, bytes, h, { id, type: req.type, hash }) as Promise<Published>;
  }

  /**
   * Sealed publishing: the events published before the current task's promise jobs are done (the
   * acks of a window releasing the next, a handler publishing several) are sealed together, up to
   * `SEAL_BATCH` under one signature, then sent in the order they were published. Nothing waits
   * for a later turn of the event loop: a lone event goes out as soon as its caller's code yields.
   * A full batch goes out at once, as its last event is made: the stream stores it while the next
   * are made, rather than waiting for every event a burst of acks released.
   */
  #publishSealed(req: PublishRequest<EventType>): Promise<Published> {
    let draft: DraftEvent;
    try {
      draft = draftEvent(req, this.#maker);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const waiting = this.#unsealed.push({ draft, type: req.type, resolve, reject });
      if (waiting >= SEAL_BATCH) {
        this.#sealUnsealed();
        return;
      }
      if (this.#sealing) return;
      this.#sealing = true;
      // What is left of the burst is sealed as soon as the caller's code yields, however busy the
      // publisher: a burst fills its batches as it is made (acks arrive many to a read), and
      // holding the rest until the next turn of the event loop (as before) saved no signatures
      // (63 events to one either way) but cost nats-server ~7 µs more CPU per event, the stream
      // fed in bursts with gaps rather than as the events were made (27–29 against 20–21 µs).
      queueMicrotask(this.#sealScheduled);
    });
  }

  /** Whether a sealing of what waits is scheduled. */
  #sealing = false;

  readonly #sealScheduled = () => {
    this.#sealing = false;
    this.#sealUnsealed();
  };

  #sealUnsealed(): void {
    const signer = this.#maker.signer!;
    const all = this.#unsealed;
    this.#unsealed = [];
    for (let i = 0; i < all.length; i += SEAL_BATCH) {
      const batch = all.length <= SEAL_BATCH ? all : all.slice(i, i + SEAL_BATCH);
      let seals: string[];
      try {
        seals = sealsOf(
          signer,
          batch.map((u) => ({ subject: u.draft.subject, hash: u.draft.hash! })),
        );
      } catch (err) {
        for (const u of batch) u.reject(err as Error);
        continue;
      }
      for (let j = 0; j < batch.length; j++) {
        const u = batch[j]!;
        const d = u.draft;
        const h = WireHeaders.of(d.block, seals[j]);
        const resolve = u.resolve as Pending["resolve"];
        this.#enqueueTo(
          d.subject,
          d.bytes,
          h,
          { id: d.id, type: u.type, hash: d.hash },
          resolve,
          u.reject,
        );
      }
    }
  }

  /**
   * Publishes prepared bytes (dead letters, benchmarks). `msgId` is keyed like a given event id
   * and prefixed by the agency (a prefix already there is not repeated).
   */
  publishBytes(subject: string, bytes: Uint8Array, msgId: string, h?: MsgHdrs): Promise<PubAck> {
    return this.#enqueue(subject, bytes, bytesHeaders(this.#maker, msgId, h), undefined);
  }

  /** Sends now, or once the window has room. */
  #enqueue(
    subject: string,
    bytes: Uint8Array,
    h: MsgHdrs,
    event: Pending["event"],
  ): Promise<PubAck & Partial<Published>> {
    return new Promise((resolve, reject) =>
      this.#enqueueTo(subject, bytes, h, event, resolve, reject),
    );
  }

  /** `#enqueue`, settling the given promise's functions (a sealed batch's callers' own). */
  #enqueueTo(
    subject: string,
    bytes: Uint8Array,
    h: MsgHdrs,
    event: Pending["event"],
    resolve: Pending["resolve"],
    reject: Pending["reject"],
  ): void {
    const slot = this.#slot();
    if (slot) slot.then(() => this.#sendTo(subject, bytes, h, event, resolve, reject));
    else this.#sendTo(subject, bytes, h, event, resolve, reject);
  }

  /** Sends, settling the given promise's functions once the stream answers. */
  #sendTo(
    subject: string,
    bytes: Uint8Array,
    h: MsgHdrs,
    event: Pending["event"],
    resolve: Pending["resolve"],
    reject: Pending["reject"],
  ): void {
    const token = this.#next++;
    const entry: Pending = {
      resolve,
      reject,
      event,
      expires: 0,
      tries: 0,
      firstSent: Date.now(),
      subject,
      bytes,
      headers: h,
      token,
    };
    this.#pending.set(token, entry);
    this.#sweep ??= setInterval(() => this.#expire(), 100).unref();
    try {
      this.#transmit(entry);
    } catch (err) {
      this.#settle(token);
      reject(err as Error);
    }
  }

  /** Sends (or sends again, with the same message id: the stream deduplicates). */
  #transmit(p: Pending): void {
    p.tries++;
    p.expires = Date.now() + this.#opts.timeoutMs;
    // The reply subject made as it is sent, not kept with every event awaiting its ack.
    const reply = `${this.#inbox}.${p.token.toString(36)}`;
    this.#nc.publish(p.subject, p.bytes, { reply, headers: p.headers });
  }

  /** Told of every event this publisher has had stored (the sealer's list of what is its own). */
  onPublished(watch: (e: Published) => void): void {
    this.#watchers.push(watch);
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    for (const u of this.#unsealed.splice(0))
      u.reject(new BusError("timeout", "publisher closed before the event was sent", true));
    for (const [token, p] of this.#pending) {
      this.#settle(token);
      p.reject(new BusError("timeout", "publisher closed before the ack arrived", true));
    }
    this.#sub.unsubscribe();
  }

  #slot(): Promise<void> | undefined {
    if (this.#pending.size < this.#opts.window) return undefined;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #settle(token: number) {
    this.#pending.delete(token);
    this.#waiters.shift()?.();
  }

  #retryOrFail(token: number, p: Pending, err: BusError) {
    const delay = Math.min(1000, 50 * 2 ** p.tries);
    const inTime = Date.now() + delay - p.firstSent < this.#opts.retryForMs;
    if (p.tries <= this.#opts.retries || inTime) {
      this.#opts.metrics?.publishRetries.inc();
      // Back off a little, then send the same message id again: the stream deduplicates.
      p.expires = Number.POSITIVE_INFINITY;
      setTimeout(() => {
        if (this.#pending.get(token) === p) this.#transmit(p);
      }, delay).unref();
      return;
    }
    this.#settle(token);
    p.reject(err);
  }

  #onAck(msg: Msg) {
    const token = Number.parseInt(msg.subject.slice(this.#inbox.length + 1), 36);
    const p = this.#pending.get(token);
    if (!p) return;
    if (msg.headers?.code === 503) {
      this.#retryOrFail(
        token,
        p,
        new BusError("no-stream", "no stream answered (JetStream not ready?)", true),
      );
      return;
    }
    let body: AckBody;
    try {
      body = readAck(msg.data);
    } catch (cause) {
      this.#settle(token);
      p.reject(new BusError("refused", "unreadable publish ack", false, { cause }));
      return;
    }
    if (body.error?.code === 503) {
      // "JetStream system temporarily unavailable": the cluster is electing a leader.
      this.#retryOrFail(
        token,
        p,
        new BusError("no-stream", body.error.description ?? "JetStream unavailable", true),
      );
      return;
    }
    this.#settle(token);
    if (body.error) {
      const wrongSeq = body.error.err_code === WRONG_LAST_SEQUENCE;
      p.reject(
        new BusError(
          wrongSeq ? "wrong-last-sequence" : "refused",
          body.error.description ?? "publish refused",
          false,
        ),
      );
      return;
    }
    const ack = {
      stream: body.stream ?? "",
      seq: body.seq ?? 0,
      duplicate: body.duplicate === true,
    };
    if (!p.event) {
      p.resolve(ack);
      return;
    }
    this.#opts.metrics?.published.inc({ type: p.event.type });
    this.#opts.logger?.info(
      {
        step: p.event.type,
        eventId: p.event.id,
        subject: p.subject,
        seq: ack.seq,
        ...(ack.duplicate ? { duplicate: true } : {}),
      },
      "step recorded",
    );
    const published = new PublishedEvent(ack, p.event.id, p.subject, p.bytes, p.event.hash);
    for (const watch of this.#watchers) watch(published);
    p.resolve(published);
  }

  #expire() {
    if (this.#pending.size === 0) {
      // Nothing awaited: stopped until the next send (a burst keeps it running throughout).
      clearInterval(this.#sweep);
      this.#sweep = undefined;
      return;
    }
    const now = Date.now();
    for (const [token, p] of this.#pending) {
      if (p.expires <= now)
        this.#retryOrFail(
          token,
          p,
          new BusError("timeout", "no ack from the stream in time", true),
        );
    }
  }
}
