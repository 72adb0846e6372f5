import {
  type AgencyCode,
  REGISTERS,
  RecordRef,
  RegisterImportRequest,
  type RegisterImportResult,
  RegisterName,
  type Reidentified,
  ReidentifyRequest,
} from "@liandong/contracts";
import {
  type AggregateLog,
  type Bucket,
  type HttpEnv,
  ProblemError,
  readJson,
  uuidFromName,
  ValidationError,
} from "@liandong/runtime";
import { Hono } from "hono";
import type { ComparisonDesk } from "./comparison-desk.ts";

/**
 * The import's parsing (CSV with GB18030 via iconv-lite, csv-parse; Excel via exceljs) loaded
 * when a register is first imported: an agency that never imports one never holds that code
 * (iconv-lite's half a megabyte of source alone).
 */
const registerImport = () => import("./register-import.ts");

/**
 * The agency's own real-name registers (实名登记): an officer imports a file exported by a
 * hospital or department system into a register this agency holds. Nothing of it leaves the
 * agency here; comparison takes pseudonyms and facts only.
 */
export function registerRoutes(deps: {
  agency: AgencyCode;
  kv: Bucket;
  comparison: ComparisonDesk;
  log: AggregateLog;
}) {
  const app = new Hono<HttpEnv>();

  // 重新识别: the row of this agency's own behind a finding's reference, named to its officer, on
  // the record (who, which row, why) before it is answered. A reference this agency did not make
  // names nothing here: another agency's side of a finding is that agency's to name.
  app.post("/comparison/records/:ref/identification", async (c) => {
    const ref = RecordRef.safeParse(c.req.param("ref"));
    if (!ref.success)
      throw new ValidationError("invalid-query", "记录号应为32位十六进制", [
        { field: "ref", message: ref.error.issues[0]?.message ?? "record reference" },
      ]);
    const body = await readJson(c, ReidentifyRequest);
    const found = await deps.comparison.find(ref.data);
    if (!found)
      throw new ProblemError("not-found", {
        detail: "本部门的登记中没有该记录号（他部门的记录由其自行核实）",
      });
    const officer = c.get("officer");
    await deps.log.append({
      type: "comparison.reidentified",
      data: { ref: ref.data, register: found.register, reason: body.reason },
      actor: officer.id,
      aggregate: { kind: "comparison", id: uuidFromName(`${deps.agency}:reidentify:${ref.data}`) },
    });
    return c.json({
      ref: ref.data,
      register: found.register,
      row: found.row,
    } satisfies Reidentified);
  });

  app.post("/registers/:register/imports", async (c) => {
    const name = RegisterName.safeParse(c.req.param("register"));
    if (!name.success)
      throw new ProblemError("not-found", { detail: `没有名为 ${c.req.param("register")} 的登记` });
    const holder = REGISTERS[name.data].holder;
    if (holder !== deps.agency)
      throw new ProblemError("forbidden", { detail: `${name.data} 登记由 ${holder} 保管` });
    const body = await readJson(c, RegisterImportRequest);
    const { MappingError, parseRegisterFile, storeRegisterRows } = await registerImport();
    let parsed: Awaited<ReturnType<typeof parseRegisterFile>>;
    try {
      parsed = await parseRegisterFile(
        name.data,
        Buffer.from(body.content, "base64"),
        body.mapping,
      );
    } catch (err) {
      if (err instanceof MappingError)
        throw new ValidationError("invalid-body", err.message, [
          { field: `mapping.${err.field}`, message: err.message },
        ]);
      throw new ValidationError("invalid-body", "无法读取文件（应为 CSV 或 Excel）", [
        { field: "content", message: String((err as Error).message ?? err) },
      ]);
    }
    const stored = await storeRegisterRows(deps.kv, name.data, parsed.rows);
    const result: RegisterImportResult = {
      register: name.data,
      encoding: parsed.encoding,
      total: parsed.total,
      kept: parsed.rows.length,
      ...stored,
      refused: parsed.errors,
    };
    return c.json(result);
  });
  return app;
}
