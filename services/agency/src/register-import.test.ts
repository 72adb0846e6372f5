import { MemoryBucket } from "@liandong/runtime";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import {
  decodeText,
  MappingError,
  parseRegisterFile,
  storeRegisterRows,
} from "./register-import.ts";

/** A hospital system's export of its ultrasound register, as its own headers name the columns. */
const MAPPING = {
  recordId: "登记号",
  idNumber: "身份证号",
  name: "姓名",
  checkedOn: "检查日期",
  weeks: "孕周",
  expectedOn: "预产期",
  facility: "检查机构",
};
const CSV = [
  "登记号,姓名,身份证号,检查日期,孕周,预产期,检查机构",
  "U001,王秀英,44172319900101002X,2026/3/5,16,2026-08-20,县人民医院",
  "U002,李丽娟,441723199001010021,2026年3月6日,十六,,县妇幼保健院",
  "U003,张敏,12345,2026-03-07,18,,某镇卫生院",
  "U004,刘芳,441723199203040048,20260308,20,,某镇卫生院",
  "",
].join("\r\n");

describe("importing a register file", () => {
  it("reads UTF-8 and GB18030 alike, telling them apart", async () => {
    const utf8 = await parseRegisterFile("ultrasound", Buffer.from(CSV, "utf8"), MAPPING);
    const gb = await parseRegisterFile("ultrasound", iconv.encode(CSV, "gb18030"), MAPPING);
    expect(utf8.encoding).toBe("utf-8");
    expect(gb.encoding).toBe("gb18030");
    expect(gb.rows).toEqual(utf8.rows);
    expect(decodeText(Buffer.from(`\uFEFF${CSV}`, "utf8")).text.startsWith("登记号")).toBe(true);
  });

  it("keeps the good rows and refuses each bad one with its row number and column", async () => {
    const seen: number[] = [];
    const r = await parseRegisterFile("ultrasound", Buffer.from(CSV, "utf8"), MAPPING, {
      onProgress: (done) => seen.push(done),
      progressEvery: 2,
    });
    expect(r.total).toBe(4);
    expect(r.rows.map((x) => x.recordId)).toEqual(["U001", "U004"]);
    expect(r.rows[0]).toMatchObject({
      checkedOn: "2026-03-05",
      weeks: 16,
      expectedOn: "2026-08-20",
    });
    expect(r.rows[1]).toMatchObject({ checkedOn: "2026-03-08", weeks: 20 });
    expect(r.errors.map((e) => [e.row, e.column])).toEqual([
      [3, "孕周"],
      [4, "身份证号"],
    ]);
    expect(seen).toEqual([2, 4]);
  });

  it("refuses a mapping that names a column the file lacks, naming it", async () => {
    await expect(
      parseRegisterFile("ultrasound", Buffer.from(CSV, "utf8"), { ...MAPPING, weeks: "孕周数" }),
    ).rejects.toThrow(MappingError);
  });

  it("reads an Excel workbook's first sheet, dates as dates", async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet("B超登记");
    sheet.addRow(["登记号", "姓名", "身份证号", "检查日期", "孕周", "预产期", "检查机构"]);
    sheet.addRow([
      "U001",
      "王秀英",
      "44172319900101002X",
      new Date("2026-03-05"),
      16,
      null,
      "县人民医院",
    ]);
    sheet.addRow(["U002", "李丽娟", "441723199001010021", "not a day", 16, null, "县人民医院"]);
    const bytes = new Uint8Array(await book.xlsx.writeBuffer());
    const r = await parseRegisterFile("ultrasound", bytes, MAPPING);
    expect(r.encoding).toBe("xlsx");
    expect(r.rows).toEqual([
      {
        recordId: "U001",
        name: "王秀英",
        idNumber: "44172319900101002X",
        checkedOn: "2026-03-05",
        weeks: 16,
        facility: "县人民医院",
      },
    ]);
    expect(r.errors).toMatchObject([{ row: 3, column: "检查日期", field: "checkedOn" }]);
  });

  it("changes nothing when the same file is imported again; a corrected row replaces its own", async () => {
    const bucket = new MemoryBucket("agency_health");
    const first = await parseRegisterFile("ultrasound", Buffer.from(CSV, "utf8"), MAPPING);
    expect(await storeRegisterRows(bucket, "ultrasound", first.rows)).toEqual({
      added: 2,
      changed: 0,
      unchanged: 0,
    });
    expect(await storeRegisterRows(bucket, "ultrasound", first.rows)).toEqual({
      added: 0,
      changed: 0,
      unchanged: 2,
    });
    const fixed = CSV.replace(
      "U001,王秀英,44172319900101002X,2026/3/5,16",
      "U001,王秀英,44172319900101002X,2026/3/5,17",
    );
    const again = await parseRegisterFile("ultrasound", Buffer.from(fixed, "utf8"), MAPPING);
    expect(await storeRegisterRows(bucket, "ultrasound", again.rows)).toEqual({
      added: 0,
      changed: 1,
      unchanged: 1,
    });
  });
});
