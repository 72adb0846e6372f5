// `liandong`: the county log's auditor's tool. Chinese for people, JSON with --json.
import { closeSync, createWriteStream, openSync, readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import {
  AggregateKind,
  AuditHeads,
  AuditKeys,
  headsSigningText,
  type Lang,
  REFERRAL_STATUS_LABELS,
  refusalKindLabel,
  stepReasonLabel,
} from "@liandong/contracts";
import {
  connectBus,
  crossCheck,
  type LogEntry,
  LogVerifier,
  type VerifyReport,
  verifySignature,
} from "@liandong/runtime";
import { Command, CommanderError, Option } from "commander";
import cliPackage from "../package.json" with { type: "json" };
import { breakGlassCommand } from "./break-glass.ts";
import { BreakGlassLog } from "./break-glass-log.ts";
import { tlsOption, tlsRefused } from "./bus-tls.ts";
import { certsCommand } from "./certs.ts";
import { answer, CommandFailed, officeClient, seedRefused, UsageError } from "./office-client.ts";
import { officersCommand } from "./officers.ts";
import { readExport, readStream, streamSize } from "./read-log.ts";
import { CrossBorderReferrals } from "./referral-fold.ts";
import { RegionWitnesses, witnessLines } from "./region-witnesses.ts";
import { findingLine, reportLines, reportWithDetails, withDetail } from "./verify-report.ts";
import {
  agencyName,
  chinaTime,
  countyIn,
  kindName,
  langOf,
  neighbourIn,
  officerName,
  stepName,
  word,
} from "./words.ts";

export { CommandFailed, UsageError };

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

/** A file the command was given, or CommandFailed naming it. */
function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new CommandFailed(`无法读取 ${file}：${(err as Error).message}`);
  }
}

const officeKeys = async (office: string) =>
  AuditKeys.parse(await answer(`${office}/audit/keys`, officeClient(office).GET("/audit/keys")));

async function loadKeys(values: { keys?: string | undefined; office?: string | undefined }) {
  if (values.keys) return AuditKeys.parse(JSON.parse(readText(values.keys)));
  if (values.office) return officeKeys(values.office);
  throw new UsageError("需要各部门公钥：--keys 公钥文件 或 --office URL");
}

/** The log is read with the auditor's identity: another seed is refused by the bus. */
const READS_LOG = "auditor.nk（审计身份，只读日志）";

async function withBus<T>(
  values: { nats?: string | undefined; seed?: string | undefined; as?: string | undefined },
  f: (nc: Awaited<ReturnType<typeof connectBus>>) => Promise<T>,
): Promise<T> {
  if (!values.nats || !values.seed)
    throw new UsageError("读取总线需要 --nats URL 与 --seed 种子文件（auditor.nk）");
  const seed = values.seed;
  try {
    readFileSync(seed);
  } catch (err) {
    throw new CommandFailed(`无法读取种子文件 ${seed}：${(err as Error).message}`);
  }
  const nc = await connectBus({
    servers: values.nats,
    agency: values.as ?? basename(seed).replace(/\.nk$/, ""),
    seedFile: seed,
    name: "liandong-cli",
    waitOnFirstConnect: false,
    ...tlsOption(values),
  }).catch((err: unknown) => {
    throw tlsRefused(seedRefused(err, seed, READS_LOG));
  });
  try {
    return await f(nc);
  } catch (err) {
    throw seedRefused(err, seed, READS_LOG);
  } finally {
    await nc.close();
  }
}

/** Opens `--out` for writing before anything is fetched: a file that cannot be written fails first. */
function writable(file: string): void {
  try {
    closeSync(openSync(file, "a"));
  } catch (err) {
    throw new CommandFailed(`无法写入 ${file}：${(err as Error).message}`);
  }
}

/** Writes `text` to `file`, or fails saying so (never "已保存" with nothing written). */
function save(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new CommandFailed(`无法写入 ${file}：${(err as Error).message}`);
  }
}

export function printReport(report: VerifyReport, county: string, lang: Lang = "zh"): void {
  process.stdout.write(`${reportLines(report, county, lang).join("\n")}\n`);
}

