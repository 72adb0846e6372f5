import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CountyConfig } from "./config.ts";

const ROOT = resolve(import.meta.dirname, "../..");

describe("the county configuration is strict", () => {
  it("refuses a key it does not know, naming it", () => {
    const r = CountyConfig.safeParse({ county: "441702", routnig: {} });
    expect(r.success).toBe(false);
    expect(z.prettifyError(r.error!)).toContain('"routnig"');
    // Also inside: a misspelt deadline is not silently the default.
    const inner = CountyConfig.safeParse({ county: "441702", deadlines: { acceptDays: 5 } });
    expect(inner.success).toBe(false);
    expect(z.prettifyError(inner.error!)).toContain('"acceptDays"');
  });

  it("refuses a routing rule to an agency the county does not have, naming it and where", () => {
    const r = CountyConfig.safeParse({
      county: "441702",
      routing: { "public-tip": ["health", "womens-federation"] },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues).toEqual([
      expect.objectContaining({
        path: ["routing", "public-tip", 1],
        message: expect.stringContaining("womens-federation is not an agency of this county"),
      }),
    ]);
    // Added by configuration, the same agency may be routed to.
    const added = CountyConfig.safeParse({
      county: "441702",
      agencies: [
        { code: "health", name: "卫生健康部门", shortName: "卫健" },
        { code: "womens-federation", name: "妇女联合会", shortName: "妇联" },
      ],
      routing: { "public-tip": ["health", "womens-federation"] },
    });
    expect(added.success, JSON.stringify(added.error?.issues)).toBe(true);
  });

  it("the repository's liandong.county.json is valid and names the generated JSON Schema", () => {
    const file = JSON.parse(readFileSync(resolve(ROOT, "liandong.county.json"), "utf8"));
    expect(CountyConfig.safeParse(file).success).toBe(true);
    const schema = JSON.parse(readFileSync(resolve(ROOT, file.$schema), "utf8"));
    expect(schema.additionalProperties).toBe(false);
    for (const key of Object.keys(file)) expect(Object.keys(schema.properties)).toContain(key);
  });
});
