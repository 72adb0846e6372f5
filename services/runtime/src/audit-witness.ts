import {
  type AuditHeads,
  agencyLabel,
  cosignatureText,
  countyLabel,
  headsSigningText,
  type Label,
  type WitnessCosignature,
  type WitnessProblem,
} from "@liandong/contracts";
import { type Said, said } from "@liandong/domain";
import { type LogReach, standsBeyond } from "./log-reach.ts";
import { type Signer, verifySignature } from "./signing.ts";

/**
 * Witnessing (见证): the rules a county's neighbours hold its heads to, and what an auditor of the
 * region concludes from their co-signatures. One place for each: the witness's office refuses by
 * `witnessProblem`, `liandong verify` and `liandong verify-region` judge a log by `headInChain`,
 * and two heads disagree by `headsDisagree` wherever they are compared.
 */

/**
 * What a verifier knows of an agency's chain from elsewhere (the office's signed heads, a
 * neighbour's co-signature): its size and the SHA-256 of the checkpoint that sealed up to it.
 */
export type KnownHead = { size: number; checkpoint: string };

/** A checkpoint of an agency's chain as a log holds it: the size it seals up to, and where it stands. */
export type ChainHead = KnownHead & { seq: number };

/** Two heads of one agency that cannot both be true: the same size, another checkpoint. */
export function headsDisagree(a: KnownHead, b: KnownHead): boolean {
  return a.size === b.size && a.checkpoint !== b.checkpoint;
}

/**
 * Why a witness must not co-sign `next` after having co-signed `before` (each agency's latest
 * head it witnessed): an agency's chain shorter than before, or as long with another checkpoint.
 * Undefined when `next` may follow `before`. Agencies in order, the first at fault named.
 */
export function witnessProblem(
  before: Readonly<Record<string, KnownHead>>,
  next: Readonly<Record<string, KnownHead>>,
):
  | (Said & {
      problem: Exclude<WitnessProblem, "not-signed">;
      agency: string;
      before: KnownHead;
    })
  | undefined {
  for (const agency of Object.keys(before).sort()) {
    const was = before[agency]!;
    const now = next[agency];
    if (!now || now.size < was.size)
      return {
        problem: "shrunk",
        agency,
        before: was,
        ...said("witness.shrunk", {
          agency: agencyLabel(agency),
          size: now?.size ?? 0,
          before: was.size,
          checkpoint: was.checkpoint,
        }),
      };
    if (headsDisagree(was, now))
      return {
        problem: "forked",
        agency,
        before: was,
        ...said("witness.forked", {
          agency: agencyLabel(agency),
          size: now.size,
          checkpoint: now.checkpoint,
          before: was.checkpoint,
        }),
      };
  }
  return undefined;
}

/** What a witness has witnessed once it co-signed `next`: each agency's longer head. */
export function witnessedAfter(
  before: Readonly<Record<string, KnownHead>>,
  next: Readonly<Record<string, KnownHead>>,
): Record<string, KnownHead> {
  const after: Record<string, KnownHead> = { ...before };
  for (const [agency, h] of Object.entries(next))
    if (h.size >= (after[agency]?.size ?? 0))
      after[agency] = { size: h.size, checkpoint: h.checkpoint };
  return after;
}

/**
 * A head known from elsewhere (the office's, a neighbour's co-signature) against an agency's
 * chain as a log holds it (its valid checkpoints; `size`, how far they seal): the log's checkpoint
 * at that size; or the log is shorter (`truncated`); or it holds another checkpoint there
 * (`forked`); or none of its checkpoints ends there though it is longer (`unaligned`: another
 * history too, cut into other checkpoints).
 */
export function headInChain(
  chain: readonly ChainHead[],
  size: number,
  head: KnownHead,
):
  | { verdict: "held"; at: ChainHead }
  | { verdict: "truncated" }
  | { verdict: "forked"; at: ChainHead }
  | { verdict: "unaligned" } {
  if (size < head.size) return { verdict: "truncated" };
  const at = chain.find((c) => c.size === head.size);
  if (!at) return { verdict: "unaligned" };
  return at.checkpoint === head.checkpoint ? { verdict: "held", at } : { verdict: "forked", at };
}

/** Co-signs a neighbour's heads with the witness's office key. */
export function cosign(
  signer: Signer,
  witness: string,
  heads: AuditHeads,
  at: Date,
): WitnessCosignature {
  const body = { witness, heads, at: at.toISOString() };
  return { ...body, key: signer.publicKey, signature: signer.sign(cosignatureText(body)) };
}

/**
 * Why a county's heads are not its office's: another county, another key than `officeKey`
 * (undefined: not known), or a signature that does not verify. Undefined when they are.
 */
export function headsProblem(
  heads: AuditHeads,
  county: string,
  officeKey: string | undefined,
): Said | undefined {
  const named = countyLabel(county);
  if (heads.county !== county)
    return said("witness.heads-other-county", { other: countyLabel(heads.county), county: named });
  if (officeKey === undefined) return said("witness.no-office-key", { county: named });
  if (heads.key !== officeKey)
    return said("witness.heads-other-key", { key: heads.key, county: named, expected: officeKey });
  if (!verifySignature(officeKey, headsSigningText(heads), heads.signature))
    return said("witness.heads-signature", { county: named });
  return undefined;
}

/**
 * Why a co-signature is not the witness's of the county's heads: the heads not the county's
 * office's, or the co-signature not the witness's office's. Undefined when both verify.
 */
