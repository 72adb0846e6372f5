// Problems as the HTTP boundary renders them: status and title from the contracts' catalogue,
// Chinese unless the reader asks for English, field messages from zod's own locales.
import { PROBLEM_CODES, PROBLEMS, Problem } from "@liandong/contracts";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ProblemError, ValidationError } from "./errors.ts";
import { createHttpApp, readJson, readQuery } from "./http.ts";
import { createLogger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";

const Body = z.object({ name: z.string().min(2), count: z.number().int() });
const Query = z.object({ month: z.enum(["2025-01", "2025-02"]) });

function app() {
  const a = createHttpApp({
    logger: createLogger("test", "silent"),
    metrics: createMetrics("test"),
    maxBodyBytes: 1024,
  });
  a.get("/new/:code", (c) => {
    throw new ProblemError(c.req.param("code") as never, { detail: "the particulars" });
  });
  a.get("/old", () => {
    throw new ProblemError(404, "not-found", "未找到该线索", "no lead with this id", {
      current: { leadId: "x" },
    });
  });
  a.get("/old-both", () => {
    throw new ProblemError(
      422,
      "invalid-report",
      "月份有误",
      { zh: "月份格式为 YYYY-MM", en: "month: YYYY-MM" },
      { errors: [{ field: "month", message: { zh: "月份格式为 YYYY-MM", en: "YYYY-MM" } }] },
    );
  });
  a.get("/old-same-title", () => {
    throw new ProblemError(409, "case-closed", "案件已结案");
  });
  a.get("/invalid", () => {
    throw new ValidationError("sanction-refused", "本部门无权作出该处罚", [
      { field: "sanctions.0.kind", message: "不在本部门职权内" },
    ]);
  });
  a.get("/boom", () => {
    throw new Error("unexpected");
  });
  a.post("/body", async (c) => c.json(await readJson(c, Body)));
  a.get("/query", (c) => c.json(readQuery(c, Query)));
  return a;
}

const en = { "accept-language": "en-GB,en;q=0.9,zh-CN;q=0.5" };
const json = { "content-type": "application/json" };

async function problem(res: Response) {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as Problem & Record<string, unknown>;
  // A problem body by the contract; the members a problem adds (`current`) kept.
  expect(Problem.safeParse(body).success).toBe(true);
  return body;
}

describe("problem rendering", () => {
  it("every catalogued code: its status, its Chinese title by default and its English title when asked", async () => {
    const a = app();
    for (const code of PROBLEM_CODES) {
      const zh = await a.request(`/new/${code}`);
      expect(zh.status, code).toBe(PROBLEMS[code].status);
      expect(zh.headers.get("content-language")).toBe("zh-CN");
      const body = await problem(zh);
      expect(body).toMatchObject({
        type: `https://liandong.example/problems/${code}`,
        title: PROBLEMS[code].zh,
        status: PROBLEMS[code].status,
        detail: "the particulars",
        instance: `/new/${code}`,
      });
      const english = await a.request(`/new/${code}`, { headers: en });
      expect(english.headers.get("content-language")).toBe("en");
      expect((await problem(english)).title).toBe(PROBLEMS[code].en);
    }
  });

  it("the older form keeps its status; its own Chinese title is the detail, its English words only in English", async () => {
    const a = app();
    const zh = await problem(await a.request("/old"));
    expect(zh).toMatchObject({
      status: 404,
      title: "未找到",
      detail: "未找到该线索",
      current: { leadId: "x" },
    });
    const english = await problem(await a.request("/old", { headers: en }));
    expect(english).toMatchObject({ title: "Not found", detail: "no lead with this id" });
    // Particulars given in both languages: each reader reads them in theirs, fields too.
    expect(await problem(await a.request("/old-both"))).toMatchObject({
      detail: "月份有误：月份格式为 YYYY-MM",
      errors: [{ field: "month", message: "月份格式为 YYYY-MM" }],
    });
    expect(await problem(await a.request("/old-both", { headers: en }))).toMatchObject({
      detail: "month: YYYY-MM",
      errors: [{ field: "month", message: "YYYY-MM" }],
    });
    // A title that is the catalogue's own is not repeated as a detail.
    expect((await problem(await a.request("/old-same-title"))).detail).toBeUndefined();
  });

  it("a refusal by a rule names its fields; an unexpected error is an internal problem", async () => {
    const a = app();
    const refused = await a.request("/invalid");
    expect(refused.status).toBe(422);
    expect(await problem(refused)).toMatchObject({
      title: PROBLEMS["sanction-refused"].zh,
      errors: [{ field: "sanctions.0.kind", message: "不在本部门职权内" }],
    });
    const boom = await a.request("/boom", { headers: en });
    expect(boom.status).toBe(500);
    expect((await problem(boom)).title).toBe("Internal error");
  });

  it("an unknown path is a catalogued 404 naming the request", async () => {
    const res = await app().request("/nowhere", { method: "POST" });
    expect(res.status).toBe(404);
    expect(await problem(res)).toMatchObject({ title: "未找到", detail: "POST /nowhere" });
  });
});

describe("field messages", () => {
  const bad = JSON.stringify({ name: "x", count: "3" });

  it("in Chinese by default: zod's zh-CN locale, each field named", async () => {
    const res = await app().request("/body", { method: "POST", body: bad, headers: json });
    expect(res.status).toBe(422);
    const body = await problem(res);
    expect(body.title).toBe("请求内容不符合要求");
    expect(body.errors).toEqual([
      { field: "name", message: "数值过小：期望 string >=2 字符" },
      { field: "count", message: "无效输入：期望 数字，实际接收 string" },
    ]);
  });

  it("in English when Accept-Language prefers English", async () => {
    const res = await app().request("/body", {
      method: "POST",
      body: bad,
      headers: { ...json, ...en },
    });
    const body = await problem(res);
    expect(body.title).toBe("Invalid request body");
    expect(body.errors?.map((e) => e.field)).toEqual(["name", "count"]);
    expect(body.errors?.[1]?.message).toBe("Invalid input: expected number, received string");
  });

  it("Chinese when Chinese is preferred to English, or the header names neither", async () => {
    for (const header of ["zh-CN,en;q=0.8", "fr-FR", "*", "en;q=0.4, zh;q=0.6"]) {
      const res = await app().request("/query?month=2024-13", {
        headers: { "accept-language": header },
      });
      const body = await problem(res);
      expect(body.title, header).toBe("查询参数不符合要求");
      expect(body.errors?.[0]?.field).toBe("month");
      expect(body.errors?.[0]?.message, header).toMatch(/^无效选项/);
    }
  });

  it("an Idempotency-Key's too: Chinese by default, English when asked, the header named", async () => {
    const a = app();
    const bad = { "idempotency-key": "x".repeat(101) };
    const zh = await a.request("/query?month=2025-01", { headers: bad });
    expect(zh.status).toBe(422);
    const zhBody = (await problem(zh)) as { errors: { field: string; message: string }[] };
    expect(zhBody.errors[0]?.field).toBe("Idempotency-Key");
    expect(zhBody.errors[0]?.message).toMatch(/[\u4e00-\u9fff]/);
    const english = await a.request("/query?month=2025-01", { headers: { ...bad, ...en } });
    const enBody = (await problem(english)) as { errors: { field: string; message: string }[] };
    expect(enBody.errors[0]?.message).toMatch(/^[\x20-\x7e]+$/);
  });

  it("valid input passes either way", async () => {
    const ok = await app().request("/body", {
      method: "POST",
      body: JSON.stringify({ name: "xy", count: 3 }),
      headers: json,
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ name: "xy", count: 3 });
  });
});
