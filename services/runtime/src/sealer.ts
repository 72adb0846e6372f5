import {
  AuditCheckpoint,
  checkpointSigningText,
  MAX_SEALED_PER_CHECKPOINT,
  publisherSubjects,
  SEAL_HEADER,
  STREAMS,
  serviceActor,
} from "@liandong/contracts";
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { type Clock, systemClock } from "./clock.ts";
import { PULL } from "./consumer.ts";
import { sha256Hex, uuidFromName } from "./hash.ts";
import type { Logger } from "./logger.ts";
import type { EventPublisher } from "./publisher.ts";
import { sealVerifies } from "./seal.ts";
import { type Signer, verifySignature } from "./signing.ts";

/** The consumer an agency seals its own chain with (its identity may create and delete it). */
export const sealerConsumer = (agency: string) => `${agency}-sealer`;

/** Where sealing resumes after a restart: the next chain position, the last checkpoint, the stream. */
type SealerState = { index: number; prev: string | null; resumeSeq: number };
const STATE_KEY = "audit.sealer";
const decoder = new TextDecoder();
const MINE_BOUND = 100_000;

export type SealerOptions = {
  nc: NatsConnection;
  kv: KV;
  county: string;
  agency: string;
  publisher: EventPublisher;
  signer: Signer;
  logger: Logger;
  clock?: Clock;
  /** Seal once this many events wait (at most MAX_SEALED_PER_CHECKPOINT). */
  maxEvents?: number;
  /** Seal what waits once the stream has been quiet this long. */
  idleMs?: number;
  /**
   * Read again from the first unsealed event when there is something to seal (events read or
   * waiting on the stream, a checkpoint not yet seen back) and nothing has moved for this long.
   */
  stallMs?: number;
};

/**
 * Chains and seals one agency's own events. It reads what stands on the agency's subjects in
 * its county from EVENTS, in stream order, keeps what the agency's own publisher made (see
 * `#isOurs`: never an event merely claiming to be ours), and every `maxEvents` events (or when
 * the stream goes quiet) publishes an `audit.checkpoint` signed with the agency's own key, covering the
 * events' hashes and linked to the previous checkpoint. A checkpoint counts once it is seen
 * back on the stream; only then does the chain position advance and the state get stored, so
 * a crash between publishing and seeing it re-publishes the same checkpoint (same id: the
 * stream drops the copy) instead of forking the chain.
 */
export class AuditSealer {
  readonly #o: Required<Omit<SealerOptions, "clock">> & { clock: Clock };
  #state: SealerState = { index: 0, prev: null, resumeSeq: 1 };
  #pending: { seq: number; hash: string }[] = [];
  #lastStreamSeq = 0;
  /**
   * The last stream sequence taken into account (an event queued, a checkpoint counted): what
   * comes again at or below it (a reading superseded, a delivery repeated) is not taken twice.
   */
  #takenTo = 0;
  /** Which reading is the current one: a reading started earlier takes nothing more. */
  #generation = 0;
  #inFlight = false;
  #timer: NodeJS.Timeout | undefined;
  #messages: ConsumerMessages | undefined;
  #done: Promise<void> | undefined;
  #stopped = false;
  #ready = false;
  #watchdog: NodeJS.Timeout | undefined;
  /** Made once: making one asks the server for the account's JetStream info. */
  #jsm: Promise<JetStreamManager> | undefined;
  /** Where reading and sealing stood when last looked at, and since when. */
  #progress = { at: "", since: 0 };
  /**
   * Hashes of the events this process's publisher had stored and the sealer has not read back
   * yet: read back, they need no signature check. Bounded: past the bound, seals are checked.
   */
  readonly #mine = new Set<string>();

