import {
  type AuditCheckpoint,
  type AuditHeads,
  type AuditWitnesses,
  type BusEvent,
  serviceActor,
  type WitnessCosignature,
  type WitnessRefusal,
} from "@liandong/contracts";
import { say } from "@liandong/domain";
import {
  type AggregateLog,
  type Clock,
  cosign,
  cosignatureProblem,
  headsProblem,
  type KnownHead,
  type Logger,
  type Signer,
  uuidFromName,
  witnessedAfter,
  witnessProblem,
} from "@liandong/runtime";

export type WitnessEvent = Extract<BusEvent, { type: `witness.${string}` }>;
type HeadsSent = Extract<BusEvent, { type: "witness.heads-sent" }>;

/** An event of the witness exchange (its aggregate's kind is its type's, as parsed). */
export const isWitnessEvent = (e: BusEvent): e is WitnessEvent => e.aggregate.kind === "witness";

export type WitnessingDeps = {
  county: string;
  neighbours: readonly string[];
  /** Each neighbouring county's office key: what its heads and co-signatures verify with. */
  officeKeys: Readonly<Record<string, string | undefined>>;
  signer: Signer;
  clock: Clock;
  logger: Logger;
  /** The county's heads, signed by the office now. */
  heads: () => AuditHeads;
  /** The office's one log: each of its witness events goes on `witness/<neighbour>`. */
  append: AggregateLog["append"];
  /** Least time between two sendings of the heads to one neighbour. */
  everyMs: number;
};

const OFFICE = "office";
const ACTOR = serviceActor(OFFICE);

/** The latest stream sequence of a checkpoint that the heads hold. */
const lastSeq = (heads: AuditHeads) => Math.max(0, ...Object.values(heads.heads).map((h) => h.seq));

/**
 * The office's side of witnessing (见证), folded from the county's log like every view of the
 * office (the log is its store: its own heads sent and co-signatures, its neighbours', arrive in
 * EVENTS):
 *
 * - Its heads go to each neighbour's office when a checkpoint sealed something besides the
 *   witness exchange itself (else each co-signature, sealed in its turn, would move the heads
 *   again, forever), at most once every `everyMs`.
 * - A neighbour's heads are checked (its office's signature, and against what this office
 *   witnessed from it before) and answered, in the order they arrived, once each: a co-signature,
 *   or a refusal that is also logged as an error.
 * - The co-signatures and refusals its neighbours returned are kept, the latest of each.
 */
/** What `Witnessing.state` gives: its maps as lists of entries. */
export type WitnessingState = {
  witnessed: [string, Record<string, KnownHead>][];
  pending: [string, HeadsSent][];
  received: [string, { cosigned?: WitnessCosignature; refused?: WitnessRefusal }][];
  covered: [string, number][];
  moved: number;
  exchange: string[];
};

export class Witnessing {
  readonly #d: WitnessingDeps;
  /** By neighbour: each agency's latest head this office co-signed. */
  readonly #witnessed = new Map<string, Record<string, KnownHead>>();
  /** Neighbours' heads not answered yet, in the order they arrived. */
  readonly #pending = new Map<string, HeadsSent>();
  readonly #received = new Map<
    string,
    { cosigned?: WitnessCosignature; refused?: WitnessRefusal }
  >();
  /** By neighbour: the latest checkpoint (stream sequence) the heads last sent to it held. */
  readonly #covered = new Map<string, number>();
  /** The latest checkpoint that sealed more than the witness exchange. */
  #moved = 0;
  /** This office's witness events not yet sealed (first 32 hex digits of their hashes). */
  readonly #exchange = new Set<string>();
  readonly #lastSent = new Map<string, number>();
  #caughtUp = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #answering: Promise<void> = Promise.resolve();

  constructor(deps: WitnessingDeps) {
    this.#d = deps;
  }

  /** A witness event of EVENTS (its seal checked), with the SHA-256 of its bytes. */
  event(e: WitnessEvent, hash: string): void {
    const { county, neighbours } = this.#d;
    if (e.county === county) {
      this.#exchange.add(hash.slice(0, 32));
      const n = e.aggregate.id;
      if (e.type === "witness.heads-sent")
        this.#covered.set(n, Math.max(this.#covered.get(n) ?? 0, lastSeq(e.data.heads)));
      else {
        if (e.causationId) this.#pending.delete(e.causationId);
        if (e.type === "witness.cosigned")
          this.#witnessed.set(n, witnessedAfter(this.#witnessed.get(n) ?? {}, e.data.heads.heads));
      }
      return;
    }
    if (!neighbours.includes(e.county) || e.toCounty !== county) return;
    if (e.type === "witness.heads-sent") {
      this.#pending.set(e.id, e);
      if (this.#caughtUp) this.#answer(e);
      return;
    }
    const received = this.#received.get(e.county) ?? {};
    this.#received.set(e.county, received);
    if (e.type === "witness.refused") {
      received.refused = e.data;
      if (this.#caughtUp)
        this.#d.logger.error(
          { neighbour: e.county, problem: e.data.problem, detail: e.data.detail },
          "a neighbour refused to witness this county's heads",
        );
      return;
    }
    const problem = cosignatureProblem(e.data, {
      witness: this.#d.officeKeys[e.county],
      county: this.#d.signer.publicKey,
    });
    if (problem || e.data.witness !== e.county || e.data.heads.county !== county)
      this.#d.logger.error(
        {
          neighbour: e.county,
          eventId: e.id,
          code: problem?.code,
          problem: problem ? say(problem, "zh") : "不是本县的检查点清单",
        },
        "a co-signature that is not the neighbour's of this county's heads: not kept",
      );
    else received.cosigned = e.data;
  }

