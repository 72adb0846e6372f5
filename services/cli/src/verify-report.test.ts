import { randomUUID } from "node:crypto";
import { LogVerifier } from "@liandong/runtime";
import { describe, expect, it } from "vitest";
import { reportLines, reportWithDetails } from "./verify-report.ts";

const COUNTY = "441723";

/** A log of one county holding one event of a county that is neither it nor its neighbour. */
function strayReport() {
  const id = randomUUID();
  const bytes = Buffer.from(
    JSON.stringify({
      specversion: "1.0",
      id,
      source: "liandong:620302:health",
      type: "lead.shared",
      time: "2026-12-05T00:00:00.000Z",
      county: "620302",
      agency: "health",
      actor: "health.liaison",
      aggregate: { kind: "lead", id },
      prev: null,
      data: {},
    }),
  );
  const v = new LogVerifier({ keys: {}, county: COUNTY, neighbours: ["620702"] });
  v.add({ seq: 1, subject: `ld.ev.620302.health.lead.${id}.health.${COUNTY}`, bytes });
  return { report: v.finish(), id };
}

describe("what liandong verify tells a person of a finding", () => {
  it("in Chinese by default: its kind, where, and why, agencies and counties by name", () => {
    const { report, id } = strayReport();
    expect(reportLines(report, COUNTY, "zh")).toContain(
      `  1. 区域外县份 — 部门 卫生健康部门，流序号 1，事件 ${id}：事件声称属于金川区（620302），既非本县阳东县（441723）也非邻县`,
    );
  });

  it("in English when asked", () => {
    const { report, id } = strayReport();
    const lines = reportLines(report, COUNTY, "en");
    expect(lines).toContain(
      `  1. foreign county — agency health, stream sequence 1, event ${id}: claims county 620302, neither county 441723 nor a neighbour of it`,
    );
    expect(lines.join("\n")).not.toMatch(/[\u4e00-\u9fff]/);
  });

  it("the JSON keeps each finding's code and parameters, its words beside in the language asked", () => {
    const { report } = strayReport();
    const [finding] = reportWithDetails(report, "zh").findings;
    expect(finding).toMatchObject({
      kind: "foreign-county",
      agency: "health",
      code: "audit.foreign-county",
      params: {
        county: { zh: "金川区（620302）", en: "county 620302" },
        own: { zh: "阳东县（441723）", en: "county 441723" },
      },
      detail: "事件声称属于金川区（620302），既非本县阳东县（441723）也非邻县",
    });
    expect(reportWithDetails(report, "en").findings[0]!.detail).toBe(
      "claims county 620302, neither county 441723 nor a neighbour of it",
    );
  });
});
