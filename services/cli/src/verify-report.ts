// What `liandong verify` and `verify-region` tell a person of a log: each finding's kind, where it
// is and why, in Chinese unless English is asked for (`--lang en`). The why is the catalogue's
// (the finding's code and parameters), said here; the JSON keeps them with the words beside.
import type { Label, Lang } from "@liandong/contracts";
import { type SaidWhy, sayWhy } from "@liandong/domain";
import type { Finding, VerifyReport } from "@liandong/runtime";
import { agencyName, countyIn } from "./words.ts";

export const KIND_LABEL: Record<Finding["kind"], Label> = {
  changed: { zh: "内容被篡改", en: "changed payload" },
  removed: { zh: "事件被删除", en: "removed" },
  reordered: { zh: "顺序被调换", en: "reordered" },
  forged: { zh: "伪造", en: "forged" },
  replayed: { zh: "重放", en: "replayed" },
  "broken-link": { zh: "哈希链断裂", en: "broken link" },
  unreadable: { zh: "无法读取", en: "unreadable" },
  unsealed: { zh: "尚未封存", en: "unsealed" },
  "not-published-by-agency": { zh: "非本部门发布", en: "not published by agency" },
  "identity-mismatch": { zh: "身份不一致", en: "identity mismatch" },
  "foreign-county": { zh: "区域外县份", en: "foreign county" },
  "duplicate-id": { zh: "事件编号重复", en: "duplicate id" },
  "missing-checkpoint": { zh: "检查点缺失", en: "missing checkpoint" },
  truncated: { zh: "日志被截断", en: "truncated" },
  forked: { zh: "出现两套历史", en: "forked" },
};

/** A finding, or anything else said by code, with its words in `lang` beside (`detail`), for the JSON. */
export const withDetail = <T extends SaidWhy>(x: T, lang: Lang): T & { detail: string } => ({
  ...x,
  detail: sayWhy(x, lang),
});

/** A county's report with every finding's words in `lang` beside its code, for the JSON. */
export const reportWithDetails = (r: VerifyReport, lang: Lang) => ({
  ...r,
  findings: r.findings.map((f) => withDetail(f, lang)),
  unsealed: r.unsealed.map((f) => withDetail(f, lang)),
});

/** An agency by its name; a finding of an unreadable event may name none. */
const agencyIn = (code: string, lang: Lang) => (code ? agencyName(code, lang) : "?");

/** One finding as a line: its kind, where it is, why. */
export function findingLine(f: Finding, i: number, lang: Lang): string {
  const zh = lang === "zh";
  const where = [
    `${zh ? "部门 " : "agency "}${agencyIn(f.agency, lang)}`,
    `${zh ? "流序号 " : "stream sequence "}${f.seq}`,
    f.eventId ? `${zh ? "事件 " : "event "}${f.eventId}` : undefined,
    f.position !== undefined ? `${zh ? "链位置 " : "chain position "}${f.position}` : undefined,
  ]
    .filter(Boolean)
    .join(zh ? "，" : ", ");
  return `  ${i + 1}. ${KIND_LABEL[f.kind][lang]} — ${where}${zh ? "：" : ": "}${sayWhy(f, lang)}`;
}

/** A county's report as lines, in `lang`. */
export function reportLines(report: VerifyReport, county: string, lang: Lang): string[] {
  const zh = lang === "zh";
  const n = (x: number) => x.toLocaleString(zh ? "zh-CN" : "en");
  const out: string[] = [];
  out.push(zh ? `联动审计校验 — ${countyIn(county)}` : `Liandong audit — county ${county}`);
  out.push(
    zh
      ? `  事件 ${n(report.events)} 条，其中检查点 ${report.checkpoints} 个`
      : `  ${n(report.events)} events, of which ${report.checkpoints} checkpoints`,
  );
  for (const [agency, a] of Object.entries(report.agencies).sort()) {
    out.push(
      zh
        ? `  ${agencyIn(agency, lang)}：事件 ${a.events} 条，已封存 ${a.sealed} 条，检查点 ${a.checkpoints} 个`
        : `  ${agency}: ${a.events} events, ${a.sealed} sealed, ${a.checkpoints} checkpoints`,
    );
  }
  if (report.ok)
    out.push(zh ? "结果：通过 — 日志未被改动" : "Result: passed — the log is unchanged");
  else {
    out.push(
      zh
        ? `结果：发现 ${report.findings.length} 处问题（第一条即第一个问题事件）：`
        : `Result: ${report.findings.length} problems found (the first is the first bad event):`,
    );
    report.findings.slice(0, 50).forEach((f, i) => {
      out.push(findingLine(f, i, lang));
    });
    if (report.findings.length > 50)
      out.push(
        zh
          ? `  ……另有 ${report.findings.length - 50} 处`
          : `  … and ${report.findings.length - 50} more`,
      );
  }
  if (report.unsealed.length > 0)
    out.push(
      zh
        ? `注意：${report.unsealed.length} 条事件在最后一个检查点之后，尚未封存，暂无法证明`
        : `Note: ${report.unsealed.length} events after the last checkpoint are not sealed yet, so not yet provable`,
    );
  return out;
}
