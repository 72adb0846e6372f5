import {
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Ports for counties started by tests and benchmarks. A port the kernel hands out for
 * `listen(0)` is free only for that moment: until the service binds it, seconds later, an
 * outgoing connection or another test's pick may take it (EADDRINUSE, seen in CI). So ports come
 * from below the kernel's ephemeral range, which outgoing connections and `listen(0)` never use,
 * and each is claimed for this process in a way other processes on the machine respect.
 */
const LOW = 20_000;
const claimDir = join(tmpdir(), "liandong-port-claims");
const mine = new Set<number>();

function ephemeralLow(): number {
  try {
    const low = Number(
      readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").split(/\s+/)[0],
    );
    return Number.isInteger(low) && low > LOW + 1000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}
const HIGH = ephemeralLow();

/** Whether a process (or, given a negative pid, any process of that group) exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Claims `port` for this process unless a live process holds a claim on it: each claimant
 * writes a file named by its pid into the port's folder, then looks for others. Of two claiming
 * at once both see the other and try another port; nothing is ever taken over, so no claim can
 * be removed from under its holder. Claims of processes that are gone are ignored.
 */
export function claim(port: number): boolean {
  const dir = join(claimDir, String(port));
  const own = join(dir, String(process.pid));
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(own, "");
      break;
    } catch (err) {
      // Its empty folder pruned by another process between the two steps: make it again.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 3) throw err;
    }
  }
  const others = readdirSync(dir)
    .map(Number)
    .filter((pid) => pid !== process.pid && alive(pid));
  if (others.length === 0) return true;
  unlinkSync(own);
  return false;
}

function release(port: number) {
  try {
    unlinkSync(join(claimDir, String(port), String(process.pid)));
  } catch {
    // gone already
  }
}

process.once("exit", () => {
  for (const port of mine) release(port);
});

/** Claims of processes gone without saying so (test workers are killed, not exited). */
let pruned = false;
function pruneStale() {
  for (const port of readdirSync(claimDir)) {
    try {
      for (const pid of readdirSync(join(claimDir, port)))
        if (!alive(Number(pid))) unlinkSync(join(claimDir, port, pid));
      rmdirSync(join(claimDir, port));
    } catch {
      // still claimed, or removed by another process meanwhile
    }
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** A loopback port this process has to itself until it exits (see above). */
export async function freePort(): Promise<number> {
  if (!pruned) {
    mkdirSync(claimDir, { recursive: true });
    pruneStale();
    pruned = true;
  }
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (mine.has(port) || !claim(port)) continue;
    if (await bindable(port)) {
      mine.add(port);
      return port;
    }
    release(port);
  }
  throw new Error(`在 ${LOW}–${HIGH - 1} 之间找不到空闲端口`);
}
