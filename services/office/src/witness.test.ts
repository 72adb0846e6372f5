import { createHash, randomUUID } from "node:crypto";
import {
  type AuditCheckpoint,
  type AuditHead,
  type AuditHeads,
  type BusEvent,
  headsSigningText,
} from "@liandong/contracts";
import {
  type AggregateLog,
  cosignatureProblem,
  type Logger,
  type Signer,
  signerFromSeed,
} from "@liandong/runtime";
import { createUser } from "@nats-io/nkeys";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isWitnessEvent, Witnessing } from "./witness.ts";

const GANZHOU = "620702";
const LIANGZHOU = "620602";
const EVERY_MS = 5000;
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

type Entry =
  | { kind: "event"; e: BusEvent; hash: string }
  | { kind: "checkpoint"; checkpoint: AuditCheckpoint; seq: number };

/**
 * One county as its office sees it: its log (its own events, its checkpoints, what its neighbour
 * addresses to it), its heads as they move, and the office's witnessing folded from that log.
 * Every event the office appends is sealed at once by the office's sealer (a checkpoint of its
 * own), as a county's sealer does a moment later.
 */
class County {
  readonly log: Entry[] = [];
  readonly signer: Signer = signerFromSeed(new TextDecoder().decode(createUser().getSeed()));
  readonly heads: Record<string, AuditHead> = {};
  readonly errors: { problem?: string; detail?: string }[] = [];
  neighbour!: County;
  witnessing!: Witnessing;
  #seq = 0;

  constructor(readonly code: string) {}

  start(): void {
    this.witnessing = this.#witnessing();
  }

  /** The office again, from its log (a restart), caught up. */
  restart(): void {
    this.witnessing.stop();
    this.witnessing = this.#witnessing();
    for (const x of this.log) this.#fold(x);
    this.witnessing.caughtUp();
  }

  #witnessing(): Witnessing {
    const logger = {
      error: (o: { problem?: string; detail?: string }) => this.errors.push(o),
      warn: () => undefined,
      info: () => undefined,
    } as unknown as Logger;
    return new Witnessing({
      county: this.code,
      neighbours: [this.neighbour.code],
      officeKeys: { [this.neighbour.code]: this.neighbour.signer.publicKey },
      signer: this.signer,
      clock: () => new Date(),
      logger,
      heads: () => this.signedHeads(),
      append: ((req: Record<string, unknown>) => this.#append(req)) as AggregateLog["append"],
      everyMs: EVERY_MS,
    });
  }

  signedHeads(): AuditHeads {
    const body = { county: this.code, at: new Date().toISOString(), heads: { ...this.heads } };
    return {
      ...body,
      behind: [],
      key: this.signer.publicKey,
      signature: this.signer.sign(headsSigningText(body)),
    };
  }

  /** An agency's checkpoint sealing `events` more events of its chain. */
  seal(agency: string, hashes: string[]): void {
    const index = this.heads[agency]?.size ?? 0;
    const seq = ++this.#seq;
    const checkpoint = {
      agency,
      index,
      hashes,
      key: this.signer.publicKey,
      signature: "x".repeat(86),
    };
    this.heads[agency] = {
      size: index + hashes.length,
      checkpoint: sha(`${this.code}${agency}${seq}`),
      seq,
    };
    this.#record({ kind: "checkpoint", checkpoint, seq });
  }

  /** Business: an agency publishes `n` events, and its sealer seals them. */
  business(agency: string, n = 1): void {
    this.seal(
      agency,
      Array.from({ length: n }, () => sha(randomUUID()).slice(0, 32)),
    );
  }

  /** What the office sent across, in the order it sent it. */
  sent(type: string): Extract<BusEvent, { type: `witness.${string}` }>[] {
    return this.log.flatMap((x) =>
      x.kind === "event" && x.e.county === this.code && x.e.type === type && isWitnessEvent(x.e)
        ? [x.e]
        : [],
    );
  }