export function cosignatureProblem(
  c: WitnessCosignature,
  keys: { witness: string | undefined; county: string | undefined },
): Said | undefined {
  const heads = headsProblem(c.heads, c.heads.county, keys.county);
  if (heads) return heads;
  const witness = countyLabel(c.witness);
  if (keys.witness === undefined) return said("witness.no-office-key", { county: witness });
  if (c.key !== keys.witness)
    return said("witness.cosigned-other-key", { key: c.key, witness, expected: keys.witness });
  if (!verifySignature(keys.witness, cosignatureText(c), c.signature))
    return said("witness.cosignature", { witness });
  return undefined;
}

/** One agency's head as a neighbour co-signed it. */
export type WitnessedHead = KnownHead & {
  county: string;
  agency: string;
  witness: string;
  /** When the witness co-signed it (its first co-signature of it). */
  at: string;
  /** Where its checkpoint stands in the county's EVENTS stream, as the county's heads say. */
  seq: number;
};

/** Counties named one after another, as a person reads a list of them. */
const countiesLabel = (codes: readonly string[]): Label => ({
  zh: codes.map((c) => countyLabel(c).zh).join("、"),
  en: codes.map((c) => countyLabel(c).en).join(", "),
});

/**
 * A county that showed two histories (分叉视图, a split view): a head a neighbour co-signed that
 * another neighbour's co-signature, or the county's own log, contradicts. `checkpoint` is the
 * one witnessed; `other` what contradicts it; why, as the catalogue says it (`witness.split-*`).
 */
export type SplitView = Said & {
  county: string;
  agency: string;
  size: number;
  checkpoint: string;
  witnesses: string[];
  other:
    | { by: "witness"; witnesses: string[]; checkpoint: string }
    | { by: "log"; verdict: "forked"; checkpoint: string; seq: number }
    | { by: "log"; verdict: "truncated" | "unaligned"; size: number };
};

/**
 * The split views among the heads neighbours co-signed: two co-signed heads of one agency that
 * disagree, and co-signed heads the county's own log does not hold (`logs`: each county's
 * chains, by agency, where its log was given; a county without one is judged by its witnesses
 * alone). A head that stands beyond its county's log (`reach`, by county: `standsBeyond`) is
 * not held against the log. Each contradiction named once, by county, agency and size.
 */
export function splitViews(
  witnessed: readonly WitnessedHead[],
  logs: Readonly<Record<string, Readonly<Record<string, readonly ChainHead[]>>>>,
  reach: Readonly<Record<string, LogReach>> = {},
): SplitView[] {
  // Distinct heads, each with who co-signed it.
  const heads = new Map<string, WitnessedHead & { witnesses: Set<string> }>();
  for (const w of witnessed) {
    const key = `${w.county} ${w.agency} ${w.size} ${w.checkpoint}`;
    const h = heads.get(key);
    if (h) h.witnesses.add(w.witness);
    else heads.set(key, { ...w, witnesses: new Set([w.witness]) });
  }
  const found: SplitView[] = [];
  const bySize = new Map<string, (WitnessedHead & { witnesses: Set<string> })[]>();
  for (const h of heads.values()) {
    const key = `${h.county} ${h.agency} ${h.size}`;
    bySize.set(key, [...(bySize.get(key) ?? []), h]);
  }
  for (const same of bySize.values()) {
    const [first, ...others] = same;
    for (const o of others) {
      if (!headsDisagree(first!, o)) continue;
      found.push({
        county: first!.county,
        agency: first!.agency,
        size: first!.size,
        checkpoint: first!.checkpoint,
        witnesses: [...first!.witnesses].sort(),
        other: { by: "witness", witnesses: [...o.witnesses].sort(), checkpoint: o.checkpoint },
        ...said("witness.split-by-witness", {
          witnesses: countiesLabel([...first!.witnesses].sort()),
          checkpoint: first!.checkpoint,
          size: first!.size,
          others: countiesLabel([...o.witnesses].sort()),
          other: o.checkpoint,
        }),
      });
    }
  }
  for (const h of heads.values()) {
    const log = logs[h.county];
    if (!log || h.size === 0 || standsBeyond(h, reach[h.county])) continue;
    const chain = log[h.agency] ?? [];
    const size = chain.reduce((m, c) => Math.max(m, c.size), 0);
    const v = headInChain(chain, size, h);
    if (v.verdict === "held") continue;
    const witnesses = [...h.witnesses].sort();
    const base = {
      county: h.county,
      agency: h.agency,
      size: h.size,
      checkpoint: h.checkpoint,
      witnesses,
    };
    const said_ = {
      witnesses: countiesLabel(witnesses),
      checkpoint: h.checkpoint,
      size: h.size,
      county: countyLabel(h.county),
    };
    if (v.verdict === "forked")
      found.push({
        ...base,
        other: { by: "log", verdict: "forked", checkpoint: v.at.checkpoint, seq: v.at.seq },
        ...said("witness.split-forked", { ...said_, other: v.at.checkpoint, seq: v.at.seq }),
      });
    else
      found.push({
        ...base,
        other: { by: "log", verdict: v.verdict, size },
        ...(v.verdict === "truncated"
          ? said("witness.split-truncated", {
              ...said_,
              sealed: size,
              agency: agencyLabel(h.agency),
            })
          : said("witness.split-unaligned", said_)),
      });
  }
  return found;
}
