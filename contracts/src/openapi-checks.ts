import { expect } from "vitest";

/**
 * What every OpenAPI document the services serve must hold, checked the same way for each (the
 * agency's, the office's, the city office's): for the documents' own tests.
 */
type Operation = {
  operationId: string;
  summary?: string;
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
};
export type CheckedDocument = {
  security: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

/** Each operation with where it stands (`GET /readyz`). */
export function operationsOf(doc: CheckedDocument): { where: string; o: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, o]) => ({ where: `${method.toUpperCase()} ${path}`, o })),
  );
}

/** The statuses an operation answers with a problem (application/problem+json, `Problem`). */
export function problemStatuses(o: Operation): string[] {
  return Object.entries(o.responses)
    .filter(
      ([, r]) =>
        r.content?.["application/problem+json"]?.schema.$ref === "#/components/schemas/Problem",
    )
    .map(([status]) => status)
    .sort();
}

/**
 * A bearer token needed everywhere but the operations named `open` (`GET /readyz`), and every
 * other operation answering 401 and 403 as problems.
 */
export function expectTokenEverywhereBut(doc: CheckedDocument, open: readonly string[]): void {
  expect(doc.security).toEqual([{ bearer: [] }]);
  for (const { where, o } of operationsOf(doc)) {
    if (open.includes(where)) expect(o.security, where).toEqual([]);
    else {
      expect(o.security, where).toBeUndefined();
      expect(problemStatuses(o), where).toEqual(expect.arrayContaining(["401", "403"]));
    }
  }
}

/** Every operation named once and summarised, and every `$ref` resolving. */
export function expectNamedOnceAndResolved(doc: CheckedDocument): void {
  const ops = operationsOf(doc);
  const ids = ops.map(({ o }) => o.operationId);
  expect(new Set(ids).size).toBe(ids.length);
  for (const { where, o } of ops) expect(o.summary, where).toBeTruthy();
  for (const r of JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? []) {
    const name = r.slice('"$ref":"#/components/schemas/'.length, -1);
    expect(doc.components.schemas[name], r).toBeDefined();
  }
}
