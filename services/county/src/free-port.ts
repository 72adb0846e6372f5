import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Ports for counties started by tests and benchmarks. A port the kernel hands out for
 * `listen(0)` is free only for that moment: until the service binds it, seconds later, an
 * outgoing connection or another test's pick may take it (EADDRINUSE, seen in CI). So ports come
 * from below the kernel's ephemeral range, which outgoing connections and `listen(0)` never use,
 * and each is claimed for this process in a file other processes on the machine respect.
 */
const LOW = 20_000;
const claimDir = join(tmpdir(), "liandong-ports");
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Claims `port` for this process unless a live process holds the claim. */
export function claim(port: number): boolean {
  const file = join(claimDir, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(readFileSync(file, "utf8"));
      if (holder === process.pid || (holder > 0 && alive(holder))) return false;
      // Left by a process that has gone: take it over (of two takers, one creates it).
      try {
        unlinkSync(file);
      } catch {
        // the other taker removed it first
      }
    }
  }
  return false;
}

function release(port: number) {
  try {
    if (Number(readFileSync(join(claimDir, String(port)), "utf8")) === process.pid)
      unlinkSync(join(claimDir, String(port)));
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
  for (const name of readdirSync(claimDir)) {
    try {
      const holder = Number(readFileSync(join(claimDir, name), "utf8"));
      if (!(holder > 0 && alive(holder))) unlinkSync(join(claimDir, name));
    } catch {
      // taken over or removed by another process meanwhile
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