/** The office's signed heads, checked with the office's key; refused when they do not verify. */
function checkedHeads(heads: AuditHeads, keys: AuditKeys): AuditHeads {
  const key = keys.agencies.office;
  if (heads.county !== keys.county)
    throw new UsageError(`检查点文件属于${countyIn(heads.county)}，不是${countyIn(keys.county)}`);
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
  if (values.heads) return checkedHeads(AuditHeads.parse(JSON.parse(readText(values.heads))), keys);
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
  const lang = langOf(values);
  if (values.json)
    process.stdout.write(
      `${JSON.stringify({ ...reportWithDetails(report, lang), breakGlass }, null, 2)}\n`,
    );
  else {
    printReport(report, keys.county, lang);
    process.stdout.write(`${breakGlass.lines(lang).join("\n")}\n`);
  }
  // A stream rewritten with no use of the break-glass identity recorded before it: a finding.
  return report.ok && breakGlass.unannounced.length === 0 ? 0 : 1;
}

/**
 * A cooperation region, offline: each county's exported log verified with that county's keys,
 * then what each county holds from a neighbour matched with what the neighbour's log sent.
 */
async function verifyRegion(logs: string[], json: boolean, lang: Lang): Promise<number> {
  const zh = lang === "zh";
  if (logs.length < 2) throw new UsageError("需要至少两个县：--log 导出文件:公钥文件（可重复）");
  const reports: Record<string, VerifyReport> = {};
  const referrals = new CrossBorderReferrals();
  const witnesses = new RegionWitnesses();
  const keysOf: Record<string, AuditKeys> = {};
  const chains: Record<string, ReturnType<LogVerifier["chains"]>> = {};
  const takenAt: Record<string, string> = {};
  for (const spec of logs) {
    const at = spec.lastIndexOf(":");
    if (at <= 0) throw new UsageError(`--log ${spec}：应为 导出文件:公钥文件`);
    const keys = AuditKeys.parse(JSON.parse(readFileSync(spec.slice(at + 1), "utf8")));
    if (keys.county in reports) throw new UsageError(`${countyIn(keys.county)} 出现了两次`);
    const verifier = new LogVerifier({ keys: keys.agencies, county: keys.county });
    const p = progress(undefined);
    const taken: { at?: string } = {};
    for await (const e of readExport(spec.slice(0, at), taken)) {
      verifier.add(e);
      referrals.add(keys.county, e);
      witnesses.add(e);
      if ((verifier.events & 1023) === 0) p.tick(verifier.events);
    }
    p.done(verifier.events);
    reports[keys.county] = verifier.finish();
    keysOf[keys.county] = keys;
    chains[keys.county] = verifier.chains();
    if (taken.at) takenAt[keys.county] = taken.at;
  }
  // What a county wrote after its own export was taken may stand in a neighbour's, taken later:
  // pending, not a finding (the exports were taken at two moments).
  const reach = Object.fromEntries(
    Object.entries(reports).map(([c, r]) => [c, { lastSeq: r.lastSeq, takenAt: takenAt[c] }]),
  );
  const { findings: across, pending } = crossCheck(reports, {
    keys: Object.fromEntries(Object.entries(keysOf).map(([c, k]) => [c, k.agencies])),
    takenAt,
  });
  const { diverged, pending: lagging } = referrals.divergences(new Set(pending.map((e) => e.hash)));
  const witnessed = witnesses.report(keysOf, chains, reach);
  const ok =
    across.length === 0 &&
    diverged.length === 0 &&
    witnessed.ok &&
    Object.values(reports).every((r) => r.ok);
  if (json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          ok,
          counties: Object.fromEntries(
            Object.entries(reports).map(([c, r]) => [c, reportWithDetails(r, lang)]),
          ),
          crossCheck: across.map((f) => withDetail(f, lang)),
          pending: pending.map((e) => withDetail(e, lang)),
          diverged,
          lagging,
          witnesses: {
            ...witnessed,
            splitViews: witnessed.splitViews.map((v) => withDetail(v, lang)),
            invalid: witnessed.invalid.map((x) => withDetail(x, lang)),
          },
        },
        null,
        2,
      )}\n`,
    );
    return ok ? 0 : 1;
  }
  for (const [county, report] of Object.entries(reports)) {
    printReport(report, county, lang);
    const from = new Map<string, number>();
    for (const e of report.foreign) from.set(e.county, (from.get(e.county) ?? 0) + 1);
    for (const [n, count] of from)
      process.stdout.write(
        zh
          ? `  收到${neighbourIn(n)} 的事件 ${count} 条\n`
          : `  ${count} events received from ${n}\n`,
      );
    if (report.outbound.length > 0)
      process.stdout.write(
        zh
          ? `  发往邻县的事件 ${report.outbound.length} 条\n`
          : `  ${report.outbound.length} events sent to neighbours\n`,
      );
  }
  const names = Object.keys(reports);
  const lines = [
    zh
      ? `跨县核对 — ${names.map((c) => countyIn(c)).join("、")}`
      : `Across the line — ${names.join(", ")}`,
  ];
  if (across.length === 0)
    lines.push(
      zh
        ? "结果：通过 — 各县收到的邻县事件均为邻县日志中发出的事件"
        : "Result: passed — every event a county holds from a neighbour is one the neighbour's log sent",
    );
  else {
    lines.push(
      zh ? `结果：发现 ${across.length} 处问题：` : `Result: ${across.length} problems found:`,
    );
    across.slice(0, 50).forEach((f, i) => {
      lines.push(findingLine(f, i, lang));
    });
  }
  const late = new Map<string, number>();
  for (const e of pending) {
    const key = `${e.heldBy} ${e.county}`;
    late.set(key, (late.get(key) ?? 0) + 1);
  }
  for (const [key, count] of late) {
    const [heldBy, county] = key.split(" ");
    const reach = reports[county!]!.lastSeq;
    lines.push(
      zh
        ? `  尚待核对：${countyIn(heldBy!)} 的导出中有${countyIn(county!)} 的事件 ${count} 条，是该县导出之后才发出的（导出只到流序号 ${reach}），均有发出部门的封签 — 不是问题，重新导出该县的日志即可核对`
        : `  Pending: county ${heldBy}'s export holds ${count} events of county ${county} sent after county ${county}'s export was taken (it reaches stream sequence ${reach}), each sealed by its agency — not a problem: export county ${county}'s log again to check them`,
    );
  }
  if (diverged.length === 0)
    lines.push(
      zh
        ? "跨县移交：两县日志折叠出的状态与持有方一致"
        : "Referrals across the line: both counties' logs fold to the same status and holder",
    );
  else {
    lines.push(
      zh
        ? `跨县移交：${diverged.length} 件两县不一致：`
        : `Referrals across the line: ${diverged.length} differ between the two counties:`,
    );
    for (const d of diverged.slice(0, 50)) {
      const views = Object.entries(d.counties);
      if (zh) {
        const sides = views
          .map(([c, v]) => `${c}：${v ? `${v.status}，持有 ${v.holder}` : "无"}`)
          .join("；");
        lines.push(`  移交 ${d.referralId} — ${d.detail}（${sides}）`);
      } else {
        const sides = views
          .map(([c, v]) => `${c}: ${v ? `${v.status}, held by ${v.holder}` : "none"}`)
          .join("; ");
        const why = views.some(([, v]) => !v)
          ? "one county's log does not hold this referral"
          : "the two counties' logs fold to other states or steps";
        lines.push(`  referral ${d.referralId} — ${why} (${sides})`);
      }
    }
  }
  if (lagging.length > 0)
    lines.push(
      zh
        ? `  尚待核对：${lagging.length} 件移交一县日志只是落后于另一县（缺的步骤尚在途中，或在该县导出之后才写入）— 不是问题，重新导出即可核对`
        : `  Pending: for ${lagging.length} referrals one county's log only lags behind the other's (the missing steps are on their way, or written after its export) — not a problem: export again to check them`,
    );
  lines.push(...witnessLines(witnessed, lang));
  process.stdout.write(`${lines.join("\n")}\n`);
  return ok ? 0 : 1;
}

