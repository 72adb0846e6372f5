import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { renderGenerated } from "../scripts/render.ts";

it("the committed generated files match the schemas (run `pnpm generate` when this fails)", async () => {
  for (const [path, text] of Object.entries(await renderGenerated())) {
    expect(readFileSync(join(import.meta.dirname, "..", path), "utf8"), path).toBe(text);
  }
});
