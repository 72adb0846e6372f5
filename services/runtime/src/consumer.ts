import {
  type BusEvent,
  deadLetterSubject,
  isProblemCode,
  PROBLEMS,
  SEAL_HEADER,
  STREAMS,
} from "@liandong/contracts";
import { type Refusal, refusalMessage } from "@liandong/domain";
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import {
  type MsgHdrs,
  type NatsConnection,
  nanos,
  headers as natsHeaders,
} from "@nats-io/transport-node";
import {
  checkMessage,
  checkParsed,
  NOT_PUBLISHED_BY_AGENCY,
  type Verdict,
} from "./check-message.ts";
import { deadLetterRefusal } from "./decisions.ts";
import { ValidationError, wordsIn } from "./errors.ts";
import { sha256Hex } from "./hash.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import type { EventFeed, Publisher, StreamMessage } from "./ports.ts";
import type { SealKeys } from "./seal.ts";

export { checkMessage, checkParsed, NOT_PUBLISHED_BY_AGENCY, type Verdict };

export type Delivery = {
  /**
   * Where the event was first stored: for an inbox message sourced from EVENTS, the EVENTS
   * stream and sequence (from `Nats-Stream-Source`); otherwise the stream it was read from.
   */
  origin: { stream: string; seq: number };
  subject: string;
  stream: string;
  seq: number;
  deliveryCount: number;
  bytes: Uint8Array;
  /** The `Liandong-Seal` header the publisher sealed the event with, if any. */
  seal?: string | undefined;
  /** The bytes' SHA-256 (hex), once computed: see `deliveryHash`. */
  hash?: string | undefined;
};

/** The delivered bytes' SHA-256 (hex): computed once, for the seal's check and the handler alike. */
export function deliveryHash(d: Delivery): string {
  d.hash ??= sha256Hex(d.bytes);
  return d.hash;
}
export type Handler = (event: BusEvent, delivery: Delivery) => Promise<void>;

export type ConsumerSpec = {
  stream: string;
  /** Durable name; on EVENTS it must be one the agency's identity is allowed to use. */
  durable: string;
  filterSubject?: string;
  /** Several filters at once (an inbox that receives from neighbouring counties too). */
  filterSubjects?: string[];
  /** Deliveries before a message that keeps failing is dead-lettered. */
  maxDeliver?: number;
  ackWaitMs?: number;
  batch?: number;
};

/** What handling a delivery needs, whatever bus it came from. */
export type DeliveryDeps = {
  agency: string;
  publisher: Publisher;
  logger: Logger;
  metrics?: Metrics;
  /**
   * The keys events' seals are checked with: an event its claimed publisher did not seal is
   * dead-lettered (`not-published-by-agency`). Every service has them; a bus without keys (a
   * test of something else) checks no seals.
   */
  seals?: SealKeys | undefined;
};
export type ConsumerDeps = DeliveryDeps & { nc: NatsConnection };

const MAX_DETAIL = 2000;

/** Delay before the next delivery of a message whose handling failed for a transient reason. */
export function retryDelayMs(deliveryCount: number): number {
  return Math.min(30_000, 200 * 2 ** Math.max(0, deliveryCount - 1));
}

/**
 * Typed consumption: decode, validate against the catalogue, check the envelope against the
 * authenticated subject, handle, and acknowledge only after the handler is done. A message
 * that can never succeed is dead-lettered with its reason and original bytes; a transient
 * failure is retried with back-off until `maxDeliver`.
 */
export class EventConsumer implements EventFeed {
  readonly #deps: ConsumerDeps;
  readonly #spec: Required<Omit<ConsumerSpec, "filterSubject" | "filterSubjects">> &
    Pick<ConsumerSpec, "filterSubject" | "filterSubjects">;
  readonly #handler: Handler;
  #messages: ConsumerMessages | undefined;
  #done: Promise<void> | undefined;
  #ready = false;
  /** The last sequence a previous run of this consumer had been given (see `start`). */
  #deliveredBefore = 0;

  constructor(deps: ConsumerDeps, spec: ConsumerSpec, handler: Handler) {
    this.#deps = deps;
    this.#spec = { maxDeliver: 8, ackWaitMs: 30_000, batch: 256, ...spec };
    this.#handler = handler;
  }

  get ready(): boolean {
    return this.#ready;
  }

