import { type HttpEnv, readJson, requestStepId } from "@liandong/runtime";
import type { Context } from "hono";
import type { z } from "zod";

/**
 * An officer's request that makes one thing on the office's record (a plan, an order): its body,
 * read against `schema` (422 naming the field); its id, fixed by the officer and the request's
 * `Idempotency-Key`; and what a first request with that id made already, if any, for a retry
 * to answer with (200) whatever happened since.
 */
export async function officeRequest<S extends z.ZodType, T>(
  c: Context<HttpEnv>,
  kind: string,
  schema: S,
  made: (id: string) => T | undefined,
) {
  const officer = c.get("officer");
  const body = await readJson(c, schema);
  const id = requestStepId(c, `office:${kind}:${officer.id}`);
  return { officer, body, id, before: made(id) };
}
