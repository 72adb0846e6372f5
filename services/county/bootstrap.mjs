#!/usr/bin/env node
// The one entry point a new machine needs: it runs with Node.js alone (no dependencies yet),
// installs the workspace, makes sure a current nats-server is at hand, then hands over to
// the TypeScript command that was asked for (up, test, bench).
//
// Plain JavaScript on purpose: nothing else can run before `pnpm install` has. And only syntax
// and module-level code that old Node.js (18, as Debian 12 ships) still runs, up to and
// including the version check below, so that an old Node.js gets told what to install rather
// than a stack trace.

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
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import {
  atLeast,
  debianArch as debianArchOf,
  formatVersion,
  MIN_NATS,
  MIN_NODE,
  newestPackage,
  parseNatsServerVersion,
  parseVersion,
  releaseSha256,
} from "./bootstrap-lib.mjs";

const nodeVersion = parseVersion(process.versions.node);
if (!nodeVersion || !atLeast(nodeVersion, MIN_NODE)) {
  const minNode = `${MIN_NODE[0]}.${MIN_NODE[1]}`;
  fail(
    `联动需要 Node.js ≥ ${minNode}，当前是 ${process.versions.node}（${process.execPath}）。\n` +
      `请安装 Node.js 22 LTS（或任一 ≥ ${minNode} 的版本）后重试：例如 \`nvm install 22\`，` +
      "或按 https://nodejs.org/zh-cn/download 的说明安装。",
  );
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const stateDir = join(root, ".liandong");
const binDir = join(stateDir, "bin");
const PNPM = "pnpm@10.34.8";
const minNats = formatVersion(MIN_NATS);
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
 * group, the command included). `lifeline`: the command also gets one end of a pipe on fd 3
 * (LIANDONG_LIFELINE_FD), whose end tells it that this process is gone, even killed outright.
 */
function runForwardingSignals(cmd, args, opts = {}, lifeline = false) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: lifeline ? ["inherit", "inherit", "inherit", "pipe"] : "inherit",
      cwd: root,
      ...opts,
      ...(lifeline ? { env: { ...opts.env, LIANDONG_LIFELINE_FD: "3" } } : {}),
    });
    child.stdio[3]?.on("error", () => undefined);
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
  return parseNatsServerVersion(r.stdout);
}

const recentEnough = (v) => atLeast(v, MIN_NATS);

function onPath(name) {
  const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

async function download(url) {
  // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is in its cause.
  const res = await fetch(url).catch((err) => {
    throw new Error(`${url}: ${err.cause?.message ?? err.message}`);
  });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");

function debianArch() {
  const arch = debianArchOf(process.arch);
  if (!arch)
    fail(
      `不支持的处理器架构 ${process.arch}：请自行安装 nats-server ≥ ${minNats} 并设置 LIANDONG_NATS_SERVER。`,
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
    const indexHash = releaseSha256(inRelease.toString("utf8"), indexPath);
    if (!indexHash) throw new Error(`InRelease 中没有 ${indexPath}`);
    const index = await download(`${mirror}/dists/testing/${indexPath}`);
    if (sha256(index) !== indexHash) throw new Error(`${indexPath} 的 SHA256 不符`);
    const stanza = newestPackage(gunzipSync(index).toString("utf8"), "nats-server", arch);
    if (!stanza) throw new Error(`Debian testing 中没有 ${arch} 架构的 nats-server 软件包`);
    const { Filename: filename, SHA256: debHash, Version: version } = stanza;
    if (!filename || !debHash) throw new Error("nats-server 软件包条目不完整");
    say(`下载 ${filename}（版本 ${version}）…`);
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
        `LIANDONG_NATS_SERVER=${path} ${v ? `的版本为 ${formatVersion(v)}` : "无法运行或不是 nats-server"}，需要 nats-server ≥ ${minNats}。\n` +
          `请把 LIANDONG_NATS_SERVER 指向 ≥ ${minNats} 的 nats-server；` +
          "或取消这个变量（unset LIANDONG_NATS_SERVER），由联动在 PATH 中寻找或下载到 .liandong/bin。",
      );
    }
    if (v) say(`忽略 ${path}（版本 ${formatVersion(v)}，需要 ≥ ${minNats}）`);
  }
  try {
    await fetchFromDebianTesting(local);
  } catch (err) {
    fail(
      `无法获取 nats-server：${err.message}\n` +
        `请安装 nats-server ≥ ${minNats}，并用 LIANDONG_NATS_SERVER=/路径/nats-server 指明；` +
        "或设置 LIANDONG_DEBIAN_MIRROR 指向可访问的 Debian 镜像。",
    );
  }
  const v = versionOf(local);
  if (!v || !recentEnough(v)) {
    fail(
      `从 Debian testing（${mirror}）取得的 nats-server ${v ? `版本为 ${formatVersion(v)}，低于 ${minNats}` : "无法运行"}。\n` +
        `请安装 nats-server ≥ ${minNats}，并用 LIANDONG_NATS_SERVER=/路径/nats-server 指明；` +
        "或设置 LIANDONG_DEBIAN_MIRROR 指向有更新版本的 Debian 镜像。",
    );
  }
  say(`nats-server ${formatVersion(v)} 已就绪：${local}`);
  return local;
}