  async start(): Promise<void> {
    const { nc } = this.#deps;
    const s = this.#spec;
    const jsm = await jetstreamManager(nc);
    const config: Partial<ConsumerConfig> = {
      durable_name: s.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ...(s.filterSubject ? { filter_subject: s.filterSubject } : {}),
      ...(s.filterSubjects ? { filter_subjects: s.filterSubjects } : {}),
      // One delivery more than we retry: the last one is ours to dead-letter.
      max_deliver: s.maxDeliver + 1,
      ack_wait: nanos(s.ackWaitMs),
      max_ack_pending: s.batch * 4,
    };
    const before = await jsm.consumers.info(s.stream, s.durable).catch((err) => {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)
        return undefined;
      throw err;
    });
    if (before && before.num_ack_pending > 0) {
      // Messages handed to a process that stopped before it answered them (a crash): the server
      // would deliver them again only once their ack wait is over, and after newer ones. Taken
      // up again at once and in order instead: from the first not acknowledged, each counted as
      // delivered before (its handler may have done part of its work).
      await jsm.consumers.delete(s.stream, s.durable);
      await jsm.consumers.add(s.stream, {
        ...config,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: before.ack_floor.stream_seq + 1,
      });
      this.#deliveredBefore = before.delivered.stream_seq;
    } else {
      // As it was made (where it started from cannot change); the rest as configured now.
      await jsm.consumers.add(s.stream, {
        ...config,
        ...(before
          ? {
              deliver_policy: before.config.deliver_policy,
              ...(before.config.opt_start_seq
                ? { opt_start_seq: before.config.opt_start_seq }
                : {}),
            }
          : {}),
      });
    }
    const js: JetStreamClient = jetstream(nc);
    const consumer = await js.consumers.get(s.stream, s.durable);
    this.#deps.metrics?.pendingOf.set(s.durable, async () => {
      const i = await consumer.info();
      return i.num_pending + i.num_ack_pending;
    });
    const messages = await consumer.consume({ max_messages: s.batch, ...PULL });
    this.#messages = messages;
    this.#ready = true;
    this.#done = (async () => {
      for await (const m of messages) await this.#process(m);
    })();
  }

  /** Stops pulling; the message being handled is finished first. */
  async stop(): Promise<void> {
    this.#ready = false;
    this.#deps.metrics?.pendingOf.delete(this.#spec.durable);
    this.#messages?.stop();
    await this.#done;
  }

  async #process(m: JsMsg): Promise<void> {
    const delivery: Delivery = {
      subject: m.subject,
      stream: m.info.stream,
      seq: m.info.streamSequence,
      deliveryCount:
        m.info.streamSequence <= this.#deliveredBefore
          ? Math.max(2, m.info.deliveryCount)
          : m.info.deliveryCount,
      bytes: m.data,
      seal: m.headers?.get(SEAL_HEADER) || undefined,
      origin: originOf(m.headers?.get("Nats-Stream-Source"), m.info.stream, m.info.streamSequence),
    };
    await handleDelivery(this.#deps, this.#spec, this.#handler, delivery, m);
  }
}

/** How a consumer answers the stream for one delivery (a `JsMsg` answers so). */
export type DeliveryAnswer = {
  ack(): void;
  /** Deliver again after `delayMs`. */
  nak(delayMs?: number): void;
  /** Never deliver again. */
  term(reason?: string): void;
};

/**
 * One delivery, checked, handled and answered: acknowledged once the handler is done, dead-lettered
 * when it can never succeed, delivered again later after a transient failure. Every consumer's
 * policy, whatever bus it reads (`EventConsumer` on NATS, the in-memory one of tests).
 */
export async function handleDelivery(
  deps: DeliveryDeps,
  spec: { durable: string; maxDeliver: number },
  handler: Handler,
  delivery: Delivery,
  m: DeliveryAnswer,
): Promise<void> {
  const { logger, metrics } = deps;
  const label = { consumer: spec.durable };
  const verdict = checkMessage(
    delivery.subject,
    delivery.bytes,
    deps.seals,
    delivery.seal,
    deps.seals ? deliveryHash(delivery) : undefined,
  );
  if (!verdict.ok) {
    await deadLetter(deps, spec, m, delivery, verdict.reason, verdict.detail, verdict.refusal);
    return;
  }
  try {
    await handler(verdict.event, delivery);
    m.ack();
    metrics?.consumed.inc({ ...label, outcome: "handled" });
  } catch (err) {
    if (err instanceof ValidationError) {
      const issues = err.issues.map((i) => `${i.field}：${wordsIn(i.message, "zh")}`);
      const detail = [err.message, ...issues].filter(Boolean).join("；");
      await deadLetter(deps, spec, m, delivery, err.code, detail, err.refusal);
      return;
    }
    if (delivery.deliveryCount >= spec.maxDeliver) {
      await deadLetter(deps, spec, m, delivery, "retries-exhausted", String(err));
      return;
    }
    const delay = retryDelayMs(delivery.deliveryCount);
    logger.warn(
      { err, subject: delivery.subject, seq: delivery.seq, delay },
      "handler failed; will retry",
    );
    metrics?.consumed.inc({ ...label, outcome: "retried" });
    m.nak(delay);
  }
}

