import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { startChild } from "./processes.ts";
import { BACKOFF, restartDelay, Supervised } from "./supervisor.ts";

it("the back-off doubles from the first delay and stops growing at its ceiling", () => {
  expect([1, 2, 3, 4, 5, 6, 7].map((n) => restartDelay(n))).toEqual([
    1000, 2000, 4000, 8000, 16000, 30000, 30000,
  ]);
  for (let n = 1; n < 200; n++) {
    expect(restartDelay(n)).toBeLessThanOrEqual(BACKOFF.maxMs);
    expect(restartDelay(n + 1)).toBeGreaterThanOrEqual(restartDelay(n));
  }
});

it("a service that crashes once ready is started again, said on the console and in its log", async () => {
  const dir = mkdtempSync(join(tmpdir(), "liandong-supervised-"));
  const logFile = join(dir, "health.log");
  const said: string[] = [];
  const starts: number[] = [];
  // It crashes on its first run, and runs on the second.
  const s = new Supervised(
    "health",
    (restarts) => {
      starts.push(restarts);
      return startChild(
        "health",
        process.execPath,
        [
          "-e",
          restarts === 0 ? "setTimeout(() => process.exit(3), 100)" : "setInterval(() => {}, 1000)",
        ],
        process.env,
        logFile,
      );
    },
    { say: (l) => said.push(l), backoff: { firstMs: 50, maxMs: 200, stableMs: 60_000 } },
  );
  try {
    s.run();
    s.keep();
    while (starts.length < 2) await new Promise((r) => setTimeout(r, 20));
    expect(starts).toEqual([0, 1]);
    expect(s.restarts).toBe(1);
    expect(said).toEqual(["health 意外退出（退出码 3），0.05 秒后重启（第 1 次重启）"]);
    expect(readFileSync(logFile, "utf8")).toContain('"msg":"restarting after crash"');
    await s.stop(1000);
    await new Promise((r) => setTimeout(r, 150));
    // Stopped, it is not started again.
    expect(starts).toEqual([0, 1]);
  } finally {
    await s.stop(1000);
    rmSync(dir, { recursive: true, force: true });
  }
});

it("a failed start is not restarted: the launcher reports it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "liandong-supervised-"));
  let starts = 0;
  const s = new Supervised(
    "commerce",
    () => {
      starts++;
      return startChild(
        "commerce",
        process.execPath,
        ["-e", "process.exit(1)"],
        process.env,
        join(dir, "c.log"),
      );
    },
    { backoff: { firstMs: 10, maxMs: 10, stableMs: 60_000 } },
  );
  try {
    await s.run().exited;
    await new Promise((r) => setTimeout(r, 100));
    expect(starts).toBe(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