const commands = {
  // The launcher and the services built ahead of time (again when a source changed), run with
  // plain node: no TypeScript compiler at run time. The launcher runs in this very process (one
  // node process less at rest): it handles the signals and notices when npm is gone itself.
  up: async (natsServer, args) => {
    const { ensureBuilt } = await import("./build.mjs");
    const build = await ensureBuilt(root, say).catch((err) =>
      fail(`构建各服务失败：${err.message}`),
    );
    const launcher = join(build, "launcher.mjs");
    process.env.LIANDONG_NATS_SERVER = natsServer;
    // The services' memory at rest (services/county/src/county.ts, LEAN_MALLOC).
    process.env.MALLOC_ARENA_MAX ??= "2";
    process.argv = [process.argv[0], launcher, ...args];
    await import(pathToFileURL(launcher).href);
    // Up, or stopped already: the launcher exits by itself when the county stops.
    return undefined;
  },
  // The whole gate: types (type tests included), lint and format, generated files, then every test.
  test: async (natsServer, args) => {
    const chromium = ensureChromium();
    ensureCjkFont();
    const caddy = ensureCaddy();
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
        env(natsServer, { LIANDONG_CHROMIUM: chromium, LIANDONG_CADDY: caddy }),
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

/** Installs Debian packages (as root, or through a password-less sudo); true when it did. */
function aptInstall(packages) {
  const root = process.getuid?.() === 0;
  const apt = (args) =>
    root
      ? run("apt-get", args, { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } })
      : run("sudo", ["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", ...args]);
  return apt(["update", "-qq"]) === 0 && apt(["install", "-y", "-qq", ...packages]) === 0;
}

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
  if (!aptInstall(["chromium"]) || !existsSync(path)) {
    fail(
      "无法安装 Chromium：请以 root 运行 `apt-get install chromium`，或用 LIANDONG_CHROMIUM 指定一个 Chromium。",
    );
  }
  return path;
}

/**
 * The proxy's test (test/proxy.e2e.test.ts) runs deploy/Caddyfile in Caddy: LIANDONG_CADDY, or
 * Debian's package caddy, installed when missing.
 */
function ensureCaddy() {
  const named = process.env.LIANDONG_CADDY;
  if (named) {
    if (!existsSync(named)) fail(`LIANDONG_CADDY 指向的 ${named} 不存在。`);
    return named;
  }
  const path = "/usr/bin/caddy";
  if (existsSync(path)) return path;
  say("安装 Caddy（Debian 软件包 caddy，供反向代理测试使用）…");
  if (!aptInstall(["caddy"]) || !existsSync(path))
    fail(
      "无法安装 Caddy：请以 root 运行 `apt-get install caddy`，或用 LIANDONG_CADDY 指定一个 Caddy。",
    );
  // Debian's package starts a Caddy of its own on ports 80 and 443: not wanted on a test machine.
  spawnSync("systemctl", ["disable", "--now", "caddy"], { stdio: "ignore" });
  return path;
}

/** Whether fontconfig knows a font for Chinese (what the page's text is drawn in). */
const hasCjkFont = () =>
  spawnSync("fc-list", [":lang=zh", "family"], { encoding: "utf8" }).stdout?.trim().length > 0;

/**
 * The browser tests see the page as an officer does: its Chinese drawn in a CJK font, Debian's
 * fonts-noto-cjk, installed when fontconfig knows none (the tests check that it does).
 */
function ensureCjkFont() {
  if (hasCjkFont()) return;
  say("安装中文字体（Debian 软件包 fonts-noto-cjk，供网页测试使用）…");
  if (!aptInstall(["fonts-noto-cjk", "fontconfig"]) || !hasCjkFont()) {
    fail("无法安装中文字体：请以 root 运行 `apt-get install fonts-noto-cjk`。");
  }
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
