// `liandong`: the county log's auditor's tool. Chinese for people, JSON with --json.
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import {
  AggregateKind,
  AuditHeads,
  AuditKeys,
  DEFAULT_AGENCIES,
  EVENT_TYPE_LABELS,
  headsSigningText,
  type Label,
  officerLabel,
  REFERRAL_STATUS_LABELS,
} from "@liandong/contracts";
import {
  connectBus,
  crossCheck,
  type Finding,
  type LogEntry,
  LogVerifier,
  type VerifyReport,
  verifySignature,
} from "@liandong/runtime";
import { BREAK_GLASS_USAGE, breakGlassCommand } from "./break-glass.ts";
import { BreakGlassLog } from "./break-glass-log.ts";
import { answer, officeClient, UsageError } from "./office-client.ts";
import { OFFICERS_USAGE, officersCommand } from "./officers.ts";
import { readExport, readStream, streamSize } from "./read-log.ts";
import { CrossBorderReferrals } from "./referral-fold.ts";
import { RegionWitnesses, witnessLines } from "./region-witnesses.ts";

export { UsageError };

const USAGE = `用法 usage:
  liandong verify  (--file 导出文件 | --nats URL --seed auditor.nk [--stream EVENTS]) (--keys 公钥文件 | --office URL) [--heads 检查点文件] [--json]
      离线校验全县日志：哈希链、各部门签名检查点与每条事件的封签；发现篡改时指出第一条问题事件；
      列出动用紧急权限的记录（给出 --heads，或用 --office 时取办公室的最新检查点：日志短于已知检查点即为被截断）
  liandong verify-region --log 导出文件:公钥文件 --log 导出文件:公钥文件 … [--json]
      离线校验一个协作区域：各县日志各用本县公钥校验，并核对每县收到的邻县事件
      确为邻县日志中发出的事件（区域协作的跨县移交与线索）；列出各县检查点经哪些邻县
      见证签名，发现县向不同邻县（或向邻县与本县日志）展示两套历史的分叉视图
  liandong export  --nats URL --seed auditor.nk [--stream EVENTS] --out 文件
      把日志导出为 NDJSON，供离线校验（审计身份 auditor 只能读取日志，不能改动）
  liandong keys    --office URL [--out 文件]
      从办公室服务取各部门公钥
  liandong heads   --office URL [--out 文件]
      取办公室签名的各部门最新检查点（日志长度）；审计人员应保存最新的一份，
      日后 verify --heads 该文件即可发现日志被截断或出现两套历史
  liandong trail   <lead|referral|case|informant> <id> --office URL [--token 令牌]
      查看一条转办/案件的全程留痕与校验状态（令牌也可用环境变量 LIANDONG_TOKEN）
${OFFICERS_USAGE}
${BREAK_GLASS_USAGE}
退出码：0 通过，1 发现问题，2 用法或连接错误`;

const KIND_LABEL: Record<Finding["kind"], string> = {
  changed: "内容被篡改 (changed payload)",
  removed: "事件被删除 (removed)",
  reordered: "顺序被调换 (reordered)",
  forged: "伪造 (forged)",
  replayed: "重放 (replayed)",
  "broken-link": "哈希链断裂 (broken link)",
  unreadable: "无法读取 (unreadable)",
  unsealed: "尚未封存 (unsealed)",
  "not-published-by-agency": "非本部门发布 (not published by agency)",
  "identity-mismatch": "身份不一致 (identity mismatch)",
  "foreign-county": "区域外县份 (foreign county)",
  "duplicate-id": "事件编号重复 (duplicate id)",
  "missing-checkpoint": "检查点缺失 (missing checkpoint)",
  truncated: "日志被截断 (truncated)",
  forked: "出现两套历史 (forked)",
};

