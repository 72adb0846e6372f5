import { readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { alive } from "./free-port.ts";

/**
 * Who holds a county's state folder: the launcher, and the process groups of what it started
 * (each child leads a group of its own; nats-server runs in its wrapper's). Written in the folder
 * as `county.lock`; never two launchers, never two nats-servers on one store.
 */
export type LockHolder = {
  pid: number;
  /** The launcher's command line as it was when it took the lock (a reused pid shows another). */
  command: string;
  started: string;
  children: { name: string; pgid: number }[];
};

export class CountyLockedError extends Error {
  override name = "CountyLockedError";
  readonly code = "county-locked";
}

/** A process's command line as the system has it; undefined where it cannot be read. */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return undefined;
  }
}

/** A process's state and group, as Linux's /proc has them; undefined where it cannot be read. */
function procStat(pid: number | string): { state: string; pgid: number } | undefined {
  try {
    // "pid (comm) state ppid pgrp …": the command may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state = "", , pgid = ""] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state, pgid: Number(pgid) };
  } catch {
    return undefined;
  }
}

/**
 * Whether a process runs: exists and is not a zombie (dead, its exit not yet collected: an orphan
 * waits for init to collect it, which may take a while, but holds nothing any more).
 */
export function running(pid: number): boolean {
  if (!alive(pid)) return false;
  const stat = procStat(pid);
  return stat === undefined || stat.state !== "Z";
}

/**
 * Whether any process of the group runs (a wrapped nats-server may outlive its wrapper briefly).
 * Without /proc, whether any exists.
 */
export function groupRunning(pgid: number): boolean {
  if (!alive(-pgid)) return false;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return true;
  }
  return pids.some((p) => {
    const stat = procStat(p);
    return stat !== undefined && stat.pgid === pgid && stat.state !== "Z";
  });
}

/** The launcher that took the lock is still running: alive, and the same program (not a reused pid). */
function launcherRunning(holder: LockHolder): boolean {
  if (!running(holder.pid)) return false;
  const now = commandLine(holder.pid);
  return now === undefined || now === holder.command;
}

const myCommand = () => commandLine(process.pid) ?? process.argv.join(" ");

export type StateLock = {
  file: string;
  /** Records a child's process group (its pid: each child leads its own). */
  child(name: string, pgid: number): void;
  /** Forgets a child that has exited. */
  forget(pgid: number): void;
  release(): void;
};

/**
 * Takes the lock on `stateDir`, or refuses, in words an operator reads, naming the process that
 * runs the county there. The processes a killed launcher left may still be stopping (their
 * lifelines stop them within seconds): they are waited for up to `waitMs`, then named.
 */
export async function lockStateDir(
  stateDir: string,
  opts: { waitMs?: number; say?: (line: string) => void } = {},
): Promise<StateLock> {
  const file = join(stateDir, "county.lock");
  const deadline = Date.now() + (opts.waitMs ?? 20_000);
  let told = false;
  for (;;) {
    const holder = readHolder(file);
    if (holder) {
      if (holder.pid !== process.pid && launcherRunning(holder))
        throw new CountyLockedError(
          `数据目录 ${stateDir} 已有一个联动县在运行：进程 ${holder.pid}（${holder.command}），` +
            `自 ${holder.started} 起。请先停止它（在它的终端按 Ctrl-C，或 kill ${holder.pid}），` +
            "或用 LIANDONG_STATE_DIR 指定另一个数据目录。",
        );
      const left = holder.children.filter((c) => groupRunning(c.pgid));
      if (left.length > 0) {
        if (Date.now() > deadline)
          throw new CountyLockedError(
            `数据目录 ${stateDir} 上次运行留下的进程仍未退出：${left.map((c) => `${c.name}（进程组 ${c.pgid}）`).join("、")}。` +
              `请结束它们（kill -TERM -<进程组>）后重试。`,
          );
        if (!told) opts.say?.("等待上次运行留下的进程退出…");
        told = true;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      // Nothing of it runs any more: the lock is stale.
      try {
        unlinkSync(file);
      } catch {
        // Taken over meanwhile: looked at again.
      }
    }
    const mine: LockHolder = {
      pid: process.pid,
      command: myCommand(),
      started: new Date().toISOString(),
      children: [],
    };
    try {
      writeFileSync(file, `${JSON.stringify(mine)}\n`, { flag: "wx", mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw err;
    }
    const save = () => writeFileSync(file, `${JSON.stringify(mine)}\n`, { mode: 0o600 });
    return {
      file,
      child(name, pgid) {
        mine.children.push({ name, pgid });
        save();
      },
      forget(pgid) {
        mine.children = mine.children.filter((c) => c.pgid !== pgid);
        save();
      },
      release() {
        if (readHolder(file)?.pid === process.pid) unlinkSync(file);
      },
    };
  }
}

function readHolder(file: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return Number.isInteger(h.pid) && Array.isArray(h.children) ? h : undefined;
  } catch {
    // Half written by a launcher killed as it wrote: nothing holds it.
    return undefined;
  }
}