  #record(x: Entry): void {
    this.log.push(x);
    this.#fold(x);
  }

  #fold(x: Entry): void {
    if (x.kind === "checkpoint") this.witnessing.checkpoint(x.checkpoint, x.seq);
    else if (isWitnessEvent(x.e)) this.witnessing.event(x.e, x.hash);
  }

  #append(req: Record<string, unknown>): Promise<unknown> {
    const e = {
      specversion: "1.0",
      id: (req.id as string | undefined) ?? randomUUID(),
      source: `liandong:${this.code}:office`,
      type: req.type,
      time: new Date().toISOString(),
      subject: (req.aggregate as { id: string }).id,
      county: this.code,
      agency: "office",
      actor: req.actor,
      aggregate: req.aggregate,
      to: req.to,
      toCounty: req.toCounty,
      correlationId: (req.correlationId as string | undefined) ?? randomUUID(),
      ...(req.causationId ? { causationId: req.causationId } : {}),
      prev: null,
      data: req.data,
    } as BusEvent;
    const hash = sha(JSON.stringify(e));
    this.#record({ kind: "event", e, hash });
    // Across the line, into the neighbour's log.
    if (this.neighbour.up) this.neighbour.#record({ kind: "event", e, hash });
    else this.neighbour.log.push({ kind: "event", e, hash });
    this.seal("office", [hash.slice(0, 32)]);
    return Promise.resolve();
  }

  up = true;
}

let ganzhou: County;
let liangzhou: County;

beforeEach(() => {
  vi.useFakeTimers();
  ganzhou = new County(GANZHOU);
  liangzhou = new County(LIANGZHOU);
  ganzhou.neighbour = liangzhou;
  liangzhou.neighbour = ganzhou;
  ganzhou.start();
  liangzhou.start();
  ganzhou.witnessing.caughtUp();
  liangzhou.witnessing.caughtUp();
});
afterEach(() => {
  ganzhou.witnessing.stop();
  liangzhou.witnessing.stop();
  vi.useRealTimers();
});

/** Until every timer due in the next minute has fired, and every answer it started is recorded. */
async function settle() {
  for (let i = 0; i < 12; i++) {
    await vi.advanceTimersByTimeAsync(EVERY_MS);
    await ganzhou.witnessing.answered();
    await liangzhou.witnessing.answered();
  }
}

describe("an office sends its heads to its neighbour's office, which co-signs them", () => {
  it("the co-signature comes back, verifies with the neighbour's office key, and is served", async () => {
    ganzhou.business("health", 3);
    await settle();
    expect(ganzhou.sent("witness.heads-sent")).toHaveLength(1);
    const cosigned = ganzhou.witnessing.view().neighbours[LIANGZHOU]?.cosigned;
    expect(cosigned?.witness).toBe(LIANGZHOU);
    expect(cosigned?.heads.heads.health?.size).toBe(3);
    expect(
      cosignatureProblem(cosigned!, {
        witness: liangzhou.signer.publicKey,
        county: ganzhou.signer.publicKey,
      }),
    ).toBeUndefined();
    // Answered on the record, as caused by the heads it answers.
    const [answer] = liangzhou.sent("witness.cosigned");
    expect(answer?.causationId).toBe(ganzhou.sent("witness.heads-sent")[0]?.id);
    expect(liangzhou.errors).toEqual([]);
  });

  it("the exchange itself, sealed in its turn, sends nothing more: an idle region stays idle", async () => {
    ganzhou.business("health");
    await settle();
    await settle();
    expect(ganzhou.sent("witness.heads-sent")).toHaveLength(1);
    expect(liangzhou.sent("witness.heads-sent")).toHaveLength(0);
    expect(liangzhou.sent("witness.cosigned")).toHaveLength(1);
    // An office's own business (a supervision order) is sent as any agency's.
    liangzhou.business("office");
    await settle();
    expect(liangzhou.sent("witness.heads-sent")).toHaveLength(1);
    // Its chain: the co-signature it made, then the order.
    expect(
      liangzhou.witnessing.view().neighbours[GANZHOU]?.cosigned?.heads.heads.office?.size,
    ).toBe(2);
  });

  it("heads that move meanwhile wait for the interval and go together", async () => {
    ganzhou.business("health");
    // Nothing was sent before: at once.
    await vi.advanceTimersByTimeAsync(0);
    expect(ganzhou.sent("witness.heads-sent")).toHaveLength(1);
    for (let i = 0; i < 5; i++) ganzhou.business("public-security");
    await vi.advanceTimersByTimeAsync(EVERY_MS / 2);
    expect(ganzhou.sent("witness.heads-sent")).toHaveLength(1);
    ganzhou.business("health");
    await settle();
    const sent = ganzhou.sent("witness.heads-sent");
    expect(sent).toHaveLength(2);
    expect(sent[1]?.type === "witness.heads-sent" && sent[1].data.heads.heads).toMatchObject({
      health: { size: 2 },
      "public-security": { size: 5 },
    });
  });
});