  constructor(opts: SealerOptions) {
    this.#o = {
      clock: systemClock,
      maxEvents: MAX_SEALED_PER_CHECKPOINT,
      idleMs: 200,
      stallMs: 10_000,
      ...opts,
    };
    this.#o.maxEvents = Math.min(this.#o.maxEvents, MAX_SEALED_PER_CHECKPOINT);
    opts.publisher.onPublished((e) => {
      if (this.#mine.size < MINE_BOUND && e.stream === STREAMS.events) this.#mine.add(e.hash);
    });
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Events read but not yet covered by a checkpoint seen on the stream. */
  get unsealed(): number {
    return this.#pending.length;
  }

  get sealedCount(): number {
    return this.#state.index;
  }

  async start(): Promise<void> {
    const entry = await this.#o.kv.get(STATE_KEY);
    if (entry?.operation === "PUT") this.#state = JSON.parse(decoder.decode(entry.value));
    this.#lastStreamSeq = this.#state.resumeSeq - 1;
    this.#takenTo = this.#lastStreamSeq;
    await this.#subscribe(this.#state.resumeSeq, this.#generation);
    this.#ready = true;
    this.#watchdog = setInterval(() => void this.#watch(), this.#o.stallMs / 2);
    this.#watchdog.unref();
  }

  /**
   * A consumer can go quiet without a word when its node goes (a pull lost with its leader,
   * a checkpoint never delivered back): if there is something to seal and nothing has moved
   * for `stallMs`, read again from the first unsealed event. Reading again is harmless: the
   * events are hashed again and the same checkpoint, published again, is deduplicated.
   */
  async #watch(): Promise<void> {
    const now = Date.now();
    const at = `${this.#lastStreamSeq}:${this.#state.index}`;
    if (at !== this.#progress.at || this.#stopped || !this.#messages) {
      this.#progress = { at, since: now };
      return;
    }
    if (now - this.#progress.since < this.#o.stallMs) return;
    const waiting =
      this.#inFlight ||
      this.#pending.length > 0 ||
      (await this.#manager()
        .then((jsm) => jsm.consumers.info(STREAMS.events, sealerConsumer(this.#o.agency)))
        .then((info) => info.num_pending > 0)
        .catch(() => true));
    if (!waiting || this.#stopped) return;
    this.#o.logger.warn(
      { unsealed: this.#pending.length, inFlight: this.#inFlight, since: this.#progress.since },
      "sealer made no progress; reading again from the first unsealed event",
    );
    this.#progress = { at, since: now };
    this.#inFlight = false;
    const stalled = this.#messages;
    this.#restart();
    stalled?.stop();
  }

  #manager(): Promise<JetStreamManager> {
    if (!this.#jsm) {
      const made = jetstreamManager(this.#o.nc);
      // A failed attempt is not kept: the next call tries again.
      made.catch(() => {
        if (this.#jsm === made) this.#jsm = undefined;
      });
      this.#jsm = made;
    }
    return this.#jsm;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#watchdog);
    this.#ready = false;
    clearTimeout(this.#timer);
    this.#messages?.stop();
    await this.#done;
  }

  /**
   * Reads from `fromSeq` with an ordered, unacknowledged consumer that this agency alone may
   * use; recreated (from the first unsealed event) whenever a delivery is missed. A reading is
   * current while `generation` is: one superseded (`#restart`) takes nothing more, even what its
   * client had already received (a stopped iterator still yields the batch it holds).
   */
  async #subscribe(fromSeq: number, generation: number): Promise<void> {
    const { nc, agency, county } = this.#o;
    const name = sealerConsumer(agency);
    const jsm = await this.#manager();
    // Made again if it is gone before it is read (a process of the same agency that is stopping
    // may still be making its own): a few tries, then the error.
    const consumer = await (async () => {
      for (let attempt = 1; ; attempt++) {
        await jsm.consumers.delete(STREAMS.events, name).catch(() => undefined);
        await jsm.consumers.add(STREAMS.events, {
          name,
          ack_policy: AckPolicy.None,
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: fromSeq,
          filter_subject: publisherSubjects(county, agency),
          inactive_threshold: 60_000_000_000,
          mem_storage: true,
        });
        try {
          return await jetstream(nc).consumers.get(STREAMS.events, name);
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
    })();
    const messages = await consumer.consume({ max_messages: 1000, ...PULL });
    if (generation !== this.#generation || this.#stopped) {
      messages.stop();
      return;
    }
    this.#messages = messages;
    const current = () => this.#messages === messages && !this.#stopped;
    // A consumer lost with its node (it lives in memory) is not recreated by the client, which
    // keeps pulling from it in silence: stop, and read again from the first unsealed event.
    void (async () => {
      for await (const s of messages.status()) {
        const lost =
          s.type === "consumer_not_found" ||
          s.type === "consumer_deleted" ||
          (s.type === "heartbeats_missed" && s.count >= 2);
        if (lost && current()) {
          this.#o.logger.warn({ status: s.type }, "sealer's consumer lost; reading again");
          messages.stop();
          return;
        }
      }
    })().catch(() => undefined);
    this.#done = (async () => {
      let delivered = 0;
      try {
        for await (const m of messages) {
          // Superseded while it waited (a stall, a lost consumer): its successor reads again
          // from the first unsealed event, so what this reading still holds is not its to take.
          if (!current()) return;
          if (m.info.deliverySequence !== delivered + 1) {
            // A delivery was lost: start again from the first event not yet sealed.
            messages.stop();
            this.#restart();
            return;
          }
          delivered = m.info.deliverySequence;
          this.#lastStreamSeq = m.info.streamSequence;
          await this.#onMessage(m);
        }
      } catch (err) {
        this.#o.logger.warn({ err }, "sealer's reading stopped");
      }
      // The consumer went away (its node lost, say) without us stopping it: read again.
      if (current()) this.#restart();
    })();
  }

  /** Reads again from the first event not yet sealed, until a consumer can be made. */
  #restart(): void {
    if (this.#stopped) return;
    const from = this.#pending[0]?.seq ?? this.#lastStreamSeq + 1;
    this.#pending = [];
    this.#takenTo = from - 1;
    this.#messages = undefined;
    const generation = ++this.#generation;
    const attempt = () => {
      if (this.#stopped || generation !== this.#generation) return;
      this.#subscribe(from, generation).catch((err) => {
        this.#o.logger.warn({ err, from }, "sealer could not resubscribe; trying again");
        setTimeout(attempt, 1000).unref();
      });
    };
    attempt();
  }

  /**
   * Whether this agency's own code made the event: this publisher had it stored (in this
   * process's life), or, for one stored before a restart, it carries a seal made with this
   * agency's key on this subject over these bytes. Either way its envelope must name this
   * county and agency (the subject's, which the consumer's filter holds to). Never what the
   * envelope alone claims: anyone who can write on our subjects can copy an envelope.
   */
  #isOurs(m: JsMsg, hash: string): boolean {
    // These very bytes came from our publisher, which wrote this county and agency in them
    // (and the consumer's filter holds the subject to ours): nothing to read again.
    if (this.#mine.delete(hash)) return true;
    let e: { county?: unknown; agency?: unknown };
    try {
      e = JSON.parse(decoder.decode(m.data));
    } catch {
      return false;
    }
    if (e.agency !== this.#o.agency || e.county !== this.#o.county) return false;
    const seal = m.headers?.get(SEAL_HEADER);
    return !!seal && sealVerifies(this.#o.signer.publicKey, m.subject, hash, seal);
  }

  async #onMessage(m: JsMsg): Promise<void> {
    const seq = m.info.streamSequence;
    // Each stream position is taken once, in order: a chain position per event, never two.
    if (seq <= this.#takenTo) return;
    this.#takenTo = seq;
    const kind = m.subject.split(".")[4];
    if (kind === "audit") {
      this.#mine.delete(sha256Hex(m.data));
      await this.#onCheckpoint(m);
      this.#schedule();
      return;
    }
    const hash = sha256Hex(m.data);
    if (this.#isOurs(m, hash)) {
      this.#pending.push({ seq, hash: hash.slice(0, 32) });
    } else {
      // On our subjects, but not made by our publisher: never sealed, so a verifier names it
      // (`not-published-by-agency`), and every reader refuses it.
      this.#o.logger.error(
        { seq, subject: m.subject },
        "an event under this agency's subjects that this agency did not publish; not sealed",
      );
    }
    this.#schedule();
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#inFlight || this.#stopped || this.#pending.length === 0) return;
    if (this.#pending.length >= this.#o.maxEvents) {
      void this.#seal();
      return;
    }
    this.#timer = setTimeout(() => void this.#seal(), this.#o.idleMs);
  }

  async #seal(): Promise<void> {
    if (this.#inFlight || this.#stopped || this.#pending.length === 0) return;
    this.#inFlight = true;
    const { agency, county, signer, publisher, clock, logger } = this.#o;
    const { index, prev } = this.#state;
    const hashes = this.#pending.slice(0, this.#o.maxEvents).map((p) => p.hash);
    const signature = signer.sign(checkpointSigningText(county, { agency, index, hashes }, prev));
    try {
      await publisher.publish({
        type: "audit.checkpoint",
        actor: serviceActor(agency),
        aggregate: { kind: "audit", id: agency },
        id: uuidFromName(`audit-checkpoint:${county}:${agency}:${index}`),
        time: clock(),
        prev,
        data: { agency, index, hashes, key: signer.publicKey, signature },
      });
    } catch (err) {
      logger.error({ err, index }, "checkpoint publish failed; will retry");
      this.#inFlight = false;
      this.#timer = setTimeout(() => void this.#seal(), 1000);
    }
    // Still in flight until the checkpoint is read back from the stream.
  }

  /** A checkpoint on our own subjects: ours (the one in flight, or one a crash left unseen). */
  async #onCheckpoint(m: JsMsg): Promise<void> {
    const { agency, county, signer, kv, logger } = this.#o;
    let checkpoint: AuditCheckpoint;
    let prev: string | null;
    try {
      const envelope = JSON.parse(decoder.decode(m.data)) as { prev: string | null; data: unknown };
      checkpoint = AuditCheckpoint.parse(envelope.data);
      prev = envelope.prev;
    } catch (err) {
      logger.warn({ err, seq: m.info.streamSequence }, "unreadable checkpoint on our subjects");
      return;
    }
    const { index, hashes } = checkpoint;
    if (index < this.#state.index) return; // already counted
    const ours =
      checkpoint.agency === agency &&
      checkpoint.key === signer.publicKey &&
      index === this.#state.index &&
      prev === this.#state.prev &&
      hashes.every((h, i) => this.#pending[i]?.hash === h) &&
      verifySignature(
        signer.publicKey,
        checkpointSigningText(county, checkpoint, prev),
        checkpoint.signature,
      );
    if (!ours) {
      logger.error({ seq: m.info.streamSequence, index }, "checkpoint on our subjects is not ours");
      return;
    }
    this.#pending.splice(0, hashes.length);
    this.#state = {
      index: index + hashes.length,
      prev: sha256Hex(m.data),
      resumeSeq: this.#pending[0]?.seq ?? m.info.streamSequence + 1,
    };
    this.#inFlight = false;
    // Where to resume after a restart. If this write is lost (a leader election), the next
    // checkpoint writes it; a restart from an older state re-publishes the same checkpoints
    // (ids derived from their position), which the stream deduplicates.
    await kv.put(STATE_KEY, JSON.stringify(this.#state)).catch((err: unknown) => {
      logger.warn({ err, index }, "sealer state not saved; the next checkpoint saves it");
    });
    this.#schedule();
  }
}
