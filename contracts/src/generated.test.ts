import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { renderGenerated, staleFiles, staleMessage } from "../scripts/render.ts";

const read = (path: string) => {
  const file = join(import.meta.dirname, "..", path);
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
};

it("the committed generated files match the schemas (the same comparison as `pnpm check:generated`)", async () => {
  const stale = staleFiles(await renderGenerated(), read);
  expect(stale, staleMessage(stale)).toEqual([]);
});

it("names every stale or missing file and says how to fix it", () => {
  const rendered = {
    "generated/a.json": "{}\n",
    "generated/b.json": "[]\n",
    "generated/c.d.ts": "",
  };
  const committed: Record<string, string> = {
    "generated/a.json": "{}\n",
    "generated/b.json": "[1]\n",
  };
  const stale = staleFiles(rendered, (p) => committed[p]);
  expect(stale).toEqual(["generated/b.json", "generated/c.d.ts"]);
  expect(staleMessage(stale)).toMatch(
    /生成文件已过期.*contracts\/generated\/b\.json、contracts\/generated\/c\.d\.ts[\s\S]*pnpm generate/,
  );
});
