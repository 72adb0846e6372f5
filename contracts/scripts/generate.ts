// `pnpm generate` writes contracts/generated/*; `--check` fails when they differ from the schemas.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { renderGenerated, staleFiles, staleMessage } from "./render.ts";

const base = resolve(import.meta.dirname, "..");
const read = (path: string) => {
  const file = join(base, path);
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
};

const rendered = await renderGenerated();
const stale = staleFiles(rendered, read);
if (process.argv.includes("--check")) {
  if (stale.length > 0) {
    process.stderr.write(staleMessage(stale));
    process.exit(1);
  }
} else {
  for (const path of stale) {
    const file = join(base, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, rendered[path]!);
    process.stdout.write(`已生成 contracts/${path}\n`);
  }
}
