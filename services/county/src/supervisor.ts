import { appendFileSync } from "node:fs";
import { type Child, isRunning, killGroup, stopChild } from "./processes.ts";

export type Backoff = { firstMs: number; maxMs: number; stableMs: number };

/** Back-off between restarts of a service that keeps crashing: 1 s, 2 s, 4 s… at most 30 s. */
export const BACKOFF: Backoff = { firstMs: 1000, maxMs: 30_000, stableMs: 60_000 };

/** Pure: how long to wait before the `n`th restart in a row (n ≥ 1) of a crashing service. */
export function restartDelay(n: number, backoff: Omit<Backoff, "stableMs"> = BACKOFF) {
  return Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.max(0, n - 1));
}

/**
 * One service kept running by the launcher: started again after a crash, with back-off, and said
 * on the console and in its own log. A crash after it ran `stableMs` starts the back-off anew.
 * `start(restarts)` starts the process (told how often it was restarted).
 */
export class Supervised {
  #child: Child | undefined;
  #wanted = false;
  #timer: NodeJS.Timeout | undefined;
  /** Restarts since the launcher started it; and in a row, for the back-off. */
  restarts = 0;
  #inARow = 0;

  constructor(
    readonly name: string,
    private readonly start: (restarts: number) => Child,
    private readonly opts: {
      say?: (line: string) => void;
      /** A process started (a restart included): its process group is recorded (the lock). */
      started?: (child: Child) => void;
      backoff?: Backoff;
    } = {},
  ) {}

  get child(): Child | undefined {
    return this.#child;
  }

  /** Starts it: a failed start is the launcher's to report, not restarted. */
  run(): Child {
    return this.#spawn();
  }

  /** From now on (it is ready) it is started again whenever it ends, until `stop` or `kill`. */
  keep(): void {
    this.#wanted = true;
    const c = this.#child;
    if (c && !isRunning(c)) this.#crashed(c, Date.now());
  }

  #spawn(): Child {
    const child = this.start(this.restarts);
    this.#child = child;
    this.opts.started?.(child);
    const since = Date.now();
    void child.exited.then(() => {
      if (this.#wanted && this.#child === child) this.#crashed(child, since);
    });
    return child;
  }

  #crashed(child: Child, since: number): void {
    const backoff = this.opts.backoff ?? BACKOFF;
    this.#inARow = Date.now() - since >= backoff.stableMs ? 1 : this.#inARow + 1;
    const delay = restartDelay(this.#inARow, backoff);
    const how =
      child.proc.signalCode !== null
        ? `信号 ${child.proc.signalCode}`
        : `退出码 ${child.proc.exitCode}`;
    const line = `${this.name} 意外退出（${how}），${delay / 1000} 秒后重启（第 ${this.restarts + 1} 次重启）`;
    this.opts.say?.(line);
    try {
      appendFileSync(
        child.logFile,
        `${JSON.stringify({ level: 50, time: new Date().toISOString(), service: this.name, msg: "restarting after crash", by: "launcher", delayMs: delay, restart: this.restarts + 1 })}\n`,
      );
    } catch {
      // Its log cannot be written: the console has said it.
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#wanted) return;
      this.restarts++;
      this.#spawn();
    }, delay);
  }

  /** Graceful: SIGTERM, then SIGKILL after `graceMs`; not started again. */
  async stop(graceMs?: number): Promise<void> {
    this.#wanted = false;
    clearTimeout(this.#timer);
    if (this.#child) await stopChild(this.#child, graceMs);
  }

  /** SIGKILL, as a power cut would; not started again. */
  async kill(): Promise<void> {
    this.#wanted = false;
    clearTimeout(this.#timer);
    const c = this.#child;
    if (!c || !isRunning(c)) return;
    killGroup(c);
    await c.exited;
  }
}
