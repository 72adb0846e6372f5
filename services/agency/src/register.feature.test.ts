// Importing a real-name register (实名登记导入) at the holding agency's desk, over the bus in
// memory: the good rows kept, each bad one refused with its row and column, a re-import changes
// nothing; another agency's register, an unknown one, a mapping naming a missing column refused
// as problem+json naming what is wrong; and nothing of the register goes on the bus.
import { STREAMS } from "@liandong/contracts";
import { type MemoryCounty, memoryCounty } from "@liandong/runtime";
import iconv from "iconv-lite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agencyDesks } from "./testing.ts";

let county: MemoryCounty;
beforeEach(async () => {
  county = await memoryCounty({ config: { county: "441723" }, services: agencyDesks() });
});
afterEach(async () => {
  await county.stop();
});

const mapping = {
  recordId: "登记号",
  idNumber: "身份证号",
  name: "姓名",
  checkedOn: "检查日期",
  weeks: "孕周",
  facility: "检查机构",
};
const csv = [
  "登记号,姓名,身份证号,检查日期,孕周,检查机构",
  "U001,王秀英,44172319900101002X,2026/3/5,16,县人民医院",
  "U002,李丽娟,441723199001010021,2026-03-06,16,县妇幼保健院",
  "U003,张敏,441723199001010021,2026-13-06,16,县妇幼保健院",
].join("\n");
const content = iconv.encode(csv, "gb18030").toString("base64");

describe("importing a register at the desk", () => {
  it("keeps the good rows, refuses the bad with row and column, and a re-import changes nothing", async () => {
    const health = county.as("health");
    const first = await health.post("/registers/ultrasound/imports", { mapping, content });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      register: "ultrasound",
      encoding: "gb18030",
      total: 3,
      kept: 2,
      added: 2,
      refused: [{ row: 4, column: "检查日期", field: "checkedOn" }],
    });
    const again = await health.post("/registers/ultrasound/imports", { mapping, content });
    expect(again.body).toMatchObject({ added: 0, changed: 0, unchanged: 2 });
    // The register stays in health's own bucket: nothing of it on the county's log.
    const log = county.streams
      .messages(STREAMS.events)
      .map((m) => new TextDecoder().decode(m.data))
      .join("\n");
    expect(log).not.toContain("44172319900101002X");
    expect(log).not.toContain("王秀英");
  });

  it("refuses another agency's register, an unknown one and a missing column, naming each", async () => {
    const fp = await county
      .as("family-planning")
      .post("/registers/ultrasound/imports", { mapping, content });
    expect(fp.status).toBe(403);
    expect(fp.type).toBe("application/problem+json");
    const unknown = await county
      .as("health")
      .post("/registers/census/imports", { mapping, content });
    expect(unknown.status).toBe(404);
    const missing = await county
      .as("health")
      .post("/registers/ultrasound/imports", { mapping: { ...mapping, weeks: "孕周数" }, content });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ errors: [{ field: "mapping.weeks" }] });
    const notBase64 = await county
      .as("health")
      .post("/registers/ultrasound/imports", { mapping, content: "###" });
    expect(notBase64.status).toBe(422);
    expect(notBase64.body).toMatchObject({ errors: [{ field: "content" }] });
  });
});
