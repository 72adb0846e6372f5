#!/usr/bin/env node
// The one entry point a new machine needs: it runs with Node.js alone (no dependencies yet),
// installs the workspace, makes sure a current nats-server is at hand, then hands over to
// the TypeScript command that was asked for (up, test, bench).
//
// Plain JavaScript on purpose: nothing else can run before `pnpm install` has.

import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { constants, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const stateDir = join(root, ".liandong");
const binDir = join(stateDir, "bin");
const PNPM = "pnpm@10.34.8";
const MIN_NATS = [2, 12, 0];
const mirror = (process.env.LIANDONG_DEBIAN_MIRROR ?? "http://deb.debian.org/debian").replace(
  /\/$/,
  "",
);

function say(msg) {
  process.stderr.write(`[联动] ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`[联动] 错误: ${msg}\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });
  if (r.error) fail(`${cmd} ${args.join(" ")}: ${r.error.message}`);
  return r.status ?? 1;
}

/**
 * Runs a long command (the county, the tests, the benchmarks) and settles with its exit status.
 * A signal sent to this process alone — a supervisor's SIGTERM, a closed terminal's SIGHUP — is
 * passed on, and so is the end of the process that started it (npm stopped with SIGTERM), so
 * that the command stops as cleanly as on Ctrl-C (which the terminal sends to the whole process
 * group, the command included).
 */
function runForwardingSignals(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: "inherit", cwd: root, ...opts });
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
    const forward = (signal) => child.kill(signal);
    for (const s of signals) process.on(s, forward);
    // npm does not pass a SIGTERM of its own on: when whatever started us is gone, stop too.
    const parent = process.ppid;
    const orphaned = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(orphaned);
      forward("SIGTERM");
    }, 1000);
    child.once("error", (err) => fail(`${cmd} ${args.join(" ")}: ${err.message}`));
    child.once("exit", (code, signal) => {
      clearInterval(orphaned);
      for (const s of signals) process.off(s, forward);
      resolve(code ?? 128 + (constants.signals[signal] ?? 0));
    });
  });
}

function ensureDependencies() {
  const marker = join(root, "node_modules", ".modules.yaml");
  const lock = join(root, "pnpm-lock.yaml");
  const fresh =
    existsSync(marker) && existsSync(lock) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
  if (fresh) return;
  say("安装依赖 (pnpm install)…");
  const frozen = existsSync(lock) ? ["--frozen-lockfile"] : [];
  const status = run("npx", ["--yes", PNPM, "install", ...frozen], {
    env: { ...process.env, npm_config_yes: "true" },
  });
  if (status !== 0) fail("pnpm install 失败：请检查能否访问 npm 仓库 (npm registry)。");
}

