import {
  type AuditKeys,
  countyLabel,
  type Lang,
  parseEvent,
  parseEventSubject,
  type WitnessCosignature,
  type WitnessRefusal,
} from "@liandong/contracts";
import { isRefusalCode, type SaidWhy, said, say, sayWhy } from "@liandong/domain";
import {
  type ChainHead,
  cosignatureProblem,
  type LogEntry,
  type LogReach,
  type SplitView,
  splitViews,
  standsBeyond,
  type WitnessedHead,
} from "@liandong/runtime";
import { agencyName, chinaTime, countyIn, neighbourIn } from "./words.ts";

/** Neighbouring counties in a sentence: 邻县凉州区（620602）、邻县肃州区（620902）. */
const neighbours = (codes: readonly string[]) => codes.map((c) => neighbourIn(c)).join("、");

/** One neighbour's witnessing of a county: the distinct heads it co-signed, by agency, and its refusals. */
export type WitnessedBy = {
  cosignatures: number;
  /** When it last co-signed. */
  last?: string | undefined;
  heads: Record<string, { size: number; checkpoint: string; at: string }[]>;
  refused: Pick<WitnessRefusal, "at" | "problem" | "agency" | "detail" | "code" | "params">[];
};

export type RegionWitnessReport = {
  ok: boolean;
  /** By county: how far its log seals each agency's chain, and what each neighbour co-signed of it. */
  counties: Record<
    string,
    { log: Record<string, { size: number; checkpoint: string }>; by: Record<string, WitnessedBy> }
  >;
  /** Heads co-signed that another neighbour's co-signature, or the county's own log, contradicts. */
  splitViews: SplitView[];
  /** Co-signatures that are not the witness's of the county's heads: named, not counted. */
  invalid: (SaidWhy & { witness: string; county: string; eventId: string })[];
  /**
   * Heads co-signed whose checkpoint stands beyond the county's log as given (written after it
   * was read): not held against it. Each once, with who co-signed it and where the log ends.
   */
  pending: {
    county: string;
    agency: string;
    size: number;
    checkpoint: string;
    seq: number;
    witnesses: string[];
    lastSeq: number;
  }[];
};

type Found<T> = { id: string; publishedBy: string; data: T };

/**
 * The witness exchange (见证) as a region's exported logs hold it: every co-signature and refusal
 * a county's office published (in its own log, and copied into its neighbour's), each taken once.
 */
export class RegionWitnesses {
  readonly #cosigned = new Map<string, Found<WitnessCosignature>>();
  readonly #refused = new Map<string, Found<WitnessRefusal>>();

