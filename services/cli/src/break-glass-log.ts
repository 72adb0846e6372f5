import {
  BREAK_GLASS_ACTION_LABELS,
  BreakGlassObserved,
  BreakGlassUsed,
  EVENT_TYPE_LABELS,
  type Lang,
  parseEventSubject,
} from "@liandong/contracts";
import type { LogEntry } from "@liandong/runtime";
import { agencyName, chinaTime } from "./words.ts";

/** Where and by whom a break-glass event was recorded. */
type Recorded = {
  /** Where the log holds the record (EVENTS stream sequence). */
  streamSeq: number;
  agency: string;
  actor: string;
  time: string;
  eventId: string;
};

/** One use of the break-glass identity as the log records it, announced before it was used. */
export type BreakGlassSeen = BreakGlassUsed & Recorded;
/** One rewrite of a stream the office saw carried out. */
export type RewriteSeen = BreakGlassObserved & Recorded;

const decoder = new TextDecoder();

/**
 * What a log records of the break-glass identity (`break-glass.used`, `break-glass.observed`),
 * collected while it is verified: told apart by their subject, so that the rest of the log is
 * not decoded twice. A rewrite observed without an announcement was made with the break-glass
 * identity directly, bypassing `liandong break-glass`: a finding.
 */
export class BreakGlassLog {
  readonly used: BreakGlassSeen[] = [];
  readonly observed: RewriteSeen[] = [];

  add(e: LogEntry): void {
    // ld.ev.<county>.<agency>.break-glass.…: a cheap look before parsing the subject.
    if (!e.subject.includes(".break-glass.")) return;
    const s = parseEventSubject(e.subject);
    if (s?.kind !== "break-glass") return;
    let event: { type?: unknown; id?: unknown; actor?: unknown; time?: unknown; data?: unknown };
    try {
      event = JSON.parse(decoder.decode(e.bytes));
    } catch {
      return; // Unreadable: the verifier names it.
    }
    const recorded: Recorded = {
      streamSeq: e.seq,
      agency: s.agency,
      actor: String(event.actor),
      time: String(event.time),
      eventId: String(event.id),
    };
    if (event.type === "break-glass.used") {
      const data = BreakGlassUsed.safeParse(event.data);
      if (data.success) this.used.push({ ...data.data, ...recorded });
    } else if (event.type === "break-glass.observed") {
      const data = BreakGlassObserved.safeParse(event.data);
      if (data.success) this.observed.push({ ...data.data, ...recorded });
    }
  }

  /** Rewrites carried out with no use recorded before them. */
  get unannounced(): RewriteSeen[] {
    const used = new Set(this.used.map((u) => u.eventId));
    return this.observed.filter((o) => !o.announced || !used.has(o.announced));
  }

  toJSON() {
    return { used: this.used, observed: this.observed, unannounced: this.unannounced };
  }

  /** What the log says of the break-glass identity, in Chinese, for the verify report. */
  lines(lang: Lang = "zh"): string[] {
    const zh = lang === "zh";
    const label = EVENT_TYPE_LABELS["break-glass.used"][lang];
    const out =
      this.used.length === 0
        ? [zh ? `紧急权限：日志中无${label}的记录` : `Break-glass: none used, says the log`]
        : [
            zh
              ? `紧急权限：日志记录了 ${this.used.length} 次${label}（时间为北京时间）：`
              : `Break-glass uses recorded on the log: ${this.used.length}`,
            ...this.used.map((u) =>
              zh
                ? `  流序号 ${u.streamSeq}  ${chinaTime(u.time)}  ${BREAK_GLASS_ACTION_LABELS[u.action].zh}${u.stream ? ` ${u.stream}` : ""}${u.seq !== undefined ? ` 第 ${u.seq} 条` : ""}${u.subject ? ` 主题 ${u.subject}` : ""}  记录人 ${u.actor}（${agencyName(u.agency)}）  理由：${u.reason}`
                : `  stream sequence ${u.streamSeq}  ${u.time}  ${BREAK_GLASS_ACTION_LABELS[u.action].en}${u.stream ? ` ${u.stream}` : ""}${u.seq !== undefined ? ` message ${u.seq}` : ""}${u.subject ? ` subject ${u.subject}` : ""}  recorded by ${u.actor} (${u.agency})  reason: ${u.reason}`,
            ),
          ];
    if (this.observed.length > 0)
      out.push(
        zh
          ? `监测到改写流 ${this.observed.length} 次（办公室记录服务器执行的每一次删除、清空、改配置）`
          : `${this.observed.length} stream rewrites observed (the office records every deletion, purge and reconfiguration the servers carry out)`,
      );
    const bypassed = this.unannounced;
    if (bypassed.length > 0) {
      out.push(
        zh
          ? `问题：${bypassed.length} 次改写流之前日志中没有动用紧急权限的记录（绕过了 liandong break-glass）：`
          : `Problem: ${bypassed.length} stream rewrites with no break-glass use on the log before them (liandong break-glass bypassed):`,
      );
      for (const o of bypassed)
        out.push(
          zh
            ? `  流序号 ${o.streamSeq}  ${chinaTime(o.time)}  ${o.api} ${o.stream}  调用者 ${o.key}  服务器 ${o.server}`
            : `  stream sequence ${o.streamSeq}  ${o.time}  ${o.api} ${o.stream}  caller ${o.key}  server ${o.server}`,
        );
    }
    return out;
  }
}