describe("a neighbour's heads inconsistent with what was witnessed before are refused", () => {
  it("a chain cut short, then another checkpoint at a size witnessed: each refused, logged and returned", async () => {
    ganzhou.business("health", 4);
    await settle();
    const witnessed = ganzhou.heads.health!;
    // Ganzhou's office now shows a shorter health chain (its log cut, its store wiped).
    ganzhou.heads.health = { size: 2, checkpoint: sha("other"), seq: witnessed.seq };
    ganzhou.business("public-security");
    await settle();
    const refused = ganzhou.witnessing.view().neighbours[LIANGZHOU]?.refused;
    expect(refused).toMatchObject({
      witness: LIANGZHOU,
      problem: "shrunk",
      agency: "health",
      before: { size: 4, checkpoint: witnessed.checkpoint },
      // Why, by the catalogue's code, and in Chinese as it is recorded.
      code: "witness.shrunk",
      detail: `卫生健康部门的链长 2；此前已见证到 4（检查点 ${witnessed.checkpoint}）`,
    });
    expect(liangzhou.errors).toEqual([expect.objectContaining({ problem: "shrunk" })]);
    // As long as what was witnessed, another checkpoint: another history.
    ganzhou.heads.health = { size: 4, checkpoint: sha("another history"), seq: witnessed.seq };
    ganzhou.business("public-security");
    await settle();
    expect(ganzhou.witnessing.view().neighbours[LIANGZHOU]?.refused).toMatchObject({
      problem: "forked",
      agency: "health",
      before: { size: 4, checkpoint: witnessed.checkpoint },
    });
    // The history it witnessed, grown: co-signed again.
    ganzhou.heads.health = { ...witnessed, size: 6, checkpoint: sha("grown") };
    ganzhou.business("public-security");
    await settle();
    expect(
      ganzhou.witnessing.view().neighbours[LIANGZHOU]?.cosigned?.heads.heads.health?.size,
    ).toBe(6);
    expect(liangzhou.sent("witness.cosigned")).toHaveLength(2);
    expect(liangzhou.sent("witness.refused")).toHaveLength(2);
  });

  it("heads another key signed are refused as not the county's office's", async () => {
    ganzhou.business("health");
    const forger = signerFromSeed(new TextDecoder().decode(createUser().getSeed()));
    const real = ganzhou.signedHeads.bind(ganzhou);
    ganzhou.signedHeads = () => {
      const { key: _k, signature: _s, ...body } = real();
      return { ...body, key: forger.publicKey, signature: forger.sign(headsSigningText(body)) };
    };
    await settle();
    expect(ganzhou.witnessing.view().neighbours[LIANGZHOU]).toEqual({
      refused: expect.objectContaining({ problem: "not-signed" }),
    });
  });
});

describe("the office folds witnessing from its log again after a restart", () => {
  it("answers nothing twice, sends nothing again, and holds its neighbour to what it witnessed", async () => {
    ganzhou.business("health", 4);
    await settle();
    liangzhou.restart();
    ganzhou.restart();
    await settle();
    expect(ganzhou.sent("witness.heads-sent")).toHaveLength(1);
    expect(liangzhou.sent("witness.cosigned")).toHaveLength(1);
    expect(
      ganzhou.witnessing.view().neighbours[LIANGZHOU]?.cosigned?.heads.heads.health?.size,
    ).toBe(4);
    // What it witnessed before the restart still binds it.
    ganzhou.heads.health = { ...ganzhou.heads.health!, checkpoint: sha("rewritten") };
    ganzhou.business("public-security");
    await settle();
    expect(liangzhou.sent("witness.refused")).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({ problem: "forked", agency: "health" }),
      }),
    ]);
  });

  it("heads that arrived while the office was down are answered once it has caught up", async () => {
    liangzhou.witnessing.stop();
    liangzhou.up = false;
    ganzhou.business("health", 2);
    await settle();
    expect(liangzhou.sent("witness.cosigned")).toHaveLength(0);
    liangzhou.up = true;
    liangzhou.restart();
    await settle();
    expect(liangzhou.sent("witness.cosigned")).toHaveLength(1);
    expect(
      ganzhou.witnessing.view().neighbours[LIANGZHOU]?.cosigned?.heads.heads.health?.size,
    ).toBe(2);
  });
});
