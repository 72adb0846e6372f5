// docker-compose.yml cannot run here (no Docker engine): parse it and check that it agrees with
// the services' configuration, and let nats-server itself test the cluster configuration.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_AGENCIES } from "@liandong/contracts";
import { DEFAULT_PORTS, ServiceEnv } from "@liandong/runtime";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ensureIdentities } from "../services/county/src/identities.ts";
import { renderAuthorization } from "../services/county/src/server-config.ts";
import { ROOT } from "./support/county.ts";
import { natsServerBinary } from "./support/nats-server.ts";

type Service = {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
};
const compose = parse(readFileSync(join(ROOT, "docker-compose.yml"), "utf8"), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const natsNodes = ["nats-1", "nats-2", "nats-3"];
const clusterConf = join(ROOT, "services/county/deploy/nats-cluster.conf");
const required = Object.keys(ServiceEnv.shape).filter(
  (k) => !ServiceEnv.shape[k as keyof typeof ServiceEnv.shape].safeParse(undefined).success,
);

describe("the NATS cluster", () => {
  it("has three nodes on the official image, 2.12 or newer", () => {
    for (const name of natsNodes) {
      const image = services[name]?.image ?? "";
      const m = /^nats:(\d+)\.(\d+)/.exec(image);
      expect(m, `${name} image ${image}`).not.toBeNull();
      expect(Number(m![1]) * 100 + Number(m![2]), `${name} image ${image}`).toBeGreaterThanOrEqual(
        212,
      );
      expect(services[name]?.environment?.SERVER_NAME, `${name} SERVER_NAME`).toBe(name);
      expect(
        services[name]?.volumes?.some((v) => v.includes("nats-cluster.conf")),
        `${name} mounts the config`,
      ).toBe(true);
    }
  });

  it("fsyncs before acking and routes to every node", () => {
    const conf = readFileSync(clusterConf, "utf8");
    expect(/jetstream\s*{[^}]*sync_interval:\s*always/s.test(conf)).toBe(true);
    for (const name of natsNodes) expect(conf).toContain(`nats-route://${name}:6222`);
    expect(conf).toContain("server_name: $SERVER_NAME");
  });

  it("is a configuration nats-server accepts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "liandong-compose-"));
    try {
      copyFileSync(clusterConf, join(dir, "nats-cluster.conf"));
      mkdirSync(join(dir, "auth"));
      const ids = await ensureIdentities(
        join(dir, "auth"),
        DEFAULT_AGENCIES.map((a) => a.code),
      );
      const { writeFileSync } = await import("node:fs");
      writeFileSync(join(dir, "auth", "auth.conf"), renderAuthorization("441723", ids));
      const r = spawnSync(natsServerBinary(), ["-t", "-c", join(dir, "nats-cluster.conf")], {
        env: { ...process.env, SERVER_NAME: "nats-1" },
        encoding: "utf8",
      });
      expect(r.status, r.stderr + r.stdout).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("provisions replicated streams once the nodes are healthy", () => {
    const p = services.provision;
    expect(p?.environment?.LIANDONG_REPLICAS).toBe("3");
    for (const name of natsNodes) expect(p?.depends_on?.[name]?.condition).toBe("service_healthy");
  });
});

describe("the services", () => {
  for (const { code } of DEFAULT_AGENCIES) {
    it(`${code} agrees with the service's configuration`, () => {
      const s = services[code];
      expect(s, `service ${code}`).toBeDefined();
      const env = s!.environment ?? {};
      for (const key of required) expect(env[key], `${code}: ${key}`).toBeDefined();
      for (const key of Object.keys(env)) {
        if (key.startsWith("LIANDONG_"))
          expect(Object.keys(ServiceEnv.shape), `${code}: unknown ${key}`).toContain(key);
      }
      const parsed = ServiceEnv.safeParse(env);
      expect(parsed.success, `${code}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      expect(env.LIANDONG_AGENCY).toBe(code);
      expect(Number(env.LIANDONG_HTTP_PORT), `${code} port`).toBe(DEFAULT_PORTS[code]);
      expect(s!.ports, `${code} published port`).toContain(
        `${DEFAULT_PORTS[code]}:${DEFAULT_PORTS[code]}`,
      );
      for (const node of natsNodes) expect(env.LIANDONG_NATS_URL).toContain(`nats://${node}:4222`);
      const entry = s!.command?.find((c) => c.endsWith("main.ts"));
      expect(entry, `${code} entry point`).toBe(`services/${code}/src/main.ts`);
      expect(existsSync(join(ROOT, entry!)), `${entry} exists`).toBe(true);
      expect(env.LIANDONG_NATS_SEED_FILE).toBe(`/secrets/${code}.nk`);
    });
  }

  it("every command of the file points at a file that exists", () => {
    for (const [name, s] of Object.entries(services)) {
      for (const arg of s.command ?? []) {
        if (arg.endsWith(".ts")) expect(existsSync(join(ROOT, arg)), `${name}: ${arg}`).toBe(true);
      }
    }
  });
});
