import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { request } from "undici";
import { freePort } from "../services/county/src/free-port.ts";
import { referralFeed } from "../test/support/feed.ts";
import { type HandoffFloor, startHandoffFloor } from "./handoff-floor.ts";
import type { Figure } from "./run.ts";

/** The process and every process it started (by parent), now. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // "pid (comm) state ppid …": the command may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), pid]);
    } catch {
      // gone meanwhile
    }
  }
  const tree: number[] = [];
  const walk = (pid: number) => {
    tree.push(pid);
    for (const c of parents.get(pid) ?? []) walk(c);
  };
  walk(root);
  return tree;
}

/** What a process holds in memory (kB): its resident set, and its proportional share of it. */
function memoryOf(pid: number): { rss: number; pss: number; name: string } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const name = /Name:\s+(\S+)/.exec(status)?.[1] ?? "?";
    let pss = rss;
    try {
      pss = Number(
        /Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? rss,
      );
    } catch {
      // no smaps_rollup (old kernel): the resident set
    }
    return { rss, pss, name };
  } catch {
    return { rss: 0, pss: 0, name: "?" };
  }
}

/** CPU time (user + system, ms) a process has used so far, its waited-for children's included. */
function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime stime cutime cstime: fields 14–17 of stat, 12–15 after "(comm) ".
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
/** Offers in a row, the county's then the floor's, when both are measured. */
const FLOOR_BLOCK = 50;
/** USER_HZ: 100 on every Linux that matters. */
const CLOCK_TICKS = 100;

/** CPU (ms) used by the processes of the tree, summed. */
const cpuMsOfTree = (pids: number[]) => pids.reduce((sum, p) => sum + cpuMsOf(p), 0);

/**
 * Which part of the county a process is: `nats-server`, a service by its bundle's name (the
 * agency, `office`, `comparison`), `launcher` for the main command's own node, else its command.
 */
function partOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    if (argv.some((a) => /(^|\/)nats-server$/.test(a)) && !argv[0]?.endsWith("sh"))
      return "nats-server";
    const bundle = argv.find((a) => /\.m?js$/.test(a));
    if (bundle?.endsWith("bootstrap.mjs")) return "launcher";
    if (bundle) return bundle.slice(bundle.lastIndexOf("/") + 1).replace(/\.m?js$/, "");
    return argv[0]?.slice(argv[0].lastIndexOf("/") + 1) ?? "?";
  } catch {
    return "?";
  }
}

/** CPU (ms) used so far by each part of the county (processes of one part summed). */
function cpuMsByPart(pids: number[]): Map<string, number> {
  const by = new Map<string, number>();
  for (const p of pids) {
    const part = partOf(p);
    by.set(part, (by.get(part) ?? 0) + cpuMsOf(p));
  }
  return by;
}

/** CPU (ms) used so far by each of processes named by the caller. */
const cpuMsByName = (named: [string, number][]) =>
  new Map(named.map(([name, pid]) => [name, cpuMsOf(pid)]));

/**
 * CPU per operation by part, between two readings, idle (ms/s over `seconds`) deducted:
 * the parts that spent at least 0.05 ms, most first.
 */
function perPart(
  before: Map<string, number>,
  after: Map<string, number>,
  idlePerS: Map<string, number>,
  seconds: number,
  n: number,
): [string, number][] {
  return [...after]
    .map(([part, ms]): [string, number] => [
      part,
      (ms - (before.get(part) ?? 0) - (idlePerS.get(part) ?? 0) * seconds) / n,
    ])
    .filter(([, ms]) => ms >= 0.05)
    .sort((a, b) => b[1] - a[1]);
}
const partsLine = (parts: [string, number][]) =>
  parts.map(([part, ms]) => `${part} ${ms.toFixed(2)}`).join("、");

/**
 * What `npm run up` runs in the checkout at `root`: the environment its script sets (leading
 * NAME=value words) and the arguments it gives node (after `node`).
 */
function upCommand(root: string): { env: Record<string, string>; args: string[] } {
  const { scripts } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const words = (scripts.up ?? "").split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Za-z_]\w*=/.test(words[0] ?? "")) {
    const [name, ...value] = words.shift()!.split("=");
    env[name!] = value.join("=");
  }
  const [node, ...args] = words;
  if (node !== "node" || !args.includes("up"))
    throw new Error(`${root}/package.json: an up script that runs node, not ${scripts.up}`);
  return { env, args };
}

type Up = { proc: ChildProcess; output: () => string; stop(): Promise<void> };

/**
 * The main command as the checkout's `npm run up` gives it (its package.json's `up` script:
 * its environment, node, its flags, services/county/bootstrap.mjs up), on free ports in its own folder, until it
 * says it is up.
 */