/** Progress on stderr: rewritten in place on a terminal, a line every few seconds otherwise. */
function progress(total: number | undefined) {
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  let last = 0;
  const line = (n: number) => {
    const s = (performance.now() - started) / 1000;
    const pct = total ? `（${Math.min(100, (100 * n) / total).toFixed(0)}%）` : "";
    const rate = s > 0 ? `，${Math.round(n / s).toLocaleString("zh-CN")} 条/秒` : "";
    return `已校验 ${n.toLocaleString("zh-CN")}${total ? ` / ${total.toLocaleString("zh-CN")}` : ""} 条事件${pct}${rate}`;
  };
  return {
    tick(n: number) {
      const now = performance.now();
      if (now - last < (tty ? 200 : 3000)) return;
      last = now;
      process.stderr.write(tty ? `\r${line(n)}` : `${line(n)}\n`);
    },
    done(n: number) {
      if (n >= 10_000 || last > 0) process.stderr.write(tty ? `\r${line(n)}\n` : `${line(n)}\n`);
    },
  };
}

const officeKeys = async (office: string) =>
  AuditKeys.parse(await answer(`${office}/audit/keys`, officeClient(office).GET("/audit/keys")));

async function loadKeys(values: { keys?: string | undefined; office?: string | undefined }) {
  if (values.keys) return AuditKeys.parse(JSON.parse(readFileSync(values.keys, "utf8")));
  if (values.office) return officeKeys(values.office);
  throw new UsageError("需要各部门公钥：--keys 公钥文件 或 --office URL");
}

async function withBus<T>(
  values: { nats?: string | undefined; seed?: string | undefined; as?: string | undefined },
  f: (nc: Awaited<ReturnType<typeof connectBus>>) => Promise<T>,
): Promise<T> {
  if (!values.nats || !values.seed)
    throw new UsageError("读取总线需要 --nats URL 与 --seed 种子文件");
  const nc = await connectBus({
    servers: values.nats,
    agency: values.as ?? basename(values.seed).replace(/\.nk$/, ""),
    seedFile: values.seed,
    name: "liandong-cli",
    waitOnFirstConnect: false,
  });
  try {
    return await f(nc);
  } finally {
    await nc.close();
  }
}

export function printReport(report: VerifyReport, county: string): void {
  const out: string[] = [];
  out.push(`联动审计校验 — 县 ${county}`);
  out.push(
    `  事件 ${report.events.toLocaleString("zh-CN")} 条，其中检查点 ${report.checkpoints} 个`,
  );
  for (const [agency, a] of Object.entries(report.agencies).sort()) {
    out.push(`  ${agency}：事件 ${a.events} 条，已封存 ${a.sealed} 条，检查点 ${a.checkpoints} 个`);
  }
  if (report.ok) out.push("结果：通过 — 日志未被改动");
  else {
    out.push(`结果：发现 ${report.findings.length} 处问题（第一条即第一个问题事件）：`);
    report.findings.slice(0, 50).forEach((f, i) => {
      const where = [
        `部门 ${f.agency || "?"}`,
        `流序号 ${f.seq}`,
        f.eventId ? `事件 ${f.eventId}` : undefined,
        f.position !== undefined ? `链位置 ${f.position}` : undefined,
      ]
        .filter(Boolean)
        .join("，");
      out.push(`  ${i + 1}. ${KIND_LABEL[f.kind]} — ${where}：${f.detail}`);
    });
    if (report.findings.length > 50) out.push(`  ……另有 ${report.findings.length - 50} 处`);
  }
  if (report.unsealed.length > 0)
    out.push(`注意：${report.unsealed.length} 条事件在最后一个检查点之后，尚未封存，暂无法证明`);
  process.stdout.write(`${out.join("\n")}\n`);
}

/** The office's signed heads, checked with the office's key; refused when they do not verify. */
function checkedHeads(heads: AuditHeads, keys: AuditKeys): AuditHeads {
  const key = keys.agencies.office;
  if (heads.county !== keys.county)
    throw new UsageError(`检查点文件属于县 ${heads.county}，不是 ${keys.county}`);
  if (!key || heads.key !== key || !verifySignature(key, headsSigningText(heads), heads.signature))
    throw new UsageError("检查点文件的签名无法用办公室公钥验证：不可采信");
  return heads;
}

const officeHeads = async (office: string) =>
  AuditHeads.parse(await answer(`${office}/audit/heads`, officeClient(office).GET("/audit/heads")));

