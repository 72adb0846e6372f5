import type { AgencyCode, EventType } from "@liandong/contracts";
import type { MsgHdrs } from "@nats-io/transport-node";
import type { Clock, IdSource } from "../clock.ts";
import { BusError } from "../errors.ts";
import type { Metrics } from "../metrics.ts";
import type { Publisher } from "../ports.ts";
import {
  bytesHeaders,
  type EventMaker,
  eventMaker,
  type NamesOfficers,
  type PubAck,
  type Published,
  PublishedEvent,
  type PublishRequest,
  prepareEvent,
} from "../publisher.ts";
import type { Signer } from "../signing.ts";
import type { MemoryStreams } from "./memory-streams.ts";

/**
 * An agency's publisher onto streams in memory: the same envelope, subject, headers and message
 * ids as `EventPublisher` (both prepare events with `prepareEvent`), stored at once.
 */
export class MemoryPublisher implements Publisher {
  readonly #streams: MemoryStreams;
  readonly #maker: EventMaker;
  readonly #metrics: Metrics | undefined;
  #closed = false;

  constructor(
    streams: MemoryStreams,
    opts: {
      county: string;
      agency: AgencyCode;
      clock?: Clock;
      ids?: IdSource;
      idKey?: Uint8Array;
      signer?: Signer;
      metrics?: Metrics;
      names?: NamesOfficers;
    },
  ) {
    this.#streams = streams;
    this.#maker = eventMaker(opts);
    this.#metrics = opts.metrics;
  }

  publish<T extends EventType>(req: PublishRequest<T>): Promise<Published> {
    try {
      const { id, subject, bytes, h, hash } = prepareEvent(req, this.#maker);
      const ack = this.#store(subject, bytes, h);
      this.#metrics?.published.inc({ type: req.type });
      return Promise.resolve(new PublishedEvent(ack, id, subject, bytes, hash));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  publishBytes(subject: string, bytes: Uint8Array, msgId: string, h?: MsgHdrs): Promise<PubAck> {
    try {
      return Promise.resolve(this.#store(subject, bytes, bytesHeaders(this.#maker, msgId, h)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #store(subject: string, bytes: Uint8Array, h: MsgHdrs): PubAck {
    if (this.#closed) throw new BusError("refused", "publisher closed", false);
    return this.#streams.publish(subject, bytes, h);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
