import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { isRunning, LIFELINE_FD, startChild, waitReady } from "./processes.ts";

it("a child that exits while starting is reported with its exit code and its last words", async () => {
  const dir = mkdtempSync(join(tmpdir(), "liandong-child-"));
  try {
    const child = startChild(
      "commerce",
      process.execPath,
      [
        "-e",
        "console.log('starting'); console.error('Error: listen EADDRINUSE: 127.0.0.1:41831'); process.exit(3)",
      ],
      process.env,
      join(dir, "commerce.log"),
    );
    const failure = await waitReady("http://127.0.0.1:9/readyz", child, 10_000).catch((e) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(failure.message).toContain("commerce 启动失败");
    expect(failure.message).toContain("退出码 3");
    expect(failure.message).toContain("listen EADDRINUSE: 127.0.0.1:41831");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("a child's output and its errors both reach its log, whichever stream closes first", async () => {
  const dir = mkdtempSync(join(tmpdir(), "liandong-child-"));
  try {
    const logFile = join(dir, "health.log");
    const child = startChild(
      "health",
      process.execPath,
      [
        "-e",
        // Its output closed first, then a last word on its errors (as a crash report comes).
        "process.stdout.write('started\\n', () => { require('node:fs').closeSync(1); setTimeout(() => { console.error('late error'); process.exit(0); }, 200); });",
      ],
      process.env,
      logFile,
    );
    await child.exited;
    expect(await child.tail()).toContain("late error");
    // The file is written behind: wait for the last word to land.
    let log = "";
    for (let i = 0; i < 50 && !log.includes("late error"); i++) {
      await new Promise((r) => setTimeout(r, 50));
      log = readFileSync(logFile, "utf8");
    }
    expect(log).toContain("started");
    expect(log).toContain("late error");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("a wrapped program (nats-server's way) is stopped when the launcher's lifeline ends", async () => {
  const dir = mkdtempSync(join(tmpdir(), "liandong-child-"));
  try {
    const child = startChild(
      "nats-server",
      "/bin/sh",
      ["-c", "echo pid $$; exec sleep 600"],
      process.env,
      join(dir, "nats-server.log"),
      { wrap: true },
    );
    let pid: number | undefined;
    while (pid === undefined) {
      await new Promise((r) => setTimeout(r, 50));
      pid = Number(/pid (\d+)/.exec(await child.tail())?.[1]) || undefined;
    }
    expect(isRunning(child)).toBe(true);
    // The launcher gone: its end of the lifeline closes, as the kernel closes it on any death.
    (child.proc.stdio[LIFELINE_FD] as Socket).destroy();
    await child.exited;
    expect(() => process.kill(pid, 0)).toThrow();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("a signal to the wrapper reaches the wrapped program, whose status it exits with", async () => {
  const dir = mkdtempSync(join(tmpdir(), "liandong-child-"));
  try {
    const child = startChild(
      "nats-server",
      process.execPath,
      [
        "-e",
        "process.on('SIGTERM', () => process.exit(7)); console.log('up'); setInterval(() => {}, 1000)",
      ],
      process.env,
      join(dir, "nats-server.log"),
      { wrap: true },
    );
    while (!(await child.tail()).includes("up")) await new Promise((r) => setTimeout(r, 50));
    child.proc.kill("SIGTERM");
    expect(await child.exited).toBe(7);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