async function loadHeads(
  values: { heads?: string | undefined; office?: string | undefined },
  keys: AuditKeys,
): Promise<AuditHeads | undefined> {
  if (values.heads)
    return checkedHeads(AuditHeads.parse(JSON.parse(readFileSync(values.heads, "utf8"))), keys);
  if (values.office) return checkedHeads(await officeHeads(values.office), keys);
  return undefined;
}

async function verify(values: Record<string, string | boolean | undefined>): Promise<number> {
  const keys = await loadKeys(values as { keys?: string; office?: string });
  const heads = await loadHeads(values as { heads?: string; office?: string }, keys);
  const verifier = new LogVerifier({
    keys: keys.agencies,
    county: keys.county,
    neighbours: keys.neighbours ?? [],
    ...(heads ? { heads: heads.heads } : {}),
  });
  const breakGlass = new BreakGlassLog();
  const run = async (entries: AsyncIterable<LogEntry>, total?: number) => {
    const p = progress(total);
    for await (const e of entries) {
      verifier.add(e);
      breakGlass.add(e);
      if ((verifier.events & 1023) === 0) p.tick(verifier.events);
    }
    p.done(verifier.events);
  };
  if (typeof values.file === "string") await run(readExport(values.file));
  else
    await withBus(values as { nats?: string; seed?: string; as?: string }, async (nc) => {
      const stream = typeof values.stream === "string" ? values.stream : undefined;
      await run(readStream(nc, stream), await streamSize(nc, stream));
    });
  const report = verifier.finish();
  if (values.json) process.stdout.write(`${JSON.stringify({ ...report, breakGlass }, null, 2)}\n`);
  else {
    printReport(report, keys.county);
    process.stdout.write(`${breakGlass.lines().join("\n")}\n`);
  }
  // A stream rewritten with no use of the break-glass identity recorded before it: a finding.
  return report.ok && breakGlass.unannounced.length === 0 ? 0 : 1;
}

/**
 * A cooperation region, offline: each county's exported log verified with that county's keys,
 * then what each county holds from a neighbour matched with what the neighbour's log sent.
 */
