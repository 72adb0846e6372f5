import { CountyConfig } from "@liandong/contracts";
import { createLogger, loadEnv } from "@liandong/runtime";
import { describe, expect, it } from "vitest";
import { countyWatch, observe } from "./county-status.ts";

const T0 = "2026-03-01T08:00:00.000Z";
const T1 = "2026-03-01T08:00:05.000Z";
const T2 = "2026-03-01T08:00:10.000Z";

describe("how the office sees a service of the county", () => {
  it("takes since when and how often restarted from the service itself", () => {
    const s = observe(
      undefined,
      "health",
      { ready: true, since: T0, startedAt: T0, restarts: 2 },
      T1,
    );
    expect(s).toMatchObject({ service: "health", ready: true, since: T0, restarts: 2 });
  });

  it("an unreachable service is not ready since it was first found so, its restarts kept", () => {
    const up = observe(
      undefined,
      "health",
      { ready: true, since: T0, startedAt: T0, restarts: 1 },
      T0,
    );
    const down = observe(up, "health", undefined, T1);
    expect(down).toMatchObject({ ready: false, since: T1, restarts: 1, reason: "unreachable" });
    expect(observe(down, "health", undefined, T2)).toMatchObject({ ready: false, since: T1 });
  });

  it("a service started again unsaid (docker-compose restarts it) counts as a restart", () => {
    const first = observe(undefined, "commerce", { ready: true, since: T0, startedAt: T0 }, T0);
    const again = observe(first, "commerce", { ready: true, since: T2, startedAt: T2 }, T2);
    expect(again.restarts).toBe(1);
    expect(observe(again, "commerce", { ready: true, since: T2, startedAt: T2 }, T2).restarts).toBe(
      1,
    );
  });
});

it("the office asks every other service's /readyz, at its probe URL before its public one", async () => {
  const config = CountyConfig.parse({ county: "441702" });
  const env = loadEnv({
    LIANDONG_AGENCY: "office",
    LIANDONG_NATS_URL: "nats://127.0.0.1:4222",
    LIANDONG_NATS_SEED_FILE: "/dev/null",
    LIANDONG_HTTP_PORT: "0",
    LIANDONG_CONFIG: "/dev/null",
    LIANDONG_OFFICERS: "/dev/null",
    LIANDONG_SERVICE_URLS: JSON.stringify({ health: "http://public.example:7101" }),
    LIANDONG_PROBE_URLS: JSON.stringify({ health: "http://health:7101" }),
  });
  const asked: string[] = [];
  const getStub = async (url: string) => {
    asked.push(url);
    return { status: 200, text: JSON.stringify({ since: T0, startedAt: T0, restarts: 3 }) };
  };
  const watch = countyWatch(
    {
      agency: "office",
      config,
      env,
      clock: () => new Date(T1),
      logger: createLogger("office", "silent"),
    },
    () => true,
    { get: getStub },
  );
  await watch.look();
  expect(asked).toEqual(["http://health:7101/readyz"]);
  const status = watch.status();
  expect(status.map((s) => s.service).sort()).toEqual(config.agencies.map((a) => a.code).sort());
  expect(status[0]).toMatchObject({ service: "office", ready: true, restarts: 0 });
  expect(status.find((s) => s.service === "health")).toMatchObject({
    ready: true,
    since: T0,
    restarts: 3,
  });
  // A service with no URL at all cannot be asked: not ready, and said why.
  expect(status.find((s) => s.service === "commerce")).toMatchObject({
    ready: false,
    reason: "unreachable",
  });
});
