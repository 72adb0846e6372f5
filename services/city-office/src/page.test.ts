import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CountyConfig } from "@liandong/contracts";
import type { ServiceContext } from "@liandong/runtime";
import { describe, expect, it } from "vitest";
import { cityPage } from "./page.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const config = CountyConfig.parse(
  JSON.parse(readFileSync(resolve(ROOT, "liandong.county.json"), "utf8")),
);
const ctx = {
  county: config.county,
  config,
  clock: () => new Date("2026-12-07T02:00:00Z"),
} as unknown as ServiceContext;

describe("the city's page (市级工作台)", () => {
  it("is a shell with no script of its own: its script is the bundle, under a strict policy", async () => {
    const app = await cityPage(ctx);
    const page = await app.request("/");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/ui/city.js"></script>');
    // No inline script: the only <script> is the bundle's.
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html).toContain('value="2026-11"');
    const policy = page.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("default-src 'self'");
    expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);

    const script = await app.request("/ui/city.js");
    expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);
    // esbuild writes what is not ASCII as \u escapes.
    const js = (await script.text()).replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) =>
      String.fromCharCode(Number.parseInt(h, 16)),
    );
    // The typed client's paths, and the labels of the one vocabulary (not copies of its own).
    expect(js).toContain("/city/reports/{file}");
    expect(js).toContain("已按时报送");
    expect(js).toContain("已答复");
  });
});
