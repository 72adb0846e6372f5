// The main command's demo data: the scenarios played through HTTP, twice, without duplicates.
import { afterAll, beforeAll, expect, it } from "vitest";
import { playDemo } from "../services/county/src/demo.ts";
import { startTestCounty, type TestCounty } from "./support/county.ts";

let county: TestCounty;
beforeAll(async () => {
  county = await startTestCounty();
});
afterAll(async () => {
  await county?.cleanup();
});

it("plays S1–S4, S6 and S7 and, played again, records nothing twice", async () => {
  const first = await playDemo(county.urls, county.tokens);
  expect(first.map((l) => l.slice(0, 2))).toEqual(["S1", "S2", "S3", "S4", "S6", "S7"]);
  const count = async () => {
    const health = county.as("health");
    const cases = await health.get<{ total: number; items: { status: string }[] }>("/cases");
    const referrals = await health.get<{ total: number }>("/referrals");
    const fpLeads = await county.as("family-planning").get<{ total: number }>("/leads");
    const office = county.as("office");
    const orders = await office.get<{ total: number }>("/supervision");
    const inspections = await office.get<{ total: number }>("/inspections");
    return {
      cases: cases.body.items.map((c) => c.status),
      referrals: referrals.body.total,
      fpLeads: fpLeads.body.total,
      orders: orders.body.total,
      inspections: inspections.body.total,
    };
  };
  const before = await count();
  expect(before).toEqual({
    cases: ["closed"],
    referrals: 5,
    fpLeads: 2,
    orders: 1,
    inspections: 1,
  });
  await playDemo(county.urls, county.tokens);
  expect(await count()).toEqual(before);
});