async function deadLetter(
  deps: DeliveryDeps,
  spec: { durable: string },
  m: DeliveryAnswer,
  d: Delivery,
  reason: string,
  detail: string,
  refusal?: string,
): Promise<void> {
  const { agency, publisher, logger, metrics } = deps;
  const h = deadLetterHeaders({
    reason,
    detail,
    refusal,
    subject: d.subject,
    stream: d.stream,
    seq: d.seq,
    consumer: spec.durable,
  });
  try {
    await publisher.publishBytes(
      deadLetterSubject(agency, reason),
      d.bytes,
      `dlq:${d.stream}:${spec.durable}:${d.seq}`,
      h,
    );
  } catch (err) {
    // Not stored anywhere yet: leave it to be delivered again rather than lose it.
    logger.error({ err, subject: d.subject, seq: d.seq }, "dead-letter publish failed");
    m.nak(retryDelayMs(d.deliveryCount));
    return;
  }
  logger.warn(
    { subject: d.subject, seq: d.seq, reason, detail: detail.slice(0, 300) },
    "message dead-lettered",
  );
  metrics?.deadLetters.inc({ consumer: spec.durable, reason });
  m.term(reason);
}

/**
 * What a dead letter says of itself, for the IT person who reads it and the tools that sort it:
 * `reason`, a stable code (the problem catalogue's); `detail`, in Chinese, after the reason's
 * Chinese title; `refusal`, the domain's code (`REFUSALS`) when a rule of the domain refused the
 * step; and where the message was and who gave up on it.
 */
export function deadLetterHeaders(n: {
  reason: string;
  detail: string;
  refusal?: string | undefined;
  subject: string;
  stream: string;
  seq: number;
  consumer: string;
}): MsgHdrs {
  const h = natsHeaders();
  const title = isProblemCode(n.reason) ? PROBLEMS[n.reason].zh : undefined;
  h.set("Liandong-Dlq-Reason", n.reason);
  if (n.refusal !== undefined) h.set("Liandong-Dlq-Refusal", n.refusal);
  h.set("Liandong-Dlq-Detail", [title, n.detail].filter(Boolean).join("：").slice(0, MAX_DETAIL));
  h.set("Liandong-Original-Subject", n.subject);
  h.set("Liandong-Original-Stream", n.stream);
  h.set("Liandong-Original-Seq", String(n.seq));
  h.set("Liandong-Consumer", n.consumer);
  return h;
}

/**
 * Pull requests short enough that a consumer whose leader moved (a node lost in a cluster) is
 * pulled from again within seconds: a lost pull shows as missed heartbeats (half of `expires`).
 */
export const PULL = { expires: 5_000 } as const;

/** `Nats-Stream-Source: EVENTS 42 <filter> <dest> <subject>`: the stream and sequence a sourced message came from. */
export function originOf(
  source: string | undefined,
  stream: string,
  seq: number,
): { stream: string; seq: number } {
  const [from, n] = (source ?? "").split(" ");
  const originSeq = Number(n);
  return from && Number.isSafeInteger(originSeq) && originSeq > 0
    ? { stream: from, seq: originSeq }
    : { stream, seq };
}

/**
 * How a reader of the EVENTS log itself (the office, the city's office) dead-letters a message it
 * can never take: under its reason's code, with why (the domain's refusal, with its codes, or
 * words), as the agencies' consumers do; a failure to do so is logged, never thrown.
 */
export function logDeadLetter(deps: {
  agency: string;
  consumer: string;
  publisher: Publisher;
  logger: Logger;
}): (m: StreamMessage, reason: string, why: string | Refusal) => Promise<void> {
  const { agency, consumer, publisher, logger } = deps;
  return async (m, reason, why) => {
    const h = deadLetterHeaders({
      reason,
      detail: typeof why === "string" ? why : refusalMessage(why),
      refusal: typeof why === "string" ? undefined : deadLetterRefusal(why),
      subject: m.subject,
      stream: STREAMS.events,
      seq: m.seq,
      consumer,
    });
    await publisher
      .publishBytes(deadLetterSubject(agency, reason), m.data, `dlq:EVENTS:${consumer}:${m.seq}`, h)
      .catch((err) => logger.error({ err, seq: m.seq }, "dead-letter publish failed"));
  };
}
