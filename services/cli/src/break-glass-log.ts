import { BreakGlassUsed, parseEventSubject } from "@liandong/contracts";
import type { LogEntry } from "@liandong/runtime";

/** One use of the break-glass identity as the log records it. */
export type BreakGlassSeen = BreakGlassUsed & {
  /** Where the log holds the record (EVENTS stream sequence). */
  streamSeq: number;
  agency: string;
  actor: string;
  time: string;
  eventId: string;
};

const decoder = new TextDecoder();

/**
 * The uses of the break-glass identity a log records (`break-glass.used`), collected while it
 * is verified: told apart by their subject, so the rest of the log is not decoded twice.
 */
export class BreakGlassLog {
  readonly uses: BreakGlassSeen[] = [];

  add(e: LogEntry): void {
    // ld.ev.<county>.<agency>.break-glass.…: a cheap look before parsing the subject.
    if (!e.subject.includes(".break-glass.")) return;
    const s = parseEventSubject(e.subject);
    if (s?.kind !== "break-glass") return;
    try {
      const event = JSON.parse(decoder.decode(e.bytes)) as {
        type?: unknown;
        id?: unknown;
        actor?: unknown;
        time?: unknown;
        data?: unknown;
      };
      if (event.type !== "break-glass.used") return;
      const data = BreakGlassUsed.safeParse(event.data);
      if (!data.success) return;
      this.uses.push({
        ...data.data,
        streamSeq: e.seq,
        agency: s.agency,
        actor: String(event.actor),
        time: String(event.time),
        eventId: String(event.id),
      });
    } catch {
      // Unreadable: the verifier names it.
    }
  }

  /** The uses in Chinese, for the verify report. */
  lines(): string[] {
    if (this.uses.length === 0) return ["紧急权限：日志中无动用记录"];
    return [
      `紧急权限：日志记录了 ${this.uses.length} 次动用（每次均应有审批依据）：`,
      ...this.uses.map(
        (u) =>
          `  流序号 ${u.streamSeq}  ${u.time}  ${u.action}${u.stream ? ` ${u.stream}` : ""}${u.seq !== undefined ? ` 第 ${u.seq} 条` : ""}${u.subject ? ` 主题 ${u.subject}` : ""}  记录人 ${u.actor}（${u.agency}）  理由：${u.reason}`,
      ),
    ];
  }
}