async function exportLog(values: Record<string, string | boolean | undefined>): Promise<number> {
  if (typeof values.out !== "string") throw new UsageError("需要 --out 文件");
  writable(values.out);
  const out = createWriteStream(values.out);
  const failed = new Promise<never>((_, reject) =>
    out.once("error", (err) =>
      reject(new CommandFailed(`无法写入 ${values.out}：${(err as Error).message}`)),
    ),
  );
  failed.catch(() => undefined);
  let n = 0;
  await withBus(values as { nats?: string; seed?: string; as?: string }, async (nc) => {
    const stream = typeof values.stream === "string" ? values.stream : undefined;
    const p = progress(await streamSize(nc, stream));
    // Before the read begins: everything stored before then is in the export (on its first line).
    let takenAt: string | undefined = new Date().toISOString();
    for await (const e of readStream(nc, stream)) {
      const line = `${JSON.stringify({ seq: e.seq, subject: e.subject, data: Buffer.from(e.bytes).toString("base64"), ...(e.seal ? { seal: e.seal } : {}), ...(takenAt ? { takenAt } : {}) })}\n`;
      takenAt = undefined;
      if (!out.write(line))
        await Promise.race([new Promise<void>((r) => out.once("drain", () => r())), failed]);
      if ((++n & 1023) === 0) p.tick(n);
    }
    p.done(n);
  });
  await Promise.race([
    new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    ),
    failed,
  ]);
  process.stdout.write(`已导出 ${n} 条事件到 ${values.out}\n`);
  return 0;
}

