import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CountyConfig, UiConfig } from "@liandong/contracts";
import type { ServiceContext } from "@liandong/runtime";
import { describe, expect, it } from "vitest";
import { servicesFor } from "./web.ts";

const config = CountyConfig.parse(
  JSON.parse(readFileSync(resolve(import.meta.dirname, "../../../liandong.county.json"), "utf8")),
);

describe("the page's configuration (/ui/config.json)", () => {
  it("gives each service's short name, as steps name their officers (张三（卫健联络员）)", () => {
    const ctx = {
      agency: "office",
      config,
      env: {
        LIANDONG_SERVICE_URLS: {
          office: "http://127.0.0.1:7100",
          health: "http://127.0.0.1:7101",
        },
      },
    } as unknown as Pick<ServiceContext, "agency" | "config" | "env">;
    const services = servicesFor(ctx, "localhost");
    expect(services).toEqual([
      expect.objectContaining({ code: "health", shortName: "卫健", url: "http://localhost:7101" }),
      expect.objectContaining({ code: "office", url: "" }),
    ]);
    expect(UiConfig.safeParse({ county: config.county, services }).success).toBe(true);
  });
});
