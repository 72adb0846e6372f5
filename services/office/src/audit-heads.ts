import {
  type AuditCheckpoint,
  type AuditHead,
  type AuditHeads,
  headsSigningText,
} from "@liandong/contracts";
import { type Bucket, type Logger, type Signer, sha256Hex } from "@liandong/runtime";

const STORE_KEY = "audit.heads";

/**
 * The county's latest heads (最新检查点), as the office keeps them: every agency's chain size and
 * the checkpoint that sealed it, taken from checkpoints that verify with the agency's key. What
 * it has seen is kept in its own bucket and only ever grows, so that a log cut short later (its
 * tail, or an agency's last events with the checkpoint that sealed them) shows against it, even
 * after the office rebuilds from that log. Served signed with the office's key.
 */
export class CountyHeads {
  readonly #county: string;
  readonly #kv: Bucket;
  readonly #logger: Logger;
  /** What the log holds now. */
  readonly #log: Record<string, AuditHead> = {};
  /** The most the office has ever seen (its store), the log's included once caught up. */
  #seen: Record<string, AuditHead> = {};
  #caughtUp = false;

  constructor(opts: { county: string; kv: Bucket; logger: Logger }) {
    this.#county = opts.county;
    this.#kv = opts.kv;
    this.#logger = opts.logger;
  }

  async load(): Promise<void> {
    const entry = await this.#kv.get(STORE_KEY);
    if (entry?.operation === "PUT") this.#seen = JSON.parse(new TextDecoder().decode(entry.value));
  }

  /** A checkpoint of this county as stored at `seq`, verified (see `verifiedCheckpoint`). */
  take(
    v: { county: string; checkpoint: AuditCheckpoint },
    bytes: Uint8Array,
    seq: number,
  ): Promise<void> | undefined {
    if (v.county !== this.#county) return undefined;
    const { agency, index, hashes } = v.checkpoint;
    const size = index + hashes.length;
    if (size <= (this.#log[agency]?.size ?? 0)) return undefined;
    this.#log[agency] = { size, checkpoint: sha256Hex(bytes), seq };
    return this.#caughtUp ? this.#keep() : undefined;
  }

  /**
   * By agency: where its latest checkpoint read stands in the log (a snapshot keeps them, so that
   * a start from it reads each agency's checkpoint there and those after the snapshot's cut, not
   * every checkpoint of the log).
   */
  latest(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.#log).map(([a, h]) => [a, h.seq]));
  }

  /** Once the rebuild has read the whole log: what it holds is compared with what was seen. */
  caughtUp(): Promise<void> {
    this.#caughtUp = true;
    const behind = this.behind();
    if (behind.length > 0)
      this.#logger.error(
        { behind, seen: this.#seen, log: this.#log },
        "the county's log holds less than the office saw before: it was cut",
      );
    return this.#keep();
  }

  /** Agencies whose chain in the log is shorter than the office saw. */
  behind(): string[] {
    return Object.keys(this.#seen)
      .filter((a) => (this.#log[a]?.size ?? 0) < this.#seen[a]!.size)
      .sort();
  }

  /** The heads, signed: for each agency the longer of what the log holds and what was seen. */
  signed(signer: Signer, at: Date): AuditHeads {
    const heads: Record<string, AuditHead> = { ...this.#seen };
    for (const [a, h] of Object.entries(this.#log))
      if (h.size >= (heads[a]?.size ?? 0)) heads[a] = h;
    const body = { county: this.#county, at: at.toISOString(), heads, behind: this.behind() };
    return { ...body, key: signer.publicKey, signature: signer.sign(headsSigningText(body)) };
  }

  #keep(): Promise<void> {
    let grew = false;
    for (const [a, h] of Object.entries(this.#log)) {
      if (h.size > (this.#seen[a]?.size ?? 0)) {
        this.#seen[a] = h;
        grew = true;
      }
    }
    if (!grew) return Promise.resolve();
    return this.#kv
      .put(STORE_KEY, JSON.stringify(this.#seen))
      .then(() => undefined)
      .catch((err: unknown) =>
        this.#logger.warn({ err }, "heads not kept; the next checkpoint keeps them"),
      );
  }
}