async function headsCommand(values: Record<string, string | boolean | undefined>): Promise<number> {
  if (typeof values.office !== "string") throw new UsageError("需要 --office URL");
  const heads = checkedHeads(await officeHeads(values.office), await officeKeys(values.office));
  const text = `${JSON.stringify(heads, null, 2)}\n`;
  if (typeof values.out === "string") {
    save(values.out, text);
    const n = Object.values(heads.heads).reduce((sum, h) => sum + h.size, 0);
    process.stdout.write(
      `已保存${countyIn(heads.county)}的最新检查点（${Object.keys(heads.heads).length} 个部门，共 ${n} 条已封存事件，北京时间 ${chinaTime(heads.at)}）到 ${values.out}\n`,
    );
    if (heads.behind.length > 0)
      process.stdout.write(
        `警告：办公室发现以下部门的日志短于其曾见到的：${heads.behind.map((a) => agencyName(a)).join("、")}\n`,
      );
  } else process.stdout.write(text);
  return heads.behind.length > 0 ? 1 : 0;
}

async function keysCommand(values: Record<string, string | boolean | undefined>): Promise<number> {
  if (typeof values.office !== "string") throw new UsageError("需要 --office URL");
  const keys = await officeKeys(values.office);
  const text = `${JSON.stringify(keys, null, 2)}\n`;
  if (typeof values.out === "string") {
    save(values.out, text);
    process.stdout.write(
      `已保存 ${Object.keys(keys.agencies).length} 个部门的公钥到 ${values.out}\n`,
    );
  } else process.stdout.write(text);
  return 0;
}

const FULL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An informant file's opaque reference, as its agency gives it (`inf_` and 32 hex digits). */
const INFORMANT_REF = /^inf_[0-9a-f]{32}$/;

/**
 * The id the page shows (its first 8 characters) or a full one: a short one is looked up among
 * the office's referrals or leads; it must name exactly one.
 */