  /** A checkpoint of this county that verified (after the heads took it), stored at `seq`. */
  checkpoint(checkpoint: AuditCheckpoint, seq: number): void {
    const exchangeOnly =
      checkpoint.agency === OFFICE && checkpoint.hashes.every((h) => this.#exchange.has(h));
    if (checkpoint.agency === OFFICE) for (const h of checkpoint.hashes) this.#exchange.delete(h);
    if (exchangeOnly) return;
    this.#moved = Math.max(this.#moved, seq);
    if (this.#caughtUp) this.#schedule();
  }

  /** What the events and checkpoints folded so far left, as JSON can hold it (the office's snapshot). */
  state(): WitnessingState {
    return {
      witnessed: [...this.#witnessed],
      pending: [...this.#pending],
      received: [...this.#received],
      covered: [...this.#covered],
      moved: this.#moved,
      exchange: [...this.#exchange],
    };
  }

  /** Folded again from what `state` gave, before the office follows the log (what it held is gone). */
  restore(s: WitnessingState): void {
    const fill = <K, V>(m: Map<K, V>, entries: [K, V][]) => {
      m.clear();
      for (const [k, v] of entries) m.set(k, v);
    };
    fill(this.#witnessed, s.witnessed);
    fill(this.#pending, s.pending);
    fill(this.#received, s.received);
    fill(this.#covered, s.covered);
    this.#moved = s.moved;
    this.#exchange.clear();
    for (const h of s.exchange) this.#exchange.add(h);
  }

  /** Once the office has read the whole log: what arrived meanwhile is answered, the heads sent if due. */
  caughtUp(): void {
    this.#caughtUp = true;
    for (const e of this.#pending.values()) this.#answer(e);
    this.#schedule();
  }

  /** What the neighbours answered to this county's heads (`GET /audit/witnesses`). */
  view(): AuditWitnesses {
    const neighbours: AuditWitnesses["neighbours"] = {};
    for (const n of this.#d.neighbours) neighbours[n] = { ...this.#received.get(n) };
    return { county: this.#d.county, neighbours };
  }

  /** Settles once every answer begun has been recorded (or has failed). */
  answered(): Promise<void> {
    return this.#answering;
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#caughtUp = false;
  }

  #due(n: string): boolean {
    return this.#moved > (this.#covered.get(n) ?? 0);
  }

  #schedule(): void {
    if (this.#timer || !this.#caughtUp) return;
    const due = this.#d.neighbours.filter((n) => this.#due(n));
    if (due.length === 0) return;
    const now = this.#d.clock().getTime();
    const wait = Math.max(
      0,
      ...due.map(
        (n) => (this.#lastSent.get(n) ?? Number.NEGATIVE_INFINITY) + this.#d.everyMs - now,
      ),
    );
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#send();
    }, wait);
    this.#timer.unref?.();
  }

  async #send(): Promise<void> {
    const heads = this.#d.heads();
    await Promise.all(
      this.#d.neighbours
        .filter((n) => this.#due(n))
        .map(async (n) => {
          const covered = this.#covered.get(n) ?? 0;
          this.#covered.set(n, Math.max(covered, lastSeq(heads)));
          this.#lastSent.set(n, this.#d.clock().getTime());
          try {
            await this.#d.append({
              type: "witness.heads-sent",
              actor: ACTOR,
              aggregate: { kind: "witness", id: n },
              to: OFFICE,
              toCounty: n,
              data: { heads },
            });
          } catch (err) {
            // Sent again at the next turn.
            this.#covered.set(n, covered);
            this.#d.logger.warn({ err, neighbour: n }, "heads not sent to be witnessed");
          }
        }),
    );
    this.#schedule();
  }

  /** Answers a neighbour's heads after every answer before it (each decides on the one before). */
  #answer(e: HeadsSent): void {
    this.#answering = this.#answering.then(async () => {
      if (!this.#pending.has(e.id) || !this.#caughtUp) return;
      const n = e.county;
      const heads = e.data.heads;
      const at = this.#d.clock();
      const before = this.#witnessed.get(n) ?? {};
      const unsigned = headsProblem(heads, n, this.#d.officeKeys[n]);
      const inconsistent = unsigned ? undefined : witnessProblem(before, heads.heads);
      const common = {
        id: uuidFromName(`witness:${e.id}`),
        actor: ACTOR,
        aggregate: { kind: "witness", id: n },
        to: OFFICE,
        toCounty: n,
        causationId: e.id,
        correlationId: e.correlationId,
      } as const;
      try {
        if (!unsigned && !inconsistent) {
          await this.#d.append({
            ...common,
            type: "witness.cosigned",
            data: cosign(this.#d.signer, this.#d.county, heads, at),
          });
          this.#witnessed.set(n, witnessedAfter(before, heads.heads));
        } else {
          // Why, by the catalogue's code and parameters, and in Chinese as it is recorded.
          const why = inconsistent ?? unsigned!;
          const refusal: WitnessRefusal = {
            witness: this.#d.county,
            heads,
            at: at.toISOString(),
            ...(inconsistent
              ? {
                  problem: inconsistent.problem,
                  agency: inconsistent.agency,
                  before: inconsistent.before,
                }
              : { problem: "not-signed" as const }),
            detail: say(why, "zh"),
            code: why.code,
            params: why.params ?? {},
          };
          this.#d.logger.error(
            { neighbour: n, eventId: e.id, problem: refusal.problem, detail: refusal.detail },
            "a neighbour's heads are not consistent with what was witnessed: refused",
          );
          await this.#d.append({ ...common, type: "witness.refused", data: refusal });
        }
        this.#pending.delete(e.id);
      } catch (err) {
        // Still pending: answered at the next start, once the log is read again.
        this.#d.logger.warn({ err, neighbour: n, eventId: e.id }, "heads not answered");
      }
    });
  }
}
