import {
  type AgencyCode,
  REGISTERS,
  RegisterImportRequest,
  type RegisterImportResult,
  RegisterName,
} from "@liandong/contracts";
import {
  type Bucket,
  type HttpEnv,
  ProblemError,
  readJson,
  ValidationError,
} from "@liandong/runtime";
import { Hono } from "hono";
import { MappingError, parseRegisterFile, storeRegisterRows } from "./register-import.ts";

/**
 * The agency's own real-name registers (实名登记): an officer imports a file exported by a
 * hospital or department system into a register this agency holds. Nothing of it leaves the
 * agency here; comparison takes pseudonyms and facts only.
 */
export function registerRoutes(deps: { agency: AgencyCode; kv: Bucket }) {
  const app = new Hono<HttpEnv>();
  app.post("/registers/:register/imports", async (c) => {
    const name = RegisterName.safeParse(c.req.param("register"));
    if (!name.success)
      throw new ProblemError("not-found", { detail: `没有名为 ${c.req.param("register")} 的登记` });
    const holder = REGISTERS[name.data].holder;
    if (holder !== deps.agency)
      throw new ProblemError("forbidden", { detail: `${name.data} 登记由 ${holder} 保管` });
    const body = await readJson(c, RegisterImportRequest);
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