async function resolveId(office: string, token: string, kind: string, id: string) {
  if (FULL_ID.test(id)) return id.toLowerCase();
  if (kind === "informant" && INFORMANT_REF.test(id)) return id;
  if (!/^[0-9a-f]{4,}$/i.test(id))
    throw new UsageError(`编号 ${id} 不像网页显示的编号（至少 4 位十六进制）或完整编号`);
  const api = officeClient(office, token);
  const ids: string[] = [];
  const limit = 1000;
  for (let offset = 0; ; offset += limit) {
    const page =
      kind === "referral"
        ? (
            await answer(
              `${office}/tracker/referrals`,
              api.GET("/tracker/referrals", { params: { query: { limit, offset } } }),
            )
          ).items.map((r) => r.referralId)
        : kind === "lead"
          ? (
              await answer(
                `${office}/leads`,
                api.GET("/leads", { params: { query: { limit, offset } } }),
              )
            ).items.map((l) => l.leadId)
          : undefined;
    if (!page)
      throw new UsageError(`${kindName(kind)}请给出完整编号（网页显示的短编号只用于移交与线索）`);
    ids.push(...page);
    if (page.length < limit) break;
  }
  const found = ids.filter((full) => full.startsWith(id.toLowerCase()));
  if (found.length === 0) throw new CommandFailed(`办公室没有编号以 ${id} 开头的${kindName(kind)}`);
  if (found.length > 1)
    throw new UsageError(`编号 ${id} 不唯一，请给出更多位：${found.join("、")}`);
  return found[0]!;
}

async function trailCommand(
  positionals: string[],
  values: Record<string, string | boolean | undefined>,
): Promise<number> {
  const [kind, given] = positionals;
  if (!kind || !given || typeof values.office !== "string")
    throw new UsageError("需要 <类型> <编号> --office URL");
  const aggregate = AggregateKind.safeParse(kind);
  if (!aggregate.success)
    throw new UsageError(`类型应为 ${AggregateKind.options.join("、")} 之一：${kind}`);
  const token = typeof values.token === "string" ? values.token : process.env.LIANDONG_TOKEN;
  if (!token) throw new UsageError("需要 --token 令牌（或环境变量 LIANDONG_TOKEN）");
  const id = await resolveId(values.office, token, kind, given);
  const lang = langOf(values);
  const zh = lang === "zh";
  const trail = await answer(
    `${values.office}/trail/${kind}/${id}`,
    officeClient(values.office, token, lang).GET("/trail/{kind}/{id}", {
      params: { path: { kind: aggregate.data, id } },
    }),
  );
  if (values.json) {
    process.stdout.write(`${JSON.stringify(trail, null, 2)}\n`);
    return trail.verification.ok ? 0 : 1;
  }
  const lines = [
    zh
      ? `留痕 ${kindName(trail.aggregate.kind)} ${trail.aggregate.id}（时间为北京时间）`
      : `Trail of ${trail.aggregate.kind} ${trail.aggregate.id} (times in Beijing time)`,
  ];
  const colon = zh ? "：" : ": ";
  const r = trail.referral;
  if (r) {
    const party = (agency: string, county?: string) =>
      `${agencyName(agency, lang)}${county ? (zh ? `（${county}）` : ` (${county})`) : ""}`;
    const gap = zh ? "　" : "  ";
    lines.push(
      `  ${word("status", lang)}${colon}${REFERRAL_STATUS_LABELS[r.status][lang]}${gap}${word("holder", lang)}${colon}${party(r.holder, r.holderCounty)}${gap}${word("awaiting", lang)}${colon}${r.awaiting ? party(r.awaiting, r.awaitingCounty) : "—"}`,
    );
  }
  lines.push(
    zh
      ? `  #    ${word("when")}                 ${word("what")}　　　　　　 ${word("agency")} → ${word("to")}（${word("who")}）  ${word("reason")}`
      : `  #    ${word("when", lang)}                 ${word("what", lang)}             ${word("agency", lang)} → ${word("to", lang)} (${word("who", lang)})  ${word("reason", lang)}`,
  );
  for (const s of trail.steps) {
    const what = s.refused
      ? `${stepName(s.type, lang)}${zh ? `（${refusalKindLabel(s.refused)}）` : ` (${refusalKindLabel(s.refused, lang)})`}`
      : stepName(s.type, lang);
    lines.push(
      `  #${s.seq}  ${chinaTime(s.time)}  ${zh ? what.padEnd(10, "　") : what.padEnd(20)} ${agencyName(s.agency, lang)}${s.to ? ` → ${agencyName(s.to, lang)}` : ""}  ${word("who", lang)}${colon}${officerName(s.actor, s.officer, s.agency)}${s.reason ? `  ${word("reason", lang)}${colon}${stepReasonLabel(s.type, s.reason, lang)}` : ""}`,
    );
  }
  const v = trail.verification;
  lines.push(
    v.ok
      ? `${word("verification", lang)}${colon}${word("verified", lang)}${zh ? `（哈希链 ${v.checked} 条）` : ` (${v.checked} hash links)`}`
      : `${word("verification", lang)}${colon}${word("notVerified", lang)}${zh ? `，流序号 ${v.seq}（${v.reason}）` : `, stream sequence ${v.seq} (${v.reason})`}`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
  return v.ok ? 0 : 1;
}

/** Commander's titles and errors, in Chinese. */
const TITLES: Record<string, string> = {
  "Usage:": "用法：",
  "Options:": "选项：",
  "Commands:": "命令：",
  "Arguments:": "参数：",
  "Global Options:": "通用选项：",
};
const COMMANDER_ERRORS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/unknown command '([^']*)'/, (m) => `未知命令：${m[1]}`],
  [/unknown option '([^']*)'/, (m) => `未知选项：${m[1]}`],
  [/option '([^']*)' argument missing/, (m) => `选项 ${m[1]} 缺少取值`],
  [/required option '([^']*)' not specified/, (m) => `需要选项 ${m[1]}`],
  [/missing required argument '([^']*)'/, (m) => `缺少参数 <${m[1]}>`],
  [/too many arguments/, () => "参数过多"],
  [
    /option '([^']*)' argument '([^']*)' is invalid\. Allowed choices are (.*)\./,
    (m) => `选项 ${m[1]} 的取值 ${m[2]} 无效，应为 ${m[3]} 之一`,
  ],
];

