import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { startChild, waitReady } from "./processes.ts";

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
