// `pnpm generate` writes contracts/generated/*; `--check` fails when they differ from the schemas.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { renderGenerated } from "./render.ts";

const base = resolve(import.meta.dirname, "..");
const check = process.argv.includes("--check");
const stale: string[] = [];
for (const [path, text] of Object.entries(await renderGenerated())) {
  const file = join(base, path);
  const current = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  if (current === text) continue;
  if (check) stale.push(path);
  else {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    process.stdout.write(`已生成 contracts/${path}\n`);
  }
}
if (stale.length > 0) {
  process.stderr.write(
    `生成文件已过期（与 schema 不一致）：${stale.map((p) => `contracts/${p}`).join("、")}\n请运行 pnpm generate 并提交。\n`,
  );
  process.exit(1);
}