async function up(
  root: string,
  stateDir: string,
  args: string[],
  natsServer: string,
  monitorPort: number,
) {
  const t0 = performance.now();
  const command = upCommand(root);
  const proc = spawn(process.execPath, [...command.args, ...args], {
    cwd: root,
    env: {
      ...process.env,
      ...command.env,
      LIANDONG_NATS_SERVER: natsServer,
      LIANDONG_STATE_DIR: stateDir,
      LIANDONG_PORTS: "free",
      LIANDONG_NATS_MONITOR_PORT: String(monitorPort),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout!.on("data", (b: Buffer) => (output += b.toString()));
  proc.stderr!.on("data", (b: Buffer) => (output += b.toString()));
  const deadline = Date.now() + 180_000;
  while (!output.includes("按 Ctrl-C 停止")) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`the county did not come up:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const readyS = (performance.now() - t0) / 1000;
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const county: Up = {
    proc,
    output: () => output,
    async stop() {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      await exited;
    },
  };
  return { county, readyS };
}

/**
 * A county as an operator runs it, through the main command: its memory at rest after the demo
 * (every process the command started, summed), how long a second start takes until every
 * service is ready, and the CPU all its processes (nats-server included) spend per hand-off
 * (an offer until it is on the addressee's live feed) and per lead registration, read from
 * /proc over many of each.
 */
export async function countyBench(opts: {
  natsServer: string;
  /** The checkout whose county is measured (this one unless given: another commit's, to compare). */
  root?: string;
  offers: number;
  leads: number;
  /** Seconds the county rests after the demo before its memory is read. */
  restS?: number;
  log: (s: string) => void;
}): Promise<Record<string, Figure>> {
  const root = opts.root ?? resolve(import.meta.dirname, "..");
  const stateDir = mkdtempSync(join(tmpdir(), "liandong-bench-county-"));
  let running: Up | undefined;
  let floor: HandoffFloor | undefined;
  const monitorPort = await freePort();
  /** Messages each connection has sent to the server and received from it so far, by name. */
  const messages = async () => {
    const res = await request(`http://127.0.0.1:${monitorPort}/connz?limit=1024`);
    const { connections } = (await res.body.json()) as {
      connections: { name?: string; cid: number; in_msgs: number; out_msgs: number }[];
    };
    return new Map(connections.map((c) => [`${c.name ?? "?"}#${c.cid}`, c]));
  };
  /** Messages per operation between two readings: the services' to the server and back, by service. */
  const perOperation = (
    before: Awaited<ReturnType<typeof messages>>,
    after: Awaited<ReturnType<typeof messages>>,
    n: number,
  ) => {
    const by = new Map<string, { sent: number; received: number }>();
    for (const [key, c] of after) {
      const b = before.get(key);
      const name = key.split("#")[0]!;
      const t = by.get(name) ?? { sent: 0, received: 0 };
      t.sent += (c.in_msgs - (b?.in_msgs ?? 0)) / n;
      t.received += (c.out_msgs - (b?.out_msgs ?? 0)) / n;
      by.set(name, t);
    }
    let sent = 0;
    let received = 0;
    for (const t of by.values()) {
      sent += t.sent;
      received += t.received;
    }
    const detail = [...by]
      .filter(([, t]) => t.sent + t.received >= 0.05)
      .map(([name, t]) => `${name} ${t.sent.toFixed(1)}↑${t.received.toFixed(1)}↓`)
      .join("、");
    return { sent, received, detail };
  };
  try {
    // First start: builds whatever is not built yet, plays the demo.
    const first = await up(root, stateDir, ["--demo"], opts.natsServer, monitorPort);
    running = first.county;
    await new Promise((r) => setTimeout(r, (opts.restS ?? 5) * 1000));
    const pids = processTree(first.county.proc.pid!);
    const memory = pids.map(memoryOf);
    const mb = (kb: number) => Number((kb / 1024).toFixed(0));
    const rss = memory.reduce((s, m) => s + m.rss, 0);
    const pss = memory.reduce((s, m) => s + m.pss, 0);
    opts.log(
      `县级总线静止时内存（演示数据之后，${pids.length} 个进程）：RSS 合计 ${mb(rss)} MB，PSS 合计 ${mb(pss)} MB` +
        `（${memory
          .filter((m) => m.rss > 4096)
          .map((m) => `${m.name} ${mb(m.rss)}`)
          .join("、")}）`,
    );
    await first.county.stop();
    running = undefined;

    // Second start: what an operator waits for every time after the first.
    const second = await up(root, stateDir, [], opts.natsServer, monitorPort);
    running = second.county;
    opts.log(`第二次启动至全部服务就绪：${second.readyS.toFixed(2)} 秒`);

    const tokens = JSON.parse(readFileSync(join(stateDir, "secrets", "tokens.json"), "utf8")) as {
      officer: string;
      token: string;
    }[];
    const ports = JSON.parse(readFileSync(join(stateDir, "ports.json"), "utf8")) as Record<
      string,
      number
    >;
    const { county: code } = JSON.parse(readFileSync(join(stateDir, "county.json"), "utf8")) as {
      county: string;
    };
    const urlOf = (agency: string) => `http://127.0.0.1:${ports[agency]}`;
    const tokenOf = (agency: string) =>
      tokens.find((t) => t.officer === `${agency}.liaison`)?.token ?? "";
    const post = async (agency: string, path: string, body: unknown, key?: string) => {
      const res = await request(`${urlOf(agency)}${path}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${tokenOf(agency)}`,
          "content-type": "application/json",
          ...(key ? { "idempotency-key": key } : {}),
        },
        body: JSON.stringify(body),
      });
      const answer = (await res.body.json()) as Record<string, unknown>;
      if (res.statusCode !== 201)
        throw new Error(`${path}: ${res.statusCode} ${JSON.stringify(answer)}`);
      return answer;
    };
    const lead = (i: number) =>
      post("family-planning", "/leads", {
        source: "pregnancy-disappearance",
        violations: ["sex-selective-termination"],
        target: { kind: "person", name: `随访对象${i}`, county: code },
        summary: "孕情不明原因消失",
      });
    const leadId = String((await lead(0)).leadId);
    const feed = referralFeed(urlOf("health"), tokenOf("health"), "?waiting=true");
    await feed.opened;
    // Warm: the first few of each are not what the county spends at work.
    for (let i = 0; i < 20; i++) await lead(i);
    const settle = () => new Promise((r) => setTimeout(r, 1000));
    /** `keyed`: with an Idempotency-Key, a fresh one for each offer, as the officer's page sends it. */
    const offer = async (i: number, keyed = false) => {
      const { referralId } = await post(
        "family-planning",
        "/referrals",
        { to: "health", about: { kind: "lead", id: leadId }, reason: `第${i}次移交` },
        keyed ? crypto.randomUUID() : undefined,
      );
      await feed.next((r) => r.referralId === referralId);
    };
    for (let i = 0; i < 20; i++) await offer(i);
    // The floor under a hand-off (bench/handoff-floor.ts), warmed as much.
    const started = await startHandoffFloor();
    floor = started;
    for (let i = 0; i < 20; i++) await started.offer(i);
    await settle();

    // One at a time, each to its end: CPU per hand-off, not a load's throughput.
    // The main command's own process (the bootstrap) too: it is part of what runs.
    const county = processTree(second.county.proc.pid!);
    const idle0 = cpuMsOfTree(county);
    const floorIdle0 = cpuMsByName(floor.pids);
    const idleParts0 = cpuMsByPart(county);
    await settle();
    await settle();
    const idlePerS = (cpuMsOfTree(county) - idle0) / 2;
    const floorIdlePerS = new Map(
      [...cpuMsByName(floor.pids)].map(([part, ms]) => [
        part,
        (ms - (floorIdle0.get(part) ?? 0)) / 2,
      ]),
    );
    const idlePartsPerS = new Map(
      [...cpuMsByPart(county)].map(([part, ms]) => [part, (ms - (idleParts0.get(part) ?? 0)) / 2]),
    );
    let t0 = performance.now();
    let cpu0 = cpuMsOfTree(county);
    let parts0 = cpuMsByPart(county);
    let msgs0 = await messages();
    const floor0 = cpuMsByName(floor.pids);
    // In blocks, the county's offers then as many of the floor's: both see the same machine
    // (this one's speed moves by a quarter within minutes), each warm within its block.
    for (let i = 0; i < opts.offers; i += FLOOR_BLOCK) {
      const end = Math.min(i + FLOOR_BLOCK, opts.offers);
      for (let j = i; j < end; j++) await offer(j);
      for (let j = i; j < end; j++) await floor.offer(j);
    }
    await settle();
    const offerMsgs = perOperation(msgs0, await messages(), opts.offers);
    const offerS = (performance.now() - t0) / 1000;
    const floorParts = perPart(floor0, cpuMsByName(floor.pids), floorIdlePerS, offerS, opts.offers);
    const floorCpu = floorParts.reduce((sum, [, ms]) => sum + ms, 0);
    await floor.close();
    floor = undefined;
    const handoffCpu = (cpuMsOfTree(county) - cpu0 - idlePerS * offerS) / opts.offers;
    const offerParts = perPart(parts0, cpuMsByPart(county), idlePartsPerS, offerS, opts.offers);
    // The same with an Idempotency-Key on each offer, as the officer's page sends one on every POST.
    t0 = performance.now();
    cpu0 = cpuMsOfTree(county);
    parts0 = cpuMsByPart(county);
    msgs0 = await messages();
    for (let i = 0; i < opts.offers; i++) await offer(i, true);
    await settle();
    const keyedMsgs = perOperation(msgs0, await messages(), opts.offers);
    const keyedS = (performance.now() - t0) / 1000;
    const keyedCpu = (cpuMsOfTree(county) - cpu0 - idlePerS * keyedS) / opts.offers;
    const keyedParts = perPart(parts0, cpuMsByPart(county), idlePartsPerS, keyedS, opts.offers);
    await feed.close();
    t0 = performance.now();
    cpu0 = cpuMsOfTree(county);
    parts0 = cpuMsByPart(county);
    msgs0 = await messages();
    for (let i = 0; i < opts.leads; i++) await lead(i);
    await settle();
    const leadMsgs = perOperation(msgs0, await messages(), opts.leads);
    const leadS = (performance.now() - t0) / 1000;
    const leadCpu = (cpuMsOfTree(county) - cpu0 - idlePerS * leadS) / opts.leads;
    const leadParts = perPart(parts0, cpuMsByPart(county), idlePartsPerS, leadS, opts.leads);
    opts.log(
      `每次移交（发出至对方动态）全县进程 CPU ${handoffCpu.toFixed(2)} ms（${opts.offers} 次）；` +
        `每条线索登记 ${leadCpu.toFixed(2)} ms（${opts.leads} 条）；静止时 ${idlePerS.toFixed(1)} ms/秒（已扣除）`,
    );
    opts.log(`每次移交 CPU 按进程（ms）：${partsLine(offerParts)}`);
    opts.log(
      `带 Idempotency-Key 的移交（如办案页面所发）：全县进程 CPU ${keyedCpu.toFixed(2)} ms（${partsLine(keyedParts)}）；` +
        `总线消息 ${keyedMsgs.sent.toFixed(1)}↑ ${keyedMsgs.received.toFixed(1)}↓（${keyedMsgs.detail}）`,
    );
    opts.log(`每条线索登记 CPU 按进程（ms）：${partsLine(leadParts)}`);
    opts.log(
      `总线消息（各连接发往服务器↑ / 服务器发来↓）：每次移交 ${offerMsgs.sent.toFixed(1)}↑ ${offerMsgs.received.toFixed(1)}↓（${offerMsgs.detail}）`,
    );
    opts.log(
      `每条线索登记 ${leadMsgs.sent.toFixed(1)}↑ ${leadMsgs.received.toFixed(1)}↓（${leadMsgs.detail}）`,
    );
    opts.log(
      `移交的 CPU 下限（bench/handoff-floor.ts 的最小链路：HTTP → 封签发布 → 双方留存副本 → 验签 → 推送；与上面的移交分段交替，各 ${opts.offers} 次）：${floorCpu.toFixed(2)} ms（${partsLine(floorParts)}）`,
    );
    return {
      "county.idle_rss_mb": { value: mb(rss), unit: "MB" },
      "county.idle_pss_mb": { value: mb(pss), unit: "MB" },
      "county.ready_s": { value: Number(second.readyS.toFixed(2)), unit: "s" },
      "handoff.cpu_ms": { value: Number(handoffCpu.toFixed(2)), unit: "ms" },
      "lead.cpu_ms": { value: Number(leadCpu.toFixed(2)), unit: "ms" },
      // A hand-off with an Idempotency-Key, as the officer's page makes it.
      "handoff.keyed_cpu_ms": { value: Number(keyedCpu.toFixed(2)), unit: "ms" },
      "handoff.keyed_bus_msgs": {
        value: Number((keyedMsgs.sent + keyedMsgs.received).toFixed(1)),
        unit: "msgs",
      },
      // The same, by part of the county: where a hand-off's CPU goes.
      ...Object.fromEntries(
        offerParts.map(([part, ms]) => [
          `handoff.cpu_ms.${part}`,
          { value: Number(ms.toFixed(2)), unit: "ms" },
        ]),
      ),
      // The least a hand-off with its guarantees costs here (bench/handoff-floor.ts), and ours over it.
      "handoff.floor_cpu_ms": { value: Number(floorCpu.toFixed(2)), unit: "ms" },
      "handoff.cpu_over_floor": {
        value: Number((handoffCpu / floorCpu).toFixed(2)),
        unit: "ratio",
      },
      ...Object.fromEntries(
        floorParts.map(([part, ms]) => [
          `handoff.floor_cpu_ms.${part}`,
          { value: Number(ms.toFixed(2)), unit: "ms" },
        ]),
      ),
      // Bus messages per operation, every connection's, both ways (nats-server's /connz).
      "handoff.bus_msgs": {
        value: Number((offerMsgs.sent + offerMsgs.received).toFixed(1)),
        unit: "msgs",
      },
      "lead.bus_msgs": {
        value: Number((leadMsgs.sent + leadMsgs.received).toFixed(1)),
        unit: "msgs",
      },
    };
  } finally {
    await floor?.close();
    await running?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
