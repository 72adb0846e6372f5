// `liandong` as an operator runs it: a process, its output and its exit code (README, 退出码),
// against a running county where one is needed.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import cliPackage from "../services/cli/package.json" with { type: "json" };
import { cliCommand } from "./support/cli.ts";
import { ROOT, startTestCounty, type TestCounty } from "./support/county.ts";

/** The shipped entry point (package.json's bin: the sources through tsx). */
const BIN = join(ROOT, "services/cli/bin/liandong.mjs");

/**
 * Runs `liandong …`; resolves with its exit code and what it wrote. `bin`: through the shipped
 * entry point; otherwise the same sources as the county's build bundles them (support/cli.ts),
 * which spares each run tsx compiling them again.
 */
async function liandong(
  args: string[],
  env: Record<string, string> = {},
  bin = false,
): Promise<{ code: number | null; out: string; err: string }> {
  const [cmd, first] = bin ? [process.execPath, [BIN]] : await cliCommand();
  const child = spawn(cmd, [...first, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  return new Promise((done) => child.on("exit", (code) => done({ code, out, err })));
}

const COMMANDS = [
  "verify",
  "verify-region",
  "export",
  "keys",
  "heads",
  "trail",
  "break-glass",
  "certs",
];

describe("without a county", () => {
  it("--version prints the CLI's version, through the shipped entry point and the build", async () => {
    for (const bin of [true, false]) {
      const r = await liandong(["--version"], {}, bin);
      expect(r.code, `bin: ${bin}`).toBe(0);
      expect(r.out.trim(), `bin: ${bin}`).toBe(cliPackage.version);
    }
    // Only before the command: after it, a token that begins with -V is a token, not -V.
    const token = await liandong([
      "trail",
      "lead",
      "ffffffff",
      "--office",
      "http://127.0.0.1:1",
      "--token",
      "-Vabc",
    ]);
    expect(token.code).toBe(3);
    expect(token.out).not.toContain(cliPackage.version);
  });

  it("--help of the whole and of each command: in Chinese, exit 0", async () => {
    const all = await liandong(["--help"], {}, true);
    expect(all.code).toBe(0);
    for (const c of COMMANDS) expect(all.out).toContain(c);
    expect(all.out).toContain("退出码");
    const helps = await Promise.all(COMMANDS.map((c) => liandong([c, "--help"])));
    for (const [i, c] of COMMANDS.entries()) {
      const r = helps[i]!;
      expect(r.code, c).toBe(0);
      expect(r.out, c).toContain(`用法： liandong ${c}`);
      expect(r.out, c).toContain("选项：");
      expect(r.out, `${c}: commander's English`).not.toMatch(/Usage:|Options:|\[options\]/);
    }
    const viaHelp = await liandong(["help", "trail"]);
    expect(viaHelp.out).toContain("用法： liandong trail");
  }, 180_000);

  it("bad usage: exit 2, the error and a pointer to the command's help, not the help itself", async () => {
    const r = await liandong(["keys"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("错误：需要选项 --office <URL>");
    expect(r.err).toContain("liandong keys --help");
    expect(r.err).not.toContain("选项：");
    const unknown = await liandong(["verfy"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("未知命令：verfy");
    const option = await liandong(["keys", "--office", "http://127.0.0.1:1", "--colour"]);
    expect(option.code).toBe(2);
    expect(option.err).toContain("未知选项：--colour");
    const lang = await liandong(["verify", "--file", "x.ndjson", "--lang", "fr"]);
    expect(lang.code).toBe(2);
    expect(lang.err).toContain("选项 --lang <语言> 的取值 fr 无效，应为 zh, en 之一");
  });
});

describe("against a county", () => {
  let county: TestCounty;
  const dir = mkdtempSync(join(tmpdir(), "liandong-cli-"));
  beforeAll(async () => {
    county = await startTestCounty();
  }, 120_000);
  afterAll(async () => {
    await county?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keys --out: saved when it can be written; an error, nothing said saved, when it cannot", async () => {
    const file = join(dir, "keys.json");
    const ok = await liandong(["keys", "--office", county.urls.office!, "--out", file]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain("已保存");
    expect(JSON.parse(readFileSync(file, "utf8")).county).toBe("441723");

    const nowhere = join(dir, "no-such-folder", "keys.json");
    for (const command of ["keys", "heads"]) {
      const r = await liandong([command, "--office", county.urls.office!, "--out", nowhere]);
      expect(r.code, command).toBe(3);
      expect(r.out, command).not.toContain("已保存");
      expect(r.err, command).toContain(`无法写入 ${nowhere}`);
      expect(existsSync(nowhere)).toBe(false);
    }
  });

  it("an HTTP error: exit 3 and the office's problem, no usage", async () => {
    const office = county.as("office");
    const r = await liandong([
      "trail",
      "referral",
      crypto.randomUUID(),
      "--office",
      office.url,
      "--token",
      office.token,
    ]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/返回 404：未找到/);
    expect(r.err).not.toMatch(/选项：|用法/);
    const down = await liandong(["keys", "--office", "http://127.0.0.1:9"]);
    expect(down.code).toBe(3);
    expect(down.err).toContain("无法连接");
  });

  it("the wrong seed: a plain hint of the one needed", async () => {
    const exportAs = (seed: string) =>
      liandong([
        "export",
        "--nats",
        county.natsUrl,
        "--seed",
        join(county.stateDir, "secrets", seed),
        "--out",
        join(dir, "log.ndjson"),
      ]);
    const r = await exportAs("health.nk");
    expect(r.code, r.err).toBe(3);
    expect(r.err).toContain("种子 health.nk 无权执行此操作：需要 auditor.nk");
    const right = await exportAs("auditor.nk");
    expect(right.code, right.err).toBe(0);
  }, 60_000);

  it("trail takes the short id the page shows and prints China time with the page's labels", async () => {
    const health = county.as("health");
    const lead = await health.post<{ leadId: string }>("/leads", {
      source: "public-tip",
      violations: ["illegal-sex-determination"],
      target: { kind: "institution", name: "某诊所", county: "441723" },
      summary: "群众举报夜间鉴定胎儿性别",
    });
    const offered = await health.post<{ referralId: string }>("/referrals", {
      to: "public-security",
      about: { kind: "lead", id: lead.body.leadId },
      reason: "请公安机关查处",
    });
    const id = offered.body.referralId;
    const office = county.as("office");
    const args = ["--office", office.url, "--token", office.token];
    // The office follows the log: wait until it has the referral.
    let r = await liandong(["trail", "referral", id.slice(0, 8), ...args]);
    for (let i = 0; i < 100 && r.code !== 0; i++) {
      await new Promise((ok) => setTimeout(ok, 100));
      r = await liandong(["trail", "referral", id.slice(0, 8), ...args]);
    }
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`留痕 移交 ${id}`);
    expect(r.out).toContain("当前持有：卫生健康部门");
    expect(r.out).toContain("经办人");
    const json = await liandong(["trail", "referral", id, ...args, "--json"]);
    const steps = (JSON.parse(json.out) as { steps: { time: string }[] }).steps;
    // Each step's time as Beijing reads it (UTC+8, no daylight saving).
    for (const s of steps) {
      const beijing = new Date(Date.parse(s.time) + 8 * 3_600_000).toISOString();
      expect(r.out).toContain(`${beijing.slice(0, 10)} ${beijing.slice(11, 19)}`);
    }
    expect(r.out).not.toContain(steps[0]!.time);

    const none = await liandong(["trail", "referral", "ffffffff", ...args]);
    expect(none.code).toBe(3);
    expect(none.err).toContain("没有编号以 ffffffff 开头的移交");
    const bad = await liandong(["trail", "referral", "zz", ...args]);
    expect(bad.code).toBe(2);
  }, 60_000);
});