async function verifyRegion(logs: string[], json: boolean): Promise<number> {
  if (logs.length < 2) throw new UsageError("需要至少两个县：--log 导出文件:公钥文件（可重复）");
  const reports: Record<string, VerifyReport> = {};
  const referrals = new CrossBorderReferrals();
  const witnesses = new RegionWitnesses();
  const keysOf: Record<string, AuditKeys> = {};
  const chains: Record<string, ReturnType<LogVerifier["chains"]>> = {};
  for (const spec of logs) {
    const at = spec.lastIndexOf(":");
    if (at <= 0) throw new UsageError(`--log ${spec}：应为 导出文件:公钥文件`);
    const keys = AuditKeys.parse(JSON.parse(readFileSync(spec.slice(at + 1), "utf8")));
    if (keys.county in reports) throw new UsageError(`县 ${keys.county} 出现了两次`);
    const verifier = new LogVerifier({ keys: keys.agencies, county: keys.county });
    const p = progress(undefined);
    for await (const e of readExport(spec.slice(0, at))) {
      verifier.add(e);
      referrals.add(keys.county, e);
      witnesses.add(e);
      if ((verifier.events & 1023) === 0) p.tick(verifier.events);
    }
    p.done(verifier.events);
    reports[keys.county] = verifier.finish();
    keysOf[keys.county] = keys;
    chains[keys.county] = verifier.chains();
  }
  const across = crossCheck(reports);
  const diverged = referrals.divergences();
  const witnessed = witnesses.report(keysOf, chains);
  const ok =
    across.length === 0 &&
    diverged.length === 0 &&
    witnessed.ok &&
    Object.values(reports).every((r) => r.ok);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ ok, counties: reports, crossCheck: across, diverged, witnesses: witnessed }, null, 2)}\n`,
    );
    return ok ? 0 : 1;
  }
  for (const [county, report] of Object.entries(reports)) {
    printReport(report, county);
    const from = new Map<string, number>();
    for (const e of report.foreign) from.set(e.county, (from.get(e.county) ?? 0) + 1);
    for (const [n, count] of from) process.stdout.write(`  收到邻县 ${n} 的事件 ${count} 条\n`);
    if (report.outbound.length > 0)
      process.stdout.write(`  发往邻县的事件 ${report.outbound.length} 条\n`);
  }
  const lines = [`跨县核对 — ${Object.keys(reports).join("、")}`];
  if (across.length === 0) lines.push("结果：通过 — 各县收到的邻县事件均为邻县日志中发出的事件");
  else {
    lines.push(`结果：发现 ${across.length} 处问题：`);
    across.slice(0, 50).forEach((f, i) => {
      lines.push(
        `  ${i + 1}. ${KIND_LABEL[f.kind]} — 部门 ${f.agency}，流序号 ${f.seq}：${f.detail}`,
      );
    });
  }
  if (diverged.length === 0) lines.push("跨县移交：两县日志折叠出的状态与持有方一致");
  else {
    lines.push(`跨县移交：${diverged.length} 件两县不一致：`);
    for (const d of diverged.slice(0, 50)) {
      const sides = Object.entries(d.counties)
        .map(([c, v]) => `${c}：${v ? `${v.status}，持有 ${v.holder}` : "无"}`)
        .join("；");
      lines.push(`  移交 ${d.referralId} — ${d.detail}（${sides}）`);
    }
  }
  lines.push(...witnessLines(witnessed));
  process.stdout.write(`${lines.join("\n")}\n`);
  return ok ? 0 : 1;
}

async function exportLog(values: Record<string, string | boolean | undefined>): Promise<number> {
  if (typeof values.out !== "string") throw new UsageError("需要 --out 文件");
  const out = createWriteStream(values.out);
  let n = 0;
  await withBus(values as { nats?: string; seed?: string; as?: string }, async (nc) => {
    const stream = typeof values.stream === "string" ? values.stream : undefined;
    const p = progress(await streamSize(nc, stream));
    for await (const e of readStream(nc, stream)) {
      const line = `${JSON.stringify({ seq: e.seq, subject: e.subject, data: Buffer.from(e.bytes).toString("base64"), ...(e.seal ? { seal: e.seal } : {}) })}\n`;
      if (!out.write(line)) await new Promise<void>((r) => out.once("drain", () => r()));
      if ((++n & 1023) === 0) p.tick(n);
    }
    p.done(n);
  });
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  process.stdout.write(`已导出 ${n} 条事件到 ${values.out}\n`);
  return 0;
}

async function headsCommand(values: Record<string, string | boolean | undefined>): Promise<number> {
  if (typeof values.office !== "string") throw new UsageError("需要 --office URL");
  const heads = checkedHeads(await officeHeads(values.office), await officeKeys(values.office));
  const text = `${JSON.stringify(heads, null, 2)}\n`;
  if (typeof values.out === "string") {
    writeFileSync(values.out, text);
    const n = Object.values(heads.heads).reduce((sum, h) => sum + h.size, 0);
    process.stdout.write(
      `已保存县 ${heads.county} 的最新检查点（${Object.keys(heads.heads).length} 个部门，共 ${n} 条已封存事件，${heads.at}）到 ${values.out}\n`,
    );
    if (heads.behind.length > 0)
      process.stdout.write(
        `警告：办公室发现以下部门的日志短于其曾见到的：${heads.behind.join("、")}\n`,
      );
  } else process.stdout.write(text);
  return heads.behind.length > 0 ? 1 : 0;
}

async function keysCommand(values: Record<string, string | boolean | undefined>): Promise<number> {
  if (typeof values.office !== "string") throw new UsageError("需要 --office URL");
  const keys = await officeKeys(values.office);
  const text = `${JSON.stringify(keys, null, 2)}\n`;
  if (typeof values.out === "string") {
    createWriteStream(values.out).end(text);
    process.stdout.write(
      `已保存 ${Object.keys(keys.agencies).length} 个部门的公钥到 ${values.out}\n`,
    );
  } else process.stdout.write(text);
  return 0;
}

/** Labels as a person at a terminal reads them: Chinese (GLOSSARY.md). */
const agencyName = (code: string) => DEFAULT_AGENCIES.find((a) => a.code === code)?.name ?? code;
const shortName = (code: string) => DEFAULT_AGENCIES.find((a) => a.code === code)?.shortName;
const stepName = (type: string) =>
  (EVENT_TYPE_LABELS as Record<string, Label | undefined>)[type]?.zh ?? type;

async function trailCommand(
  positionals: string[],
  values: Record<string, string | boolean | undefined>,
): Promise<number> {
  const [kind, id] = positionals;
  if (!kind || !id || typeof values.office !== "string")
    throw new UsageError("需要 <类型> <id> --office URL");
  const aggregate = AggregateKind.safeParse(kind);
  if (!aggregate.success)
    throw new UsageError(`类型应为 ${AggregateKind.options.join("、")} 之一：${kind}`);
  const token = typeof values.token === "string" ? values.token : process.env.LIANDONG_TOKEN;
  if (!token) throw new UsageError("需要 --token 令牌（或环境变量 LIANDONG_TOKEN）");
  const trail = await answer(
    `${values.office}/trail/${kind}/${id}`,
    officeClient(values.office, token).GET("/trail/{kind}/{id}", {
      params: { path: { kind: aggregate.data, id } },
    }),
  );
  if (values.json) {
    process.stdout.write(`${JSON.stringify(trail, null, 2)}\n`);
    return trail.verification.ok ? 0 : 1;
  }
  const lines = [`留痕 ${trail.aggregate.kind} ${trail.aggregate.id}`];
  const r = trail.referral;
  if (r) {
    const party = (agency: string, county?: string) =>
      `${agencyName(agency)}${county ? `（${county}）` : ""}`;
    lines.push(
      `  状态：${REFERRAL_STATUS_LABELS[r.status].zh}　当前持有：${party(r.holder, r.holderCounty)}　待办方：${r.awaiting ? party(r.awaiting, r.awaitingCounty) : "—"}`,
    );
  }
  for (const s of trail.steps) {
    const what = s.refused ? `${stepName(s.type)}（${s.refused}）` : stepName(s.type);
    lines.push(
      `  #${s.seq}  ${s.time}  ${what.padEnd(10, "　")} ${agencyName(s.agency)}${s.to ? ` → ${agencyName(s.to)}` : ""}  经办人：${officerLabel(s.actor, s.officer, shortName(s.agency))}${s.reason ? `  理由：${s.reason}` : ""}`,
    );
  }
  const v = trail.verification;
  lines.push(
    v.ok
      ? `哈希链校验：通过（${v.checked} 条）`
      : `哈希链校验：失败，流序号 ${v.seq}（${v.reason}）`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
  return v.ok ? 0 : 1;
}

