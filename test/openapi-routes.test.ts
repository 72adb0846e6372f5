// The routes the services mount, as hono lists them, against the OpenAPI documents: nothing
// served without a contract, nothing in a contract that is not served. The apps are composed
// as `runService` composes them, from the services' own wiring, with dependencies that are
// never called while routes are only mounted (no nats-server needed).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  AuditWitnesses,
  CityReportView,
  CountyConfig,
  MajorCaseList,
  MonthlyReportView,
  OfficeFindings,
  OfficeInspectionList,
  OfficerSelf,
  Overview,
  StatisticsView,
  SupervisionOrderView,
  TrackedLeadPage,
  TrackerPage,
  UiConfig,
} from "@liandong/contracts";
import {
  createHttpApp,
  createLogger,
  createMetrics,
  mountServiceRoutes,
  Officers,
  type ServiceContext,
  type ServiceParts,
} from "@liandong/runtime";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  cityOfficeOpenApiDocument,
  officeOpenApiDocument,
  openApiDocument,
} from "../contracts/src/openapi.ts";
import { agencyDesk } from "../services/agency/src/desk.ts";
import { DEFAULT_RULES } from "../services/agency/src/rules.ts";
import { cityOffice } from "../services/city-office/src/city-office.ts";
import { office } from "../services/office/src/office.ts";
import { ROOT } from "./support/county.ts";

const TOKEN = "office-test-token";
const config = CountyConfig.parse(
  JSON.parse(readFileSync(resolve(ROOT, "liandong.county.json"), "utf8")),
);

/** A bucket with nothing in it: all a desk reads while it is wired. */
const emptyBucket = {
  keys: async () =>
    (async function* () {
      /* no keys */
    })(),
};
/** What the wiring keeps but never calls before `start()`: any call is a test failure. */
const unused = new Proxy(
  {},
  {
    get: (_, name) => {
      throw new Error(`called ${String(name)} while only mounting routes`);
    },
  },
);

/** One service's HTTP app as `runService` composes it: the runtime's routes, then the service's. */
async function composedApp(
  agency: string,
  build: (ctx: ServiceContext) => Promise<ServiceParts> | ServiceParts,
) {
  const logger = createLogger(agency, "silent");
  const metrics = createMetrics(agency);
  const app = createHttpApp({ logger, metrics, maxBodyBytes: config.maxBodyBytes });
  const officers = new Officers(
    [
      {
        id: `${agency}.liaison`,
        agency,
        name: "测试",
        supervisor: false,
        tokenSha256: createHash("sha256").update(TOKEN).digest("hex"),
      },
    ],
    () => new Date("2025-03-15T00:00:00Z"),
  );
  mountServiceRoutes(app, {
    agency,
    county: config.county,
    officers,
    metrics,
    readiness: () => ({ bus: false }),
  });
  await build({
    agency,
    county: config.county,
    config,
    officers,
    // Consumers are made while wiring and started only by `start()`, never called here.
    bus: { consumer: () => unused } as never,
    kv: emptyBucket as never,
    publisher: unused as never,
    app,
    logger,
    metrics,
    clock: () => new Date("2025-03-15T00:00:00Z"),
    env: {} as never,
    signer: unused as never,
  });
  return app;
}

/**
 * A route as `METHOD /path`, each segment holding a parameter written `*`: hono's `:id` and
 * OpenAPI's `{id}` alike, and the office's `/reports/:file` answers `/reports/{month}.json`.
 */
const shape = (method: string, path: string) =>
  `${method.toUpperCase()} ${path
    .split("/")
    .map((s) => (s.startsWith(":") || s.includes("{") ? "*" : s))
    .join("/")}`;

const mounted = (app: { routes: { method: string; path: string }[] }) =>
  new Set(
    app.routes
      // `ALL` is middleware (authentication, metrics, the body limit), not an endpoint.
      .filter((r) => r.method !== "ALL")
      .map((r) => shape(r.method, r.path)),
  );

const documented = (doc: Record<string, unknown>) =>
  new Set(
    Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((m) => shape(m, path)),
    ),
  );

const minus = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).sort();

describe("the routes the services mount are the routes their OpenAPI documents name", () => {
  it("an agency's service (the liaison desk)", async () => {
    const app = await composedApp("health", agencyDesk(DEFAULT_RULES));
    const served = mounted(app);
    const doc = documented(openApiDocument());
    expect(served.size).toBeGreaterThan(30);
    expect(minus(served, doc), "served without a contract").toEqual([]);
    expect(minus(doc, served), "in the contract but not served").toEqual([]);
  });

  it("the office's service", async () => {
    const app = await composedApp("office", office);
    const served = mounted(app);
    const doc = documented(officeOpenApiDocument());
    expect(served.size).toBeGreaterThan(15);
    expect(minus(served, doc), "served without a contract").toEqual([]);
    expect(minus(doc, served), "in the contract but not served").toEqual([]);
  });

  it("the city's office", async () => {
    const app = await composedApp("city-office", cityOffice);
    const served = mounted(app);
    const doc = documented(cityOfficeOpenApiDocument());
    expect(served.size).toBeGreaterThan(8);
    expect(minus(served, doc), "served without a contract").toEqual([]);
    expect(minus(doc, served), "in the contract but not served").toEqual([]);
  });

  it("the comparison sees a route the document lacks, and a documented one not mounted", async () => {
    const app = await composedApp("office", office);
    app.get("/unlisted/:id", (c) => c.text("x"));
    const served = mounted(app);
    const doc = documented(officeOpenApiDocument());
    doc.add("DELETE /tracker/referrals/*");
    expect(minus(served, doc)).toEqual(["GET /unlisted/*"]);
    expect(minus(doc, served)).toEqual(["DELETE /tracker/referrals/*"]);
  });
});

describe("what the office answers matches the schemas its document registers", () => {
  const cases: [string, z.ZodType][] = [
    ["/me", OfficerSelf],
    ["/tracker/referrals?overdue=false&limit=5", TrackerPage],
    ["/leads", TrackedLeadPage],
    ["/overview", Overview],
    ["/inspections", OfficeInspectionList],
    ["/statistics?month=2025-02", StatisticsView],
    ["/reports/2025-02.json", MonthlyReportView],
    ["/ui/config.json", UiConfig],
    ["/audit/witnesses", AuditWitnesses],
    ["/comparison/findings?month=2025-02", OfficeFindings],
  ];
  it.each(cases)("GET %s", async (path, schema) => {
    const app = await composedApp("office", office);
    const res = await app.request(path, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const parsed = schema.safeParse(await res.json());
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  const cityCases: [string, z.ZodType][] = [
    ["/city/reports/2025-02.json", CityReportView],
    ["/major-cases", MajorCaseList],
    ["/orders", z.object({ items: z.array(SupervisionOrderView), total: z.number().int() })],
  ];
  it.each(cityCases)("the city's office: GET %s", async (path, schema) => {
    const app = await composedApp("city-office", cityOffice);
    const res = await app.request(path, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const parsed = schema.safeParse(await res.json());
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it("the county's report names each agency of the county, with a status", async () => {
    const app = await composedApp("office", office);
    const res = await app.request("/reports/2025-02.json", {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const report = MonthlyReportView.parse(await res.json());
    expect(report.agencies.map((a) => a.agency).sort()).toEqual(
      config.agencies
        .map((a) => a.code)
        .filter((c) => c !== "office")
        .sort(),
    );
    // 2025-03-15 on the office's clock: February's reports were due on 10 March.
    expect(new Set(report.agencies.map((a) => a.status))).toEqual(new Set(["missing"]));
  });
});