  /** One entry of a county's exported log, in any order. */
  add(e: LogEntry): void {
    if (parseEventSubject(e.subject)?.kind !== "witness") return;
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(e.bytes).toString("utf8"));
    } catch {
      return; // unreadable: the log's verification names it
    }
    const parsed = parseEvent(raw);
    if (!parsed.ok) return;
    const ev = parsed.event;
    if (ev.type === "witness.cosigned")
      this.#cosigned.set(ev.id, { id: ev.id, publishedBy: ev.county, data: ev.data });
    else if (ev.type === "witness.refused")
      this.#refused.set(ev.id, { id: ev.id, publishedBy: ev.county, data: ev.data });
  }

  /**
   * What each county's neighbours co-signed, checked with the counties' office keys (`keys`, by
   * county), against each county's chains as its log holds them (`LogVerifier.chains`), as far
   * as its log reaches (`reach`, by county: `standsBeyond`).
   * Co-signatures of or by a county whose keys were not given are not judged.
   */
  report(
    keys: Readonly<Record<string, AuditKeys>>,
    chains: Readonly<Record<string, Record<string, ChainHead[]>>>,
    reach: Readonly<Record<string, LogReach>> = {},
  ): RegionWitnessReport {
    const counties: RegionWitnessReport["counties"] = {};
    for (const [county, chain] of Object.entries(chains)) {
      const log: Record<string, { size: number; checkpoint: string }> = {};
      for (const [agency, c] of Object.entries(chain)) {
        const last = c.at(-1);
        if (last) log[agency] = { size: last.size, checkpoint: last.checkpoint };
      }
      counties[county] = { log, by: {} };
    }
    const by = (county: string, witness: string): WitnessedBy => {
      counties[county] ??= { log: {}, by: {} };
      const w = counties[county].by;
      w[witness] ??= { cosignatures: 0, heads: {}, refused: [] };
      return w[witness];
    };
    const witnessed: WitnessedHead[] = [];
    const invalid: RegionWitnessReport["invalid"] = [];
    const byTime = <T extends { data: { at: string } }>(xs: Iterable<T>) =>
      [...xs].sort((a, b) => a.data.at.localeCompare(b.data.at));
    for (const c of byTime(this.#cosigned.values())) {
      const { witness, heads } = c.data;
      const county = heads.county;
      if (!(county in keys) || !(witness in keys)) continue;
      const problem =
        witness !== c.publishedBy
          ? said("witness.published-by-other", {
              publisher: countyLabel(c.publishedBy),
              witness: countyLabel(witness),
            })
          : cosignatureProblem(c.data, {
              witness: keys[witness]!.agencies.office,
              county: keys[county]!.agencies.office,
            });
      if (problem) {
        invalid.push({ witness, county, eventId: c.id, ...problem });
        continue;
      }
      const w = by(county, witness);
      w.cosignatures++;
      w.last = c.data.at;
      for (const [agency, h] of Object.entries(heads.heads)) {
        witnessed.push({
          county,
          agency,
          witness,
          size: h.size,
          checkpoint: h.checkpoint,
          at: c.data.at,
          seq: h.seq,
        });
        w.heads[agency] ??= [];
        const list = w.heads[agency];
        if (!list.some((x) => x.size === h.size && x.checkpoint === h.checkpoint))
          list.push({ size: h.size, checkpoint: h.checkpoint, at: c.data.at });
      }
    }
    for (const r of byTime(this.#refused.values())) {
      const { witness, heads } = r.data;
      if (!(heads.county in keys) || witness !== r.publishedBy) continue;
      const { at, problem, agency, detail, code, params } = r.data;
      by(heads.county, witness).refused.push({
        at,
        problem,
        ...(agency ? { agency } : {}),
        detail,
        ...(code !== undefined ? { code } : {}),
        ...(params !== undefined ? { params } : {}),
      });
    }
    for (const c of Object.values(counties))
      for (const w of Object.values(c.by))
        for (const list of Object.values(w.heads)) list.sort((a, b) => a.size - b.size);
    const split = splitViews(witnessed, chains, reach);
    const pending = new Map<string, RegionWitnessReport["pending"][number]>();
    for (const h of witnessed) {
      const end = reach[h.county];
      if (end === undefined || !standsBeyond(h, end)) continue;
      const key = `${h.county} ${h.agency} ${h.size} ${h.checkpoint}`;
      const p = pending.get(key);
      if (p) {
        if (!p.witnesses.includes(h.witness)) p.witnesses.push(h.witness);
      } else
        pending.set(key, {
          county: h.county,
          agency: h.agency,
          size: h.size,
          checkpoint: h.checkpoint,
          seq: h.seq,
          witnesses: [h.witness],
          lastSeq: end.lastSeq,
        });
    }
    const refusals = Object.values(counties).some((c) =>
      Object.values(c.by).some((w) => w.refused.length > 0),
    );
    return {
      ok: split.length === 0 && invalid.length === 0 && !refusals,
      counties,
      splitViews: split,
      invalid,
      pending: [...pending.values()],
    };
  }
}

const PROBLEM_LABEL: Record<WitnessRefusal["problem"], { zh: string; en: string }> = {
  "not-signed": {
    zh: "检查点清单不是该县办公室签发的",
    en: "the heads are not signed by the county's office",
  },
  shrunk: { zh: "日志比已见证的短", en: "the log is shorter than witnessed (shrunk)" },
  forked: {
    zh: "同一长度出现另一个检查点",
    en: "another checkpoint at a size witnessed (forked)",
  },
};

const short = (hash: string) => hash.slice(0, 16);

/**
 * Why a neighbour refused, in `lang`: from its code and parameters where the record keeps them,
 * else its words as recorded.
 */
function refusedWhy(x: WitnessedBy["refused"][number], lang: Lang): string {
  if (x.code === undefined || x.params === undefined || !isRefusalCode(x.code)) return x.detail;
  return say({ code: x.code, params: x.params }, lang);
}

/** Why a split view contradicts what a neighbour co-signed, as a person reads it. */
function contradiction(s: SplitView, lang: Lang): string {
  const o = s.other;
  if (lang === "en") {
    if (o.by === "witness")
      return `while ${o.witnesses.join(", ")} co-signed another checkpoint ${o.checkpoint}`;
    if (o.verdict === "forked")
      return `while the county's log holds another checkpoint ${o.checkpoint} at that size (stream sequence ${o.seq})`;
    if (o.verdict === "truncated")
      return `while the county's log seals only up to ${o.size}, shorter than witnessed`;
    return `while no checkpoint of the county's log ends at that size (it seals up to ${o.size}): another history`;
  }
  if (o.by === "witness")
    return `${neighbours(o.witnesses)} 见证签名的却是另一个检查点 ${o.checkpoint}`;
  if (o.verdict === "forked")
    return `而本县日志在该长度处是另一个检查点 ${o.checkpoint}（流序号 ${o.seq}）`;
  if (o.verdict === "truncated") return `而本县日志只封存到长度 ${o.size}，短于已见证的长度`;
  return `而本县日志没有在该长度处结束的检查点（日志封存到长度 ${o.size}），是另一套历史`;
}

/** The report for `liandong verify-region`, in Chinese unless English is asked for. */
export function witnessLines(r: RegionWitnessReport, lang: Lang = "zh"): string[] {
  const zh = lang === "zh";
  const lines = [
    zh
      ? "邻县见证 — 各县检查点经邻县见证签名的情况（时间为北京时间）"
      : "Witnessing — each county's checkpoints as its neighbours co-signed them",
  ];
  for (const [county, c] of Object.entries(r.counties)) {
    const witnesses = Object.entries(c.by);
    if (witnesses.length === 0) {
      lines.push(
        zh
          ? `  ${countyIn(county)}：尚无邻县见证签名`
          : `  county ${county}: no neighbour has co-signed yet`,
      );
      continue;
    }
    lines.push(zh ? `  ${countyIn(county)}：` : `  county ${county}:`);
    for (const [witness, w] of witnesses) {
      if (w.cosignatures > 0) {
        lines.push(
          zh
            ? `    ${neighbourIn(witness)} 见证签名 ${w.cosignatures} 次，最近一次 ${w.last ? chinaTime(w.last) : "—"}`
            : `    neighbour ${witness} co-signed ${w.cosignatures} times, last at ${w.last}`,
        );
        for (const [agency, heads] of Object.entries(w.heads).sort()) {
          const latest = heads.at(-1)!;
          const own = c.log[agency];
          const sizes = heads.map((h) => h.size);
          lines.push(
            zh
              ? `      ${agencyName(agency)}：已见证至长度 ${latest.size}（检查点 ${short(latest.checkpoint)}…），共见证 ${heads.length} 个检查点（长度 ${sizes.join("、")}）；本县日志长度 ${own?.size ?? 0}`
              : `      ${agency}: witnessed up to ${latest.size} (checkpoint ${short(latest.checkpoint)}…), ${heads.length} checkpoints witnessed (sizes ${sizes.join(", ")}); the county's log: ${own?.size ?? 0}`,
          );
        }
      }
      for (const x of w.refused)
        lines.push(
          zh
            ? `    ${neighbourIn(witness)} 拒绝见证（${chinaTime(x.at)}）：${PROBLEM_LABEL[x.problem].zh}${x.agency ? `，${agencyName(x.agency)}` : ""} — ${refusedWhy(x, lang)}`
            : `    neighbour ${witness} refused to witness (${x.at}): ${PROBLEM_LABEL[x.problem].en}${x.agency ? `, agency ${x.agency}` : ""} — ${refusedWhy(x, lang)}`,
        );
    }
  }
  for (const x of r.pending)
    lines.push(
      zh
        ? `  尚待核对：${countyIn(x.county)} ${agencyName(x.agency)} 长度 ${x.size} 的检查点（流序号 ${x.seq}）经${neighbours(x.witnesses)} 见证，但在该县导出之后才写入（导出只到流序号 ${x.lastSeq}）— 不是问题，重新导出该县日志即可核对`
        : `  Pending: county ${x.county}'s checkpoint of ${x.agency} at ${x.size} (stream sequence ${x.seq}), witnessed by ${x.witnesses.join(", ")}, was written after the county's export was taken (it reaches stream sequence ${x.lastSeq}) — not a problem: export that county's log again to check it`,
    );
  for (const x of r.invalid)
    lines.push(
      zh
        ? `  无效的见证签名：${neighbourIn(x.witness)} 对${countyIn(x.county)}，事件 ${x.eventId}：${sayWhy(x, lang)}`
        : `  Invalid co-signature: neighbour ${x.witness} of county ${x.county}, event ${x.eventId}: ${sayWhy(x, lang)}`,
    );
  if (r.splitViews.length === 0)
    lines.push(
      r.ok
        ? zh
          ? "结果：通过 — 未发现县向邻县展示两套历史（分叉视图）"
          : "Result: passed — no county showed its neighbours two histories (split view)"
        : zh
          ? "结果：未发现分叉视图，但有拒绝见证或无效的见证签名（见上）"
          : "Result: no split view, but refusals to witness or invalid co-signatures (above)",
    );
  else {
    lines.push(
      zh
        ? `结果：发现 ${r.splitViews.length} 处分叉视图（split view）— 县向邻县展示了两套历史：`
        : `Result: ${r.splitViews.length} split views — a county showed its neighbours two histories:`,
    );
    r.splitViews.forEach((s, i) => {
      lines.push(
        zh
          ? `  ${i + 1}. ${countyIn(s.county)} ${agencyName(s.agency)} 长度 ${s.size}：${neighbours(s.witnesses)} 见证签名的检查点 ${s.checkpoint}，${contradiction(s, lang)}`
          : `  ${i + 1}. county ${s.county}, agency ${s.agency}, size ${s.size}: ${s.witnesses.join(", ")} co-signed checkpoint ${s.checkpoint}, ${contradiction(s, lang)}`,
      );
    });
  }
  return lines;
}
