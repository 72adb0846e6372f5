import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import { httpCall } from "@liandong/runtime";

/**
 * The descriptor on which every child of the launcher holds its lifeline: a pipe whose other end
 * only the launcher holds. Nothing is written on it; its end tells the child that the launcher is
 * gone, however it went (SIGKILL, the out-of-memory killer), and the child stops by itself.
 */
export const LIFELINE_FD = 3;
/** A program that cannot watch its lifeline (nats-server) runs behind this small wrapper. */
const LIFELINE_WRAPPER = join(import.meta.dirname, "lifeline.sh");

const running = new Set<ChildProcess>();
// If the launcher itself exits with children still running (an uncaught error), take them with
// it, wrapped programs included. (Killed outright, it cannot: then their lifelines stop them.)
process.once("exit", () => {
  for (const p of running) {
    try {
      process.kill(-p.pid!, "SIGKILL");
    } catch {
      p.kill("SIGKILL");
    }
  }
});

export type Child = {
  name: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
  logFile: string;
  /** The last lines the child wrote (of its last few KiB), to say why it failed. */
  tail(): Promise<string>;
};

/**
 * Starts a child whose output goes to a log file; the returned promise settles when it exits.
 * The child gets a lifeline (`LIANDONG_LIFELINE_FD`): a service watches it itself; a program
 * that cannot (`wrap`: nats-server) is run behind `lifeline.sh`, which stops it for it.
 */
export function startChild(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  opts: { wrap?: boolean } = {},
): Child {
  // Its output goes straight into its log file, not through the launcher: a service whose
  // launcher was killed still writes its last words (to a pipe with no reader, its logger would
  // retry forever and never stop), and nothing is lost if the launcher is slow to read.
  const log = openSync(logFile, "a");
  const from = fstatSync(log).size;
  const [file, argv] = opts.wrap
    ? ["/bin/sh", [LIFELINE_WRAPPER, command, ...args]]
    : [command, args];
  // Its own process group: Ctrl-C reaches the launcher only, which stops services before
  // nats-server, so that they drain while the bus is still there.
  const proc = spawn(file, argv, {
    env: { ...env, LIANDONG_LIFELINE_FD: String(LIFELINE_FD) },
    stdio: ["ignore", log, log, "pipe"],
    detached: true,
  });
  closeSync(log);
  running.add(proc);
  const lifeline = proc.stdio[LIFELINE_FD] as Socket | null;
  // The launcher's end must not keep it running, and it goes with the child.
  lifeline?.unref();
  lifeline?.on("error", () => undefined);
  proc.once("exit", () => {
    running.delete(proc);
    lifeline?.destroy();
  });
  const exited = new Promise<number | null>((resolve) =>
    proc.once("exit", (code) => resolve(code)),
  );
  return {
    name,
    proc,
    exited,
    logFile,
    async tail() {
      return lastLines(logFile, from).split("\n").slice(-20).join("\n");
    },
  };
}

/** Whether the child is still running. */
export const isRunning = (child: Child) =>
  child.proc.exitCode === null && child.proc.signalCode === null;

/** SIGKILL to the child's whole process group: a wrapped program goes with its wrapper. */
export function killGroup(child: Child): void {
  try {
    process.kill(-child.proc.pid!, "SIGKILL");
  } catch {
    child.proc.kill("SIGKILL");
  }
}

/** Asks a child to stop (SIGTERM) and kills it if it has not within `graceMs`. */
export async function stopChild(child: Child, graceMs = 10_000): Promise<void> {
  if (!isRunning(child)) return;
  child.proc.kill("SIGTERM");
  const timer = setTimeout(() => killGroup(child), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Polls `url` until it answers 200, the child exits, or time runs out. */
export async function waitReady(url: string, child: Child, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(
        `${child.name} 启动失败（进程已退出，退出码 ${child.proc.exitCode ?? child.proc.signalCode}）。日志末尾（${child.logFile}）：\n${await child.tail()}`,
      );
    }
    try {
      if ((await httpCall(url, { timeoutMs: 1000 })).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${child.name} 未在 ${timeoutMs / 1000} 秒内就绪：${url}`);
}

/** What this run wrote to a log (from byte `from` on), its last 4 KiB at most. */
function lastLines(logFile: string, from: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(logFile, "r");
    const size = fstatSync(fd).size;
    const start = Math.max(from, size - 4096);
    const buf = Buffer.alloc(Math.max(0, size - start));
    readSync(fd, buf, 0, buf.length, start);
    return buf.toString("utf8");
  } catch {
    return "";
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