function versionOf(binary) {
  const r = spawnSync(binary, ["--version"], { encoding: "utf8" });
  if (r.status !== 0 || !r.stdout) return undefined;
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(r.stdout);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function recentEnough(v) {
  for (let i = 0; i < 3; i++) {
    if (v[i] !== MIN_NATS[i]) return v[i] > MIN_NATS[i];
  }
  return true;
}

function onPath(name) {
  const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

async function download(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");

function debianArch() {
  const map = {
    x64: "amd64",
    arm64: "arm64",
    arm: "armhf",
    ppc64: "ppc64el",
    s390x: "s390x",
    riscv64: "riscv64",
  };
  const arch = map[process.arch];
  if (!arch)
    fail(
      `不支持的处理器架构 ${process.arch}：请自行安装 nats-server ≥ 2.12 并设置 LIANDONG_NATS_SERVER。`,
    );
  return arch;
}

// Debian testing carries a current nats-server. The chain of trust is Debian's own:
// InRelease (signed by the archive key) -> Packages.gz (SHA256) -> the .deb (SHA256).
async function fetchFromDebianTesting(target) {
  const arch = debianArch();
  say(`从 Debian testing 获取 nats-server（${mirror}）…`);
  const inRelease = await download(`${mirror}/dists/testing/InRelease`);
  const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
  const work = mkdtempSync(join(tmpdir(), "liandong-nats-"));
  try {
    if (onPath("gpgv") && existsSync(keyring)) {
      writeFileSync(join(work, "InRelease"), inRelease);
      const v = spawnSync("gpgv", ["--keyring", keyring, join(work, "InRelease")], {
        encoding: "utf8",
      });
      if (v.status !== 0) throw new Error(`InRelease 签名校验失败:\n${v.stderr}`);
    } else {
      say("警告：缺少 gpgv 或 debian-archive-keyring，只校验 SHA256。");
    }
    const indexPath = `main/binary-${arch}/Packages.gz`;
    const line = inRelease
      .toString("utf8")
      .split("SHA256:")[1]
      ?.split("\n")
      .find((l) => l.trim().endsWith(` ${indexPath}`));
    if (!line) throw new Error(`InRelease 中没有 ${indexPath}`);
    const indexHash = line.trim().split(/\s+/)[0];
    const index = await download(`${mirror}/dists/testing/${indexPath}`);
    if (sha256(index) !== indexHash) throw new Error(`${indexPath} 的 SHA256 不符`);
    const stanza = gunzipSync(index)
      .toString("utf8")
      .split("\n\n")
      .find((s) => s.startsWith("Package: nats-server\n"));
    if (!stanza) throw new Error("Debian testing 中没有 nats-server 软件包");
    const field = (name) => new RegExp(`^${name}: (.+)$`, "m").exec(stanza)?.[1];
    const filename = field("Filename");
    const debHash = field("SHA256");
    if (!filename || !debHash) throw new Error("nats-server 软件包条目不完整");
    say(`下载 ${filename}（版本 ${field("Version")}）…`);
    const deb = await download(`${mirror}/${filename}`);
    if (sha256(deb) !== debHash) throw new Error(`${filename} 的 SHA256 不符`);
    const debPath = join(work, "nats-server.deb");
    writeFileSync(debPath, deb);
    const x = spawnSync("dpkg-deb", ["-x", debPath, join(work, "x")], { encoding: "utf8" });
    if (x.status !== 0) throw new Error(`dpkg-deb -x 失败: ${x.stderr || x.error?.message}`);
    mkdirSync(dirname(target), { recursive: true });
    const extracted = ["usr/sbin/nats-server", "usr/bin/nats-server"]
      .map((p) => join(work, "x", p))
      .find(existsSync);
    if (!extracted) throw new Error("软件包中找不到 nats-server 可执行文件");
    copyFileSync(extracted, target);
    chmodSync(target, 0o755);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function ensureNatsServer() {
  const local = join(binDir, "nats-server");
  const candidates = [
    ["LIANDONG_NATS_SERVER", process.env.LIANDONG_NATS_SERVER],
    ["项目目录", existsSync(local) ? local : undefined],
    ["PATH", onPath("nats-server")],
  ];
  for (const [where, path] of candidates) {
    if (!path) continue;
    const v = versionOf(path);
    if (v && recentEnough(v)) return path;
    if (where === "LIANDONG_NATS_SERVER") {
      fail(
        `LIANDONG_NATS_SERVER=${path} 的版本为 ${v ? v.join(".") : "未知"}，需要 ≥ ${MIN_NATS.join(".")}。`,
      );
    }
    if (v) say(`忽略 ${path}（版本 ${v.join(".")}，需要 ≥ ${MIN_NATS.join(".")}）`);
  }
  try {
    await fetchFromDebianTesting(local);
  } catch (err) {
    fail(
      `无法获取 nats-server：${err.message}\n` +
        `请安装 nats-server ≥ ${MIN_NATS.join(".")}，并用 LIANDONG_NATS_SERVER=/路径/nats-server 指明；` +
        "或设置 LIANDONG_DEBIAN_MIRROR 指向可访问的 Debian 镜像。",
    );
  }
  const v = versionOf(local);
  if (!v || !recentEnough(v)) fail(`取得的 nats-server 版本 ${v ? v.join(".") : "未知"} 过旧。`);
  say(`nats-server ${v.join(".")} 已就绪：${local}`);
  return local;
}

const commands = {
  up: (natsServer, args) =>
    runForwardingSignals(
      process.execPath,
      ["--import", "tsx", "services/county/src/main.ts", ...args],
      env(natsServer),
    ),
  // The whole gate: types (type tests included), lint and format, generated files, then every test.
  test: async (natsServer, args) => {
    const chromium = ensureChromium();
    const bin = (name) => join(root, "node_modules/.bin", name);
    const steps = [
      ["类型检查", bin("tsc"), ["-p", "tsconfig.json"]],
      ["类型检查（网页）", bin("tsc"), ["-p", "services/office/web"]],
      ["代码规范", bin("biome"), ["check", "."]],
      ["生成文件", bin("tsx"), ["contracts/scripts/generate.ts", "--check"]],
      ["测试", bin("vitest"), ["run", ...args]],
    ];
    for (const [label, cmd, cmdArgs] of steps) {
      say(`${label}…`);
      const status = await runForwardingSignals(
        cmd,
        cmdArgs,
        env(natsServer, { LIANDONG_CHROMIUM: chromium }),
      );
      if (status !== 0) return status;
    }
    return 0;
  },
  bench: (natsServer, args) =>
    runForwardingSignals(
      process.execPath,
      ["--import", "tsx", "bench/run.ts", ...args],
      env(natsServer),
    ),
  setup: () => 0,
};

/**
 * The browser tests drive Debian's Chromium (never a browser a test tool downloads). Named by
 * LIANDONG_CHROMIUM, or /usr/bin/chromium, installed from Debian's archive when missing.
 */
function ensureChromium() {
  const named = process.env.LIANDONG_CHROMIUM;
  if (named) {
    if (!existsSync(named)) fail(`LIANDONG_CHROMIUM 指向的 ${named} 不存在。`);
    return named;
  }
  const path = "/usr/bin/chromium";
  if (existsSync(path)) return path;
  say("安装 Chromium（Debian 软件包 chromium，供网页测试使用）…");
  const root = process.getuid?.() === 0;
  const apt = (args) =>
    root
      ? run("apt-get", args, { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } })
      : run("sudo", ["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", ...args]);
  if (
    apt(["update", "-qq"]) !== 0 ||
    apt(["install", "-y", "-qq", "chromium"]) !== 0 ||
    !existsSync(path)
  ) {
    fail(
      "无法安装 Chromium：请以 root 运行 `apt-get install chromium`，或用 LIANDONG_CHROMIUM 指定一个 Chromium。",
    );
  }
  return path;
}

function env(natsServer, extra = {}) {
  return { env: { ...process.env, LIANDONG_NATS_SERVER: natsServer, ...extra } };
}

const [command = "up", ...args] = process.argv.slice(2);
const handler = commands[command];
if (!handler) fail(`未知命令 ${command}（可用：${Object.keys(commands).join("、")}）`);
ensureDependencies();
const natsServer = await ensureNatsServer();
process.exitCode = await handler(natsServer, args);