export const usage = () => USAGE;

export async function cli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      file: { type: "string" },
      nats: { type: "string" },
      seed: { type: "string" },
      as: { type: "string" },
      stream: { type: "string" },
      keys: { type: "string" },
      heads: { type: "string" },
      office: { type: "string" },
      token: { type: "string" },
      out: { type: "string" },
      json: { type: "boolean" },
      log: { type: "string", multiple: true },
      reason: { type: "string" },
      subject: { type: "string" },
      config: { type: "string" },
      replicas: { type: "string" },
      agency: { type: "string" },
      name: { type: "string" },
      role: { type: "string" },
      days: { type: "string" },
    },
  });
  const { log, ...single } = values;
  switch (command) {
    case "verify":
      return verify(single);
    case "verify-region":
      return verifyRegion(log ?? [], values.json === true);
    case "export":
      return exportLog(single);
    case "keys":
      return keysCommand(single);
    case "heads":
      return headsCommand(single);
    case "trail":
      return trailCommand(positionals, single);
    case "break-glass":
      return breakGlassCommand(positionals, single);
    case "officers":
      return officersCommand(positionals, single);
    default:
      process.stdout.write(`${USAGE}\n`);
      return command === undefined || command === "help" || command === "--help" ? 0 : 2;
  }
}
