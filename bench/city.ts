import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { monthOf } from "@liandong/contracts";
import { request } from "undici";
import { startCity } from "../services/county/src/city.ts";
import type { RunningCounty } from "../services/county/src/county.ts";
import type { Figure } from "./run.ts";
import { percentile } from "./stats.ts";

const CITY = "620700";
const COUNTIES = ["620702", "620722"];

async function call(
  c: RunningCounty,
  agency: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
) {
  const token = c.tokens.find((t) => t.officer === `${agency}.liaison`)?.token ?? "";
  const res = await request(`${c.urls[agency]}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

async function until(check: () => Promise<boolean>, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("not in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * 上下联动 on this machine, small (a city and two counties, real processes, the launcher's
 * configuration; the 30 buses of five cities are `--only cities`, bench/cities.ts): `city.rollup_s`, from the last county's
 * report closed to the city's report complete; `city.major_case_p99_ms`, from a case closed with
 * a transfer to the judiciary to its report on the city's office.
 */
export async function cityBench(opts: {
  natsServer: string;
  cases: number;
  log: (s: string) => void;
}): Promise<Record<string, Figure>> {
  const stateDir = mkdtempSync(join(tmpdir(), "liandong-bench-city-"));
  const city = await startCity({
    root: resolve(import.meta.dirname, ".."),
    stateDir,
    city: CITY,
    counties: COUNTIES.map((county) => ({ county, city: { chaseAfterSeconds: 3600 } })),
    natsServer: opts.natsServer,
    ports: "free",
  });
  try {
    const [home, other] = COUNTIES.map((c) => city.counties[c]!);
    const month = monthOf(new Date().toISOString());
    await Promise.all(
      [home!, other!].map((c) => call(c, "office", "POST", `/reports/${month}/close`)),
    );
    const closedAt = Date.now();
    await until(async () => {
      const r = await call(city.city, "city-office", "GET", `/city/reports/${month}.json`);
      return (
        (r.body.counties as { closedAt?: string }[] | undefined)?.every((c) => c.closedAt) ?? false
      );
    });
    const rollup = (Date.now() - closedAt) / 1000;
    opts.log(`  city.rollup_s ${rollup}`);
    const latencies: number[] = [];
    for (let i = 0; i < opts.cases; i++) {
      const target = { kind: "institution", name: `某诊所${i}`, county: COUNTIES[0] };
      const lead = await call(home!, "health", "POST", "/leads", {
        source: "record-audit",
        violations: ["sex-selective-termination"],
        target,
        summary: "病历显示该诊所未经批准实施引产",
      });
      const opened = await call(home!, "health", "POST", "/cases", {
        title: `某诊所${i}未经批准引产案`,
        leads: [lead.body.leadId],
        violations: ["sex-selective-termination"],
        target,
      });
      const caseId = opened.body.caseId as string;
      await call(home!, "health", "POST", `/cases/${caseId}/closure`, {
        summary: "依法移送",
        sanctions: [{ kind: "transfer-to-judiciary", against: `某诊所${i}负责人` }],
      });
      const marked = Date.now();
      await until(async () => {
        const r = await call(city.city, "city-office", "GET", "/major-cases");
        return (r.body.items as { facts: { caseId: string } }[]).some(
          (m) => m.facts.caseId === caseId,
        );
      });
      latencies.push(Date.now() - marked);
    }
    const p99 = percentile(latencies, 0.99);
    opts.log(`  city.major_case_p99_ms ${p99} (${opts.cases} cases)`);
    return {
      "city.rollup_s": { value: rollup, unit: "s" },
      "city.major_case_p99_ms": { value: p99, unit: "ms" },
    };
  } finally {
    await city.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