/** `--lang en`: what a person reads of findings and refusals, in English (Chinese by default). */
const LANG_OPTION = () =>
  new Option("--lang <语言>", "zh（中文，默认）| en（英文）").choices(["zh", "en"]).default("zh");

const EXIT_CODES =
  "退出码：0 通过或完成；1 发现问题；2 用法错误；3 无法完成（服务无法连接或返回错误、文件无法读写、身份无权）";

const HELP = {
  styleTitle: (t: string) => TITLES[t] ?? t,
  // "verify [选项]", not commander's "[options]".
  subcommandTerm: (c: Command) =>
    [
      c.name(),
      c.options.length ? "[选项]" : "",
      ...c.registeredArguments.map((a) =>
        a.required ? `<${a.name()}>` : `[${a.name()}${a.variadic ? "..." : ""}]`,
      ),
    ]
      .filter(Boolean)
      .join(" "),
};

/** The `liandong` command line; each command's action leaves its exit code in `done`. */
function program(done: (code: number) => void): Command {
  const root = new Command("liandong")
    .description("联动：全县日志的审计与留痕查询工具（人读中文；--json 输出 JSON）")
    .version(cliPackage.version, "-V, --version", "显示版本")
    .helpOption("-h, --help", "显示帮助")
    .helpCommand("help [命令]", "显示某个命令的帮助")
    .addHelpText("after", `\n${EXIT_CODES}\n令牌也可用环境变量 LIANDONG_TOKEN 给出。`)
    .usage("<命令> [选项]")
    .configureHelp(HELP)
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .showSuggestionAfterError(false)
    // The program's own options (-V, -h) only before the command: after it, `--token -Vx…` is a
    // token, not a request for the version (which printed it, exit 0, having done nothing).
    .enablePositionalOptions();
  const command = (name: string, description: string) =>
    root
      .command(name)
      .description(description)
      .usage("[选项]")
      .helpOption("-h, --help", "显示帮助")
      .configureHelp(HELP)
      .addHelpText("after", `\n${EXIT_CODES}`)
      .exitOverride()
      .configureOutput({ outputError: () => undefined });
  const bus = (c: Command) =>
    c
      .option("--nats <URL>", "总线地址（读取日志）")
      .option("--seed <文件>", "审计身份种子文件 auditor.nk")
      .option("--stream <流>", "日志流（默认 EVENTS）")
      .option("--ca <文件>", "总线使用 TLS 时：本县证书颁发机构（secrets/tls/trust.pem）")
      .option("--cert <文件>", "双向 TLS：本身份的证书（secrets/tls/client-auditor.crt）")
      .option("--key <文件>", "双向 TLS：本身份的私钥（secrets/tls/client-auditor.key）")
      .addOption(new Option("--as <身份>", "种子的身份名（默认取文件名）").hideHelp());
  const run =
    (f: (values: Record<string, string | boolean | undefined>) => Promise<number>) =>
    async (opts: Record<string, string | boolean | undefined>) =>
      done(await f(opts));

  bus(
    command(
      "verify",
      "离线校验全县日志：哈希链、各部门签名检查点与每条事件的封签；发现篡改时指出第一条问题事件；列出动用紧急权限的记录（给出 --heads，或用 --office 时取办公室的最新检查点：日志短于已知检查点即为被截断）",
    ),
  )
    .option("--file <导出文件>", "liandong export 导出的日志")
    .option("--keys <公钥文件>", "各部门公钥（liandong keys 保存的文件）")
    .option("--office <URL>", "办公室服务：取公钥与最新检查点")
    .option("--heads <检查点文件>", "liandong heads 保存的检查点")
    .option("--json", "输出 JSON")
    .addOption(LANG_OPTION())
    .action(run(verify));

  command(
    "verify-region",
    "离线校验一个协作区域：各县日志各用本县公钥校验，并核对每县收到的邻县事件确为邻县日志中发出的事件；列出各县检查点的邻县见证，发现分叉视图",
  )
    .option(
      "--log <导出文件:公钥文件>",
      "一个县的日志与公钥（至少两个县，可重复）",
      (v: string, all: string[] = []) => [...all, v],
    )
    .option("--json", "输出 JSON")
    .addOption(LANG_OPTION())
    .action(async (opts: { log?: string[]; json?: boolean; lang?: string }) =>
      done(await verifyRegion(opts.log ?? [], opts.json === true, langOf(opts))),
    );

  bus(
    command("export", "把日志导出为 NDJSON，供离线校验（审计身份 auditor 只能读取日志，不能改动）"),
  )
    .requiredOption("--out <文件>", "导出到的文件")
    .action(run(exportLog));

  command("keys", "从办公室服务取各部门公钥")
    .requiredOption("--office <URL>", "办公室服务")
    .option("--out <文件>", "保存到文件（不给则输出到屏幕）")
    .action(run(keysCommand));

  command(
    "heads",
    "取办公室签名的各部门最新检查点（日志长度）；保存最新的一份，日后 verify --heads 即可发现日志被截断或出现两套历史",
  )
    .requiredOption("--office <URL>", "办公室服务")
    .option("--out <文件>", "保存到文件（不给则输出到屏幕）")
    .action(run(headsCommand));

  command(
    "trail",
    "查看一条线索、移交、案件或举报人记录的全程留痕与校验状态（北京时间；编号可用网页显示的短编号）",
  )
    .usage("<类型> <编号> [选项]")
    .argument("<类型>", AggregateKind.options.join("、"))
    .argument("<编号>", "完整编号，或网页显示的前 8 位（移交、线索）")
    .requiredOption("--office <URL>", "办公室服务")
    .option("--token <令牌>", "办公室人员的令牌（或环境变量 LIANDONG_TOKEN）")
    .option("--json", "输出 JSON")
    .addOption(LANG_OPTION())
    .action(async (kind: string, id: string, opts: Record<string, string | boolean | undefined>) =>
      done(await trailCommand([kind, id], opts)),
    );

  command("break-glass", "动用紧急权限：先由办公室分管领导的令牌记入日志，再执行")
    .usage("<操作> [参数...] [选项]")
    .argument(
      "<操作>",
      "delete-stream <流> | purge-stream <流> [--subject S] | delete-message <流> <序号> | provision --config 县配置文件 [--replicas N]",
    )
    .argument("[参数...]", "流名称、消息序号")
    .requiredOption("--reason <理由>", "为何动用（至少 4 个字，记入日志）")
    .option("--office <URL>", "办公室服务")
    .option("--token <令牌>", "办公室分管领导的令牌（或环境变量 LIANDONG_TOKEN）")
    .option("--nats <URL>", "总线地址")
    .option("--seed <文件>", "紧急权限种子文件 break-glass.nk")
    .option("--ca <文件>", "总线使用 TLS 时：本县证书颁发机构（secrets/tls/trust.pem）")
    .option("--cert <文件>", "双向 TLS：证书（secrets/tls/client-break-glass.crt）")
    .option("--key <文件>", "双向 TLS：私钥（secrets/tls/client-break-glass.key）")
    .option("--subject <主题>", "purge-stream：只清空这个主题")
    .option("--config <文件>", "provision：县配置文件")
    .option("--replicas <N>", "provision：副本数")
    .action(
      async (action: string, args: string[], opts: Record<string, string | boolean | undefined>) =>
        done(await breakGlassCommand([action, ...args], opts)),
    );
  command(
    "certs",
    "本县证书：rotate 轮换证书颁发机构而不中断连接（每运行一次进行一步，共 3 步：新旧并信、换发证书、停用旧机构）",
  )
    .usage("rotate (--state 县数据目录 | --secrets 密钥目录)")
    .argument("<操作>", "rotate")
    .option(
      "--state <目录>",
      "npm run up 的县数据目录（含 secrets/；并通知其 nats-server 重新加载）",
    )
    .option(
      "--secrets <目录>",
      "密钥目录（docker compose：deploy/secrets；默认 --state 下的 secrets/）",
    )
    .action(async (action: string, opts: Record<string, string | boolean | undefined>) =>
      done(await certsCommand([action], opts)),
    );
  command(
    "officers",
    "经办人名册：登记经办人并签发令牌（只显示这一次）、列出、续期、注销（县内每个服务 2 秒内拒绝其令牌）；需办公室分管领导的令牌",
  )
    .usage("<操作> [编号] [选项]")
    .argument("<操作>", "add | list | renew <编号> | revoke <编号>")
    .argument("[编号]", "经办人编号（renew、revoke）")
    .option("--office <URL>", "办公室服务")
    .option("--token <令牌>", "办公室分管领导的令牌（或环境变量 LIANDONG_TOKEN）")
    .option("--agency <部门>", "add：部门代码")
    .option("--name <姓名>", "add：姓名")
    .option("--role <职务>", "add：liaison（联络员）| supervisor（分管领导）| deputy（副职领导）")
    .option("--days <天数>", "add、renew：有效天数")
    .option("--reason <理由>", "revoke：理由")
    .option("--json", "list：输出 JSON")
    .action(
      async (
        action: string,
        id: string | undefined,
        opts: Record<string, string | boolean | undefined>,
      ) => done(await officersCommand(id === undefined ? [action] : [action, id], opts)),
    );
  return root;
}

/** The names of the commands, for a pointer to the help of the one that was meant. */
export const commandNames = () => program(() => undefined).commands.map((c) => c.name());

/**
 * Runs the command line; resolves with its exit code (0 done, 1 a problem found). Bad usage
 * throws UsageError; what could not be done throws CommandFailed (README, 退出码).
 */
export async function cli(argv: string[]): Promise<number> {
  let code = 0;
  const root = program((c) => {
    code = c;
  });
  if (argv.length === 0) {
    root.outputHelp();
    return 0;
  }
  try {
    await root.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (["commander.helpDisplayed", "commander.version", "commander.help"].includes(err.code))
      return 0;
    const said = err.message.replace(/^error:\s*/, "");
    for (const [re, zh] of COMMANDER_ERRORS) {
      const m = re.exec(said);
      if (m) throw new UsageError(zh(m));
    }
    throw new UsageError(said);
  }
  return code;
}
