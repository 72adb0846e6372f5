// docker-compose.yml cannot run here (no Docker engine): parse it and check it against the
// services' environment schema, the workspace and the NATS configuration it mounts, and let
// nats-server itself test that configuration when a binary is at hand.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix, resolve } from "node:path";
import {
  COMPARISON,
  CountyConfig,
  crossBorderSubject,
  DEFAULT_AGENCIES,
  jetstreamDomain,
  PublicKeysFile,
  STREAMS,
} from "@liandong/contracts";
import { comparisonKey, connectBus, DEFAULT_PORTS, ServiceEnv } from "@liandong/runtime";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildImage, ENTRIES } from "../deploy/build.ts";
import { clusterCertificates, ensureAuthority } from "../services/county/src/certs.ts";
import { listeningRegion } from "../services/county/src/compose-secrets.ts";
import { LEAN_MALLOC, nodeFlags } from "../services/county/src/county.ts";
import { freePort } from "../services/county/src/free-port.ts";
import type { Identities } from "../services/county/src/identities.ts";
import { ensureIdentities } from "../services/county/src/identities.ts";
import {
  COMPARISON_PORT,
  ensureMatchKeys,
  MATCH_HOLDERS,
} from "../services/county/src/match-keys.ts";
import { renderAuthorization, renderServerConfig } from "../services/county/src/server-config.ts";

const ROOT = resolve(import.meta.dirname, "..");

type Mount = string | { source: string; target?: string };
type Service = {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  configs?: Mount[];
  secrets?: Mount[];
  networks?: string[] | Record<string, { aliases?: string[] } | null>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
  profiles?: string[];
  network_mode?: string;
  restart?: string;
};
type Compose = {
  services: Record<string, Service>;
  configs?: Record<string, { file?: string }>;
  secrets?: Record<string, { file?: string }>;
  networks?: Record<string, { internal?: boolean } | null>;
};

/** docker-compose.yml as `docker compose` reads it with these variables set (`${VAR:-default}`). */
function readCompose(vars: Record<string, string>): Compose {
  return parse(
    readFileSync(join(ROOT, "docker-compose.yml"), "utf8").replace(
      /\$\{(\w+):-([^}]*)\}/g,
      (_, name: string, fallback: string) => vars[name] ?? fallback,
    ),
    // The anchors of the services merge into one another; more aliases than yaml's default allows.
    { merge: true, maxAliasCount: 1000 },
  ) as Compose;
}

function serviceIn(doc: Compose, name: string): Service {
  const s = doc.services[name];
  if (!s) throw new Error(`docker-compose.yml: no service "${name}"`);
  return s;
}

/**
 * Container path → host file (relative to the repository) of a service's configs or secrets:
 * a config lands at `/<name>` unless targeted; a secret at `/run/secrets/<target or name>`.
 */
function mountsIn(doc: Compose, name: string, kind: "configs" | "secrets"): Map<string, string> {
  const defined = doc[kind] ?? {};
  const out = new Map<string, string>();
  for (const m of serviceIn(doc, name)[kind] ?? []) {
    const source = typeof m === "string" ? m : m.source;
    const target = typeof m === "string" ? undefined : m.target;
    const file = defined[source]?.file;
    if (!file) throw new Error(`${name}: ${kind} "${source}" is not defined with a file`);
    const path =
      kind === "configs"
        ? (target ?? `/${source}`)
        : target?.startsWith("/")
          ? target
          : `/run/secrets/${target ?? source}`;
    out.set(path, norm(file));
  }
  return out;
}

// As `docker compose` reads it with none of its variables set.
const compose = readCompose({});
const NODES = ["nats-1", "nats-2", "nats-3"];
const NATS_URLS = NODES.map((n) => `nats://${n}:4222`);
const SECRETS_DIR = "deploy/secrets";
const countyFile = JSON.parse(readFileSync(join(ROOT, "liandong.county.json"), "utf8"));
const county = CountyConfig.parse(countyFile);
const AGENCIES = [...new Set([...DEFAULT_AGENCIES, ...county.agencies].map((a) => a.code))];
const SCHEMA_KEYS = Object.keys(ServiceEnv.shape) as (keyof typeof ServiceEnv.shape)[];
const REQUIRED = SCHEMA_KEYS.filter((k) => !ServiceEnv.shape[k].safeParse(undefined).success);

const service = (name: string) => serviceIn(compose, name);

/**
 * The image's /app: dist/ as the Dockerfile builds it (deploy/build.ts), outside the repository;
 * built once for the file, on first use (the image's own test, then the live region's commands).
 */
let image: Promise<string> | undefined;
const builtImage = () =>
  (image ??= (async () => {
    const app = mkdtempSync(join(tmpdir(), "liandong-image-"));
    const files = await buildImage(join(app, "dist"));
    for (const f of files) expect(existsSync(f), f).toBe(true);
    return app;
  })());
afterAll(async () => {
  const app = await image?.catch(() => undefined);
  if (app) rmSync(app, { recursive: true, force: true });
});

const norm = (file: string) => posix.normalize(file).replace(/^\.\//, "");

/** `node [--flag…] dist/<name>.mjs` → the source the image bundled it from (deploy/build.ts). */
function sourceOf(command: string[]): string {
  const [node, ...rest] = command;
  const bundle = rest.at(-1);
  const m =
    node === "node" &&
    rest.slice(0, -1).every((a) => a.startsWith("--")) &&
    bundle !== undefined &&
    /^dist\/([\w-]+)\.mjs$/.exec(bundle);
  const source = m ? ENTRIES[m[1] as keyof typeof ENTRIES] : undefined;
  if (!source) throw new Error(`${JSON.stringify(command)}: not a bundle deploy/build.ts makes`);
  return source;
}

const mounts = (name: string, kind: "configs" | "secrets") => mountsIn(compose, name, kind);

function networksOf(name: string): Record<string, { aliases?: string[] }> {
  const n = service(name).networks ?? [];
  return Array.isArray(n)
    ? Object.fromEntries(n.map((k) => [k, {}]))
    : Object.fromEntries(Object.entries(n).map(([k, v]) => [k, v ?? {}]));
}

/** The `-c` argument of a node's command: where it reads its configuration. */
function configPathOf(node: string): string {
  const cmd = service(node).command ?? [];
  const i = cmd.findIndex((a) => a === "-c" || a === "--config");
  const path = i >= 0 ? cmd[i + 1] : undefined;
  if (!path) throw new Error(`${node}: command ${JSON.stringify(cmd)} names no config file (-c)`);
  return path;
}

/** The host file holding the nodes' configuration; the same for all three. */
function natsConfigFile(): string {
  const files = NODES.map((n) => mounts(n, "configs").get(configPathOf(n)));
  for (const [i, f] of files.entries())
    expect(f, `${NODES[i]}: nothing mounted at ${configPathOf(NODES[i]!)}`).toBeDefined();
  expect(new Set(files).size, `nodes mount different configs: ${files.join(", ")}`).toBe(1);
  return files[0]!;
}

/** A `name { … }` block of nats-server configuration text (comments removed), brace-matched. */
function block(conf: string, name: string): string | undefined {
  const text = conf.replace(/#.*$/gm, "");
  const m = new RegExp(`^\\s*${name}\\s*[:=]?\\s*{`, "m").exec(text);
  if (!m) return undefined;
  let depth = 1;
  let i = m.index + m[0].length;
  for (; i < text.length && depth > 0; i++) {
    if (text[i] === "{") depth++;
    if (text[i] === "}") depth--;
  }
  return text.slice(m.index + m[0].length, i - 1);
}

const setting = (text: string, key: string) =>
  new RegExp(`^\\s*${key}\\s*[:=]\\s*(\\S+?)\\s*$`, "m").exec(text)?.[1];

const natsBinary =
  process.env.LIANDONG_NATS_SERVER ??
  (existsSync(join(ROOT, ".liandong/bin/nats-server"))
    ? join(ROOT, ".liandong/bin/nats-server")
    : undefined);

describe("the NATS cluster", () => {
  it("has three nodes on the official image, 2.12 or newer", () => {
    for (const node of NODES) {
      const image = service(node).image ?? "";
      // Official: the Docker Hub library image, no registry or namespace in front.
      const m = /^nats:(\d+)\.(\d+)(?:[.-]|$)/.exec(image);
      expect(
        m,
        `${node}: image "${image}" is not the official nats:<major>.<minor>…`,
      ).not.toBeNull();
      const [major, minor] = [Number(m![1]), Number(m![2])];
      expect(
        major * 1000 + minor,
        `${node}: image "${image}" older than 2.12`,
      ).toBeGreaterThanOrEqual(2012);
    }
  });

  it("runs one config on every node, with a stable name and a volume of its own each", () => {
    const file = natsConfigFile();
    expect(file, "the nodes' config").toBe("deploy/nats/nats-server.conf");
    const names = NODES.map((n) => service(n).environment?.SERVER_NAME);
    for (const [i, node] of NODES.entries()) expect(names[i], `${node}: SERVER_NAME`).toBe(node);
    const dataVolumes = NODES.map((n) =>
      (service(n).volumes ?? []).find((v) => v.split(":")[1] === "/data"),
    );
    for (const [i, node] of NODES.entries())
      expect(dataVolumes[i], `${node}: a volume at /data`).toBeDefined();
    expect(new Set(dataVolumes).size, `data volumes ${dataVolumes.join(", ")}`).toBe(3);
    for (const node of NODES) {
      const check = (service(node).healthcheck?.test ?? []).join(" ");
      expect(check, `${node}: health check on the monitoring port`).toMatch(
        /http:\/\/127\.0\.0\.1:8222\/healthz/,
      );
    }
  });

  it("runs each node's Go scheduler on the cores the launcher gives its nats-server, unless the operator says otherwise", () => {
    const given = readCompose({ GOMAXPROCS: "4" });
    for (const node of [...NODES, "neighbour-nats"]) {
      // The launcher's own default when the operator sets none (`NATS_ENV`, county.ts).
      expect(String(service(node).environment?.GOMAXPROCS), `${node}: GOMAXPROCS`).toBe("1");
      expect(
        String(serviceIn(given, node).environment?.GOMAXPROCS),
        `${node}: the operator's`,
      ).toBe("4");
    }
  });

  it("fsyncs before acking, stores in the volume and routes to all three nodes", () => {
    const conf = readFileSync(join(ROOT, natsConfigFile()), "utf8");
    expect(setting(conf, "server_name"), "server_name").toBe("$SERVER_NAME");
    const js = block(conf, "jetstream");
    expect(js, "a jetstream block").toBeDefined();
    expect(setting(js!, "sync_interval"), "jetstream.sync_interval").toBe("always");
    expect(setting(js!, "store_dir"), "jetstream.store_dir (the nodes' volume)").toBe("/data");
    // The same limits as the county launcher's single server.
    const launcher = renderServerConfig({
      county: county.county,
      serverName: "n",
      host: "127.0.0.1",
      port: 4222,
      storeDir: "/s",
      identities: {
        ...Object.fromEntries(
          (["admin", "auditor", "keeper", "breakGlass", "comparison"] as const).map((name) => [
            name,
            { name, publicKey: "U", seedFile: "" },
          ]),
        ),
        agencies: {},
      } as Identities,
      syncAlways: true,
    });
    for (const key of ["max_file_store", "max_payload"])
      expect(setting(conf, key), `${key} as in server-config.ts`).toBe(setting(launcher, key));

    const cluster = block(conf, "cluster");
    expect(cluster, "a cluster block").toBeDefined();
    expect(setting(cluster!, "name"), "cluster.name").toBeDefined();
    const routes = [...cluster!.matchAll(/nats-route:\/\/([^\s,:\]"]+):(\d+)/g)].map(
      (r) => `${r[1]}:${r[2]}`,
    );
    const listen = setting(cluster!, "listen");
    for (const node of NODES) {
      const env = service(node).environment ?? {};
      // Each node listens for routes at its own address on the cluster network.
      const address = listen?.startsWith("$") ? env[listen.slice(1)] : listen;
      expect(address, `${node}: cluster.listen (${listen})`).toBeDefined();
      const host = address!.split(":")[0]!;
      const aliases = [node, ...(networksOf(node).cluster?.aliases ?? [])];
      expect(aliases, `${node}: route address ${address} on the cluster network`).toContain(host);
      expect(routes, `routes to ${node}`).toContain(address);
    }
  });

  it("takes clients and routes over mutual TLS only, each node with its own certificate of the county's CA", () => {
    const conf = readFileSync(join(ROOT, natsConfigFile()), "utf8");
    const clients = block(conf, "tls");
    const routes = block(block(conf, "cluster") ?? "", "tls");
    for (const [name, t] of [
      ["clients", clients],
      ["routes", routes],
    ] as const) {
      expect(t, `${name}: a tls block`).toBeDefined();
      expect(setting(t!, "verify"), `${name}: verify (mutual TLS)`).toBe("true");
      const path = (key: string) => setting(t!, key)?.replaceAll('"', "");
      for (const [i, node] of NODES.entries()) {
        const secrets = mounts(node, "secrets");
        expect(secrets.get(path("cert_file") ?? ""), `${node}: ${name} cert_file`).toBe(
          `${SECRETS_DIR}/tls/node-${i + 1}.crt`,
        );
        expect(secrets.get(path("key_file") ?? ""), `${node}: ${name} key_file`).toBe(
          `${SECRETS_DIR}/tls/node-${i + 1}.key`,
        );
        expect(secrets.get(path("ca_file") ?? ""), `${node}: ${name} ca_file`).toBe(
          `${SECRETS_DIR}/tls/trust.pem`,
        );
      }
    }
  });

  it("keeps routes on an internal network that only the nodes join", () => {
    expect(compose.networks?.cluster?.internal, "networks.cluster.internal").toBe(true);
    for (const [name] of Object.entries(compose.services)) {
      const on = Object.keys(networksOf(name));
      if (NODES.includes(name)) {
        expect(on, `${name}: networks`).toContain("cluster");
        expect(on, `${name}: networks`).toContain("bus");
      } else expect(on, `${name}: must not join the cluster network`).not.toContain("cluster");
    }
  });

  it("includes the authorization block that the init step writes, mounted beside the config", () => {
    const conf = readFileSync(join(ROOT, natsConfigFile()), "utf8").replace(/#.*$/gm, "");
    const include = /^\s*include\s+(\S+)/m.exec(conf)?.[1];
    expect(include, "an include of the authorization").toBeDefined();
    for (const node of NODES) {
      // nats-server resolves an include relative to the including file's directory.
      const at = posix.join(posix.dirname(configPathOf(node)), include!);
      expect(mounts(node, "secrets").get(at), `${node}: secret at ${at}`).toBe(
        `${SECRETS_DIR}/auth.conf`,
      );
    }
  });

  const binary = natsBinary;
  const dir = mkdtempSync(join(tmpdir(), "liandong-compose-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** `nats-server -t` on the config as `node` sees it, with a real generated authorization. */
  async function natsTest(node: string, conf: string) {
    const etc = join(dir, node);
    mkdirSync(etc, { recursive: true });
    mkdirSync(join(dir, "ids"), { recursive: true, mode: 0o700 });
    const ids = await ensureIdentities(join(dir, "ids"), AGENCIES);
    writeFileSync(join(etc, "auth.conf"), renderAuthorization(county.county, ids));
    // The node's certificate and the county's CA, where the node's secrets put them.
    const ca = await ensureAuthority(join(dir, "ids"), county.county);
    const [cert] = (await clusterCertificates(ca, 1, [])).nodes;
    const tls = join(etc, "tls");
    mkdirSync(tls, { recursive: true });
    for (const [from, to] of [
      [cert!.certFile, "node.crt"],
      [cert!.keyFile, "node.key"],
      [ca.trustFile, "trust.pem"],
    ] as const)
      copyFileSync(from, join(tls, to));
    const file = join(etc, posix.basename(configPathOf(node)));
    writeFileSync(file, conf.replaceAll("/etc/nats/tls/", `${tls}/`));
    return spawnSync(binary!, ["-t", "-c", file], {
      env: { ...process.env, ...service(node).environment },
      encoding: "utf8",
    });
  }

  it.skipIf(!binary)("is a configuration nats-server accepts, on every node", async () => {
    const conf = readFileSync(join(ROOT, natsConfigFile()), "utf8");
    for (const node of NODES) {
      const r = await natsTest(node, conf);
      expect(r.status, `${node}: nats-server -t: ${r.stderr}${r.stdout}`).toBe(0);
    }
    // …and the check has teeth: a bad value fails it.
    const bad = conf.replace(/sync_interval:\s*always/, "sync_interval: sometimes");
    expect((await natsTest("nats-1", bad)).status, "nats-server -t on a broken config").not.toBe(0);
  });
});

describe("init and provisioning", () => {
  it("init is an operator step writing the secrets into the git-ignored deploy/secrets", () => {
    const init = service("init");
    expect(init.profiles ?? [], "init: only on request (a profile)").not.toHaveLength(0);
    const dest = init.environment?.LIANDONG_SECRETS;
    expect(dest, "init: LIANDONG_SECRETS").toBeDefined();
    expect(init.volumes ?? [], `init: ./${SECRETS_DIR} mounted at ${dest}`).toContain(
      `./${SECRETS_DIR}:${dest}`,
    );
    const ignore = readFileSync(join(ROOT, SECRETS_DIR, ".gitignore"), "utf8").split("\n");
    expect(ignore, `${SECRETS_DIR}/.gitignore ignores everything`).toContain("*");
    for (const [name, s] of Object.entries(compose.secrets ?? {}))
      expect(
        [
          SECRETS_DIR,
          `${SECRETS_DIR}/neighbour`,
          `${SECRETS_DIR}/tls`,
          `${SECRETS_DIR}/neighbour/tls`,
        ],
        `secret ${name}: ${s.file}`,
      ).toContain(dirname(norm(s.file ?? "")));
    // The break-glass seed (deploy/secrets/break-glass/) is given to no container.
    for (const [name, s] of Object.entries(compose.secrets ?? {}))
      expect(norm(s.file ?? ""), `secret ${name}`).not.toMatch(/break-glass/);
    // A county on its own: init writes no domain, no leaf-node port (the nodes' JS_DOMAIN is empty).
    expect(
      listeningRegion(join(ROOT, SECRETS_DIR), county),
      "liandong.county.json",
    ).toBeUndefined();
    for (const node of NODES) expect(service(node).environment?.JS_DOMAIN, node).toBe("");
    const dockerignore = readFileSync(join(ROOT, ".dockerignore"), "utf8");
    for (const path of [SECRETS_DIR, ".liandong"])
      expect(dockerignore.split("\n"), `.dockerignore: ${path}`).toContain(path);
  });

  it("provision creates R3 streams as admin, once every node is healthy", () => {
    const p = service("provision");
    const env = p.environment ?? {};
    expect(env.LIANDONG_REPLICAS, "provision: LIANDONG_REPLICAS").toBe("3");
    expect(env.LIANDONG_NATS_URL?.split(",").sort(), "provision: LIANDONG_NATS_URL").toEqual(
      NATS_URLS,
    );
    for (const node of NODES)
      expect(p.depends_on?.[node]?.condition, `provision: depends on ${node}`).toBe(
        "service_healthy",
      );
    expect(
      mounts("provision", "secrets").get(`${env.LIANDONG_SECRETS}/admin.nk`),
      `provision: admin seed at ${env.LIANDONG_SECRETS}/admin.nk`,
    ).toBe(`${SECRETS_DIR}/admin.nk`);
    expect(
      mounts("provision", "configs").get(env.LIANDONG_CONFIG ?? ""),
      "provision: LIANDONG_CONFIG",
    ).toBe("liandong.county.json");
  });

  it("every container of the image runs a bundle the image builds, from a source that exists", () => {
    for (const doc of [compose, regional])
      for (const [name, s] of Object.entries(doc.services)) {
        if (s.image !== "liandong:latest") continue;
        const source = sourceOf(s.command ?? []);
        expect(existsSync(join(ROOT, source)), `${name}: ${source} does not exist`).toBe(true);
      }
  });
});

describe("the services", () => {
  for (const code of AGENCIES) {
    it(`${code} agrees with the service's environment and gets only its own secrets`, () => {
      const s = service(code);
      const env = s.environment ?? {};
      for (const key of REQUIRED) expect(env[key], `${code}: ${key} is required`).toBeDefined();
      for (const key of Object.keys(env).filter((k) => k.startsWith("LIANDONG_")))
        expect(SCHEMA_KEYS as string[], `${code}: unknown ${key}`).toContain(key);
      const parsed = ServiceEnv.safeParse(env);
      expect(parsed.success, `${code}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);

      expect(env.LIANDONG_AGENCY, `${code}: LIANDONG_AGENCY`).toBe(code);
      const port = DEFAULT_PORTS[code];
      expect(port, `${code}: no DEFAULT_PORTS entry`).toBeDefined();
      expect(Number(env.LIANDONG_HTTP_PORT), `${code}: LIANDONG_HTTP_PORT`).toBe(port);
      expect(s.ports, `${code}: publishes no port (the proxy does)`).toBeUndefined();
      const urls = JSON.parse(env.LIANDONG_SERVICE_URLS ?? "{}") as Record<string, string>;
      for (const a of AGENCIES.filter((a) => a !== "office"))
        expect(urls[a], `${code}: LIANDONG_SERVICE_URLS.${a}, on the proxy's origin`).toBe(
          `/api/${a}`,
        );
      expect(env.LIANDONG_WEB_ORIGINS, `${code}: one origin, no CORS`).toBeUndefined();
      expect(env.LIANDONG_HTTP_HOST, `${code}: LIANDONG_HTTP_HOST (reachable)`).toBe("0.0.0.0");
      expect(env.LIANDONG_NATS_URL?.split(",").sort(), `${code}: LIANDONG_NATS_URL`).toEqual(
        NATS_URLS,
      );

      const secrets = mounts(code, "secrets");
      expect(secrets.get(env.LIANDONG_NATS_SEED_FILE ?? ""), `${code}: seed file`).toBe(
        `${SECRETS_DIR}/${code}.nk`,
      );
      expect(secrets.get(env.LIANDONG_OFFICERS ?? ""), `${code}: officers file`).toBe(
        `${SECRETS_DIR}/officers.json`,
      );
      expect(secrets.get(env.LIANDONG_PUBLIC_KEYS ?? ""), `${code}: public keys`).toBe(
        `${SECRETS_DIR}/public-keys.json`,
      );
      // 数据比对, as the launcher gives it: the holders of registers of people get the tag key.
      const holder = MATCH_HOLDERS.includes(code);
      expect(
        env.LIANDONG_MATCH_TAG_KEY_FILE && secrets.get(env.LIANDONG_MATCH_TAG_KEY_FILE),
        `${code}: LIANDONG_MATCH_TAG_KEY_FILE (the holders' only)`,
      ).toBe(holder ? `${SECRETS_DIR}/match-tag.key` : undefined);
      expect(
        [...secrets.values()].sort(),
        `${code}: secrets beyond its own seed, the officers and the public keys`,
      ).toEqual(
        [
          `${SECRETS_DIR}/${code}.nk`,
          `${SECRETS_DIR}/officers.json`,
          `${SECRETS_DIR}/public-keys.json`,
          `${SECRETS_DIR}/tls/trust.pem`,
          `${SECRETS_DIR}/tls/client-${code}.crt`,
          `${SECRETS_DIR}/tls/client-${code}.key`,
          ...(holder ? [`${SECRETS_DIR}/match-tag.key`] : []),
        ].sort(),
      );
      expect(mounts(code, "configs").get(env.LIANDONG_CONFIG ?? ""), `${code}: county config`).toBe(
        "liandong.county.json",
      );

      const entry = `services/${code}/src/main.ts`;
      // With the flags the launcher gives it (memory at rest).
      expect(s.command, `${code}: command`).toEqual([
        "node",
        ...nodeFlags(code),
        `dist/${code}.mjs`,
      ]);
      expect(sourceOf(s.command ?? []), `${code}: bundled from`).toBe(entry);
      expect(existsSync(join(ROOT, entry)), `${code}: ${entry} does not exist`).toBe(true);
      for (const node of NODES)
        expect(s.depends_on?.[node]?.condition, `${code}: depends on ${node}`).toBe(
          "service_healthy",
        );
      expect(s.depends_on?.provision?.condition, `${code}: waits for provision`).toBe(
        "service_completed_successfully",
      );
    });
  }
});

describe("the image", () => {
  const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  const lines = dockerfile.split("\n").filter((l) => l.trim() && !l.trimStart().startsWith("#"));
  /** The stages: each FROM and the instructions under it. */
  const stages = lines.reduce<{ from: string; lines: string[] }[]>((acc, l) => {
    if (l.startsWith("FROM ")) acc.push({ from: l, lines: [] });
    else acc.at(-1)?.lines.push(l);
    return acc;
  }, []);
  const build = stages.find((st) => /\sAS build$/i.test(st.from));
  const run = stages.at(-1)!;

  it("every Node service and one-shot is built from the root Dockerfile, one image", () => {
    expect(existsSync(join(ROOT, "deploy/Dockerfile")), "one Dockerfile, at the root").toBe(false);
    for (const doc of [compose, regional])
      for (const [name, s] of Object.entries(doc.services)) {
        if (s.image?.startsWith("nats:") || s.image?.startsWith("caddy:")) continue;
        const b = typeof s.build === "string" ? { context: s.build } : s.build;
        expect(b?.context, `${name}: build context`).toBe(".");
        expect(b?.dockerfile ?? "Dockerfile", `${name}: dockerfile`).toBe("Dockerfile");
        expect(s.image, `${name}: image`).toBe("liandong:latest");
      }
  });

  it("can copy no secret and no local state: named files only, and .dockerignore keeps them out", () => {
    const ignore = readFileSync(join(ROOT, ".dockerignore"), "utf8").split("\n");
    for (const path of [SECRETS_DIR, ".liandong", "node_modules", "**/node_modules", ".git"])
      expect(ignore, `.dockerignore: ${path}`).toContain(path);
    const copies = lines.filter((l) => /^(COPY|ADD)\s/i.test(l));
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) {
      expect(c, "ADD fetches and unpacks: COPY only").toMatch(/^COPY\s/);
      const args = c.split(/\s+/).slice(1);
      if (args[0]?.startsWith("--from=")) continue;
      const sources = args.filter((a) => !a.startsWith("--")).slice(0, -1);
      for (const src of sources) {
        expect(src, `${c}: the whole context`).not.toMatch(/^\.\/?$/);
        expect(src, `${c}: a glob`).not.toMatch(/[*?[]/);
        // Neither a secret or local state, nor a folder holding one.
        const n = norm(src);
        for (const kept of [SECRETS_DIR, ".liandong", ".env"])
          expect(
            n === kept || n.startsWith(`${kept}/`) || kept.startsWith(`${n}/`),
            `${c}: copies ${kept}`,
          ).toBe(false);
        expect(existsSync(join(ROOT, src)), `${c}: ${src} exists`).toBe(true);
      }
    }
  });

  it("builds the TypeScript and the page ahead of time; runs the bundles on Node.js 24 LTS with plain node", () => {
    expect(build, "a stage named build").toBeDefined();
    expect(
      build!.lines.some((l) => l === "RUN node --import tsx deploy/build.ts dist"),
      "the build stage bundles every entry point (deploy/build.ts)",
    ).toBe(true);
    for (const st of stages)
      expect(st.from, "Node.js 24, the LTS line").toMatch(/^FROM node:24-bookworm-slim(\s|$)/);
    // The image that runs: the bundles only, from the build stage; no sources, no tsx.
    const runCopies = run.lines.filter((l) => l.startsWith("COPY"));
    expect(runCopies).toEqual(["COPY --from=build /app/dist dist"]);
    expect(run.lines.join("\n")).not.toMatch(/tsx|pnpm install/);
    expect(run.lines, "not as root").toContain("USER node");
    const cmd = JSON.parse(run.lines.find((l) => l.startsWith("CMD"))!.slice(3)) as string[];
    expect(sourceOf(cmd)).toBe("services/office/src/main.ts");
    expect(cmd, "the office's flags, as the launcher gives them").toEqual([
      "node",
      ...nodeFlags("office"),
      "dist/office.mjs",
    ]);
  });

  it("runs the services with glibc's allocator set as the launcher sets it (memory at rest)", () => {
    const env = new Map(
      run.lines
        .filter((l) => l.startsWith("ENV "))
        .flatMap((l) => l.slice(4).trim().split(/\s+/))
        .map((kv) => kv.split("=") as [string, string]),
    );
    for (const [key, value] of Object.entries(LEAN_MALLOC))
      expect(env.get(key), `Dockerfile: ENV ${key}`).toBe(value);
  });

  it("starts the launcher itself (npm run up) with the same allocator settings", () => {
    const up: string = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts.up;
    const words = up.split(/\s+/);
    const env = new Map(
      words.slice(0, words.indexOf("node")).map((kv) => kv.split("=") as [string, string]),
    );
    expect(Object.fromEntries(env), `package.json up: ${up}`).toEqual(LEAN_MALLOC);
  });

  it("installs with the lockfile and the project's pnpm", () => {
    const pnpm = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).packageManager;
    expect(build!.lines, `pnpm of packageManager (${pnpm})`).toContain(
      `RUN npm install -g ${pnpm}`,
    );
    expect(build!.lines, "frozen install").toContain("RUN pnpm install --frozen-lockfile");
  });

  it("copies every workspace package's manifest before installing", () => {
    const globs = (
      parse(readFileSync(join(ROOT, "pnpm-workspace.yaml"), "utf8")) as {
        packages: string[];
      }
    ).packages;
    const dirs = globs.flatMap((g) =>
      g.endsWith("/*")
        ? readdirSync(join(ROOT, g.slice(0, -2))).map((d) => `${g.slice(0, -2)}/${d}`)
        : [g],
    );
    const install = lines.findIndex((l) => l.includes("pnpm install"));
    for (const d of dirs.filter((d) => existsSync(join(ROOT, d, "package.json")))) {
      const at = lines.findIndex((l) => l.startsWith(`COPY ${d}/package.json `));
      expect(at, `Dockerfile: COPY ${d}/package.json`).toBeGreaterThanOrEqual(0);
      expect(at, `Dockerfile: ${d}/package.json after the install`).toBeLessThan(install);
    }
  });

  it("its bundles run with plain node and nothing beside them: init writes the county's secrets", async () => {
    // Built outside the repository: a bundle that still needed node_modules would fail here.
    const out = await builtImage();
    const secrets = mkdtempSync(join(tmpdir(), "liandong-image-secrets-"));
    try {
      const init = service("init");
      const r = spawnSync(process.execPath, [join(out, (init.command ?? [])[1]!)], {
        cwd: out,
        env: {
          PATH: process.env.PATH,
          ...init.environment,
          LIANDONG_SECRETS: secrets,
          LIANDONG_CONFIG: join(ROOT, "liandong.county.json"),
        },
        encoding: "utf8",
      });
      expect(r.status, `${r.stderr}${r.stdout}`).toBe(0);
      for (const f of ["admin.nk", "office.nk", "auth.conf", "officers.json", "tokens.json"])
        expect(existsSync(join(secrets, f)), f).toBe(true);
      // Every file the county's containers mount as a secret (the comparison service's too).
      for (const [name, s] of Object.entries(compose.secrets ?? {})) {
        const file = norm(s.file ?? "");
        if (file.startsWith(`${SECRETS_DIR}/neighbour/`)) continue;
        expect(
          existsSync(join(secrets, file.slice(SECRETS_DIR.length + 1))),
          `${name}: ${file}`,
        ).toBe(true);
      }
      // 数据比对's keys as the launcher makes them (ensureMatchKeys: kept, not made again), its
      // OPRF public key and the comparison service's seal key in public-keys.json.
      const keys = PublicKeysFile.parse(
        JSON.parse(readFileSync(join(secrets, "public-keys.json"), "utf8")),
      );
      expect(keys.comparisonOprfKey, "public-keys.json: comparisonOprfKey").toBe(
        ensureMatchKeys(secrets).oprfPublicKey,
      );
      const ids = await ensureIdentities(
        secrets,
        county.agencies.map((a) => a.code),
      );
      expect(keys.agencies[COMPARISON], "public-keys.json: the comparison service's key").toBe(
        ids.comparison.publicKey,
      );
      expect(readFileSync(join(out, "dist/web/app.js"), "utf8").length).toBeGreaterThan(1000);
    } finally {
      rmSync(secrets, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("the comparison service (数据比对)", () => {
  it("runs as the launcher starts it: its own identity, OPRF key and certificate, nothing else", () => {
    const s = service(COMPARISON);
    const env = s.environment ?? {};
    // The launcher's command (services/county/src/county.ts): the same node flags, its bundle.
    expect(s.command, "comparison: command").toEqual([
      "node",
      ...nodeFlags(COMPARISON),
      `dist/${COMPARISON}.mjs`,
    ]);
    expect(sourceOf(s.command ?? [])).toBe("services/comparison/src/main.ts");
    expect(env.LIANDONG_NATS_URL?.split(",").sort(), "comparison: LIANDONG_NATS_URL").toEqual(
      NATS_URLS,
    );
    expect(env.LIANDONG_MATCH_HOLDERS?.split(","), "comparison: LIANDONG_MATCH_HOLDERS").toEqual(
      MATCH_HOLDERS.filter((h) => AGENCIES.includes(h)),
    );
    expect(Number(env.LIANDONG_HTTP_PORT), "comparison: its probes' port").toBe(COMPARISON_PORT);
    expect(s.healthcheck?.test?.join(" "), "comparison: healthcheck on /readyz").toContain(
      "/readyz",
    );
    expect(s.ports, "comparison: publishes no port").toBeUndefined();
    expect(Object.keys(networksOf(COMPARISON)), "comparison: on the bus only").toEqual(["bus"]);
    for (const node of NODES)
      expect(s.depends_on?.[node]?.condition, `comparison: depends on ${node}`).toBe(
        "service_healthy",
      );
    expect(s.depends_on?.provision?.condition, "comparison: waits for provision").toBe(
      "service_completed_successfully",
    );
    expect(s.restart).toBe("unless-stopped");
    expect(mounts(COMPARISON, "configs").get(env.LIANDONG_CONFIG ?? ""), "county config").toBe(
      "liandong.county.json",
    );

    const secrets = mounts(COMPARISON, "secrets");
    expect(secrets.get(env.LIANDONG_NATS_SEED_FILE ?? ""), "comparison: seed file").toBe(
      `${SECRETS_DIR}/comparison.nk`,
    );
    expect(secrets.get(env.LIANDONG_MATCH_KEY_FILE ?? ""), "comparison: OPRF key").toBe(
      `${SECRETS_DIR}/comparison-oprf.key`,
    );
    expect(secrets.get(env.LIANDONG_NATS_CA ?? ""), "comparison: CA").toBe(
      `${SECRETS_DIR}/tls/trust.pem`,
    );
    expect(secrets.get(env.LIANDONG_NATS_CERT ?? ""), "comparison: certificate").toBe(
      `${SECRETS_DIR}/tls/client-comparison.crt`,
    );
    expect(secrets.get(env.LIANDONG_NATS_KEY ?? ""), "comparison: certificate's key").toBe(
      `${SECRETS_DIR}/tls/client-comparison.key`,
    );
    // Never the holders' tag key: with both keys a party could name a pseudonym by guessing.
    expect([...secrets.values()].sort(), "comparison: its secrets only").toEqual(
      [
        `${SECRETS_DIR}/comparison.nk`,
        `${SECRETS_DIR}/comparison-oprf.key`,
        `${SECRETS_DIR}/tls/trust.pem`,
        `${SECRETS_DIR}/tls/client-comparison.crt`,
        `${SECRETS_DIR}/tls/client-comparison.key`,
      ].sort(),
    );
  });

  it("its OPRF key goes to it alone, the tag key to the holders alone", () => {
    for (const doc of [compose, regional])
      for (const name of Object.keys(doc.services)) {
        const files = [...mountsIn(doc, name, "secrets").values()];
        expect(
          files.includes(`${SECRETS_DIR}/comparison-oprf.key`),
          `${name}: comparison-oprf.key`,
        ).toBe(name === COMPARISON);
        expect(files.includes(`${SECRETS_DIR}/match-tag.key`), `${name}: match-tag.key`).toBe(
          MATCH_HOLDERS.includes(name),
        );
      }
  });
});

// ---- The one origin: the proxy in front of the services -----------------------------------------

const CADDYFILE = "deploy/Caddyfile";

/** The Caddyfile's routes: path prefix → upstream, as `handle_path <prefix>/* { reverse_proxy … }`. */
function caddyRoutes(text: string): { routes: Map<string, string>; fallback?: string } {
  const body = text.replace(/#.*$/gm, "");
  const routes = new Map<string, string>();
  for (const m of body.matchAll(/handle_path\s+(\S+)\/\*\s*{\s*reverse_proxy\s+(\S+)\s*}/g))
    routes.set(m[1]!, m[2]!);
  const fallback = /\bhandle\s*{\s*reverse_proxy\s+(\S+)\s*}/.exec(body)?.[1];
  return { routes, ...(fallback ? { fallback } : {}) };
}

describe("the one origin", () => {
  const caddyfile = readFileSync(join(ROOT, CADDYFILE), "utf8");
  const proxies = { proxy: "", "neighbour-proxy": "neighbour-" } as const;

  it("only the proxies publish a port, each its one HTTPS origin; no service publishes one", () => {
    for (const [doc, names, profiles] of [
      [compose, ["proxy"], []],
      [regional, ["proxy", "neighbour-proxy"], ["region"]],
    ] as const) {
      // What `up` starts: services in no profile, or in the profiles turned on.
      const publishing = Object.entries(doc.services)
        .filter(([, s]) =>
          (s.profiles ?? []).every((p) => (profiles as readonly string[]).includes(p)),
        )
        .filter(([, s]) => s.ports?.length)
        .map(([n]) => n);
      expect(publishing.sort()).toEqual([...names].sort());
      for (const name of names) {
        const s = serviceIn(doc, name);
        expect(s.image, `${name}: the official Caddy image`).toMatch(/^caddy:2\.\d+-alpine$/);
        expect(s.ports?.length, `${name}: one port`).toBe(1);
        expect(s.ports![0]!.split(":").at(-1), `${name}: to Caddy's HTTPS port`).toBe("443");
        expect(mountsIn(doc, name, "configs").get("/etc/caddy/Caddyfile")).toBe(CADDYFILE);
        expect(s.environment?.LIANDONG_UPSTREAM_PREFIX).toBe(proxies[name as keyof typeof proxies]);
      }
    }
  });

  it("serves over TLS only (its own authority), with the office at / and every agency under /api/<agency>", () => {
    const body = caddyfile.replace(/#.*$/gm, "");
    expect(body, "certificates of Caddy's own authority").toMatch(/^\s*tls internal\s*$/m);
    expect(body, "no ACME from a closed network").toMatch(/^\s*local_certs\s*$/m);
    // The site is the public host name, no http:// address: Caddy redirects plain HTTP.
    expect(body).toMatch(/^\{\$LIANDONG_PUBLIC_HOST:localhost\}\s*{/m);
    expect(body).not.toMatch(/http:\/\//);
    const { routes, fallback } = caddyRoutes(caddyfile);
    const prefix = "{$LIANDONG_UPSTREAM_PREFIX}";
    expect(fallback, "everything else: the office").toBe(`${prefix}office:${DEFAULT_PORTS.office}`);
    const agencies = AGENCIES.filter((a) => a !== "office");
    expect([...routes.keys()].sort()).toEqual(agencies.map((a) => `/api/${a}`).sort());
    for (const a of agencies) {
      expect(routes.get(`/api/${a}`), a).toBe(`${prefix}${a}:${DEFAULT_PORTS[a]}`);
      // …where the service listens, and where the page is told to call it.
      const env = service(a).environment ?? {};
      expect(Number(env.LIANDONG_HTTP_PORT)).toBe(DEFAULT_PORTS[a]);
      const urls = JSON.parse(service("office").environment?.LIANDONG_SERVICE_URLS ?? "{}");
      expect(urls[a], `the page calls ${a} where the proxy routes it`).toBe(`/api/${a}`);
    }
  });

  it("reaches the services on a network of its own: not the bus, not the cluster", () => {
    expect(Object.keys(networksOf("proxy"))).toEqual(["web"]);
    for (const code of AGENCIES) expect(Object.keys(networksOf(code)), code).toContain("web");
    for (const node of NODES) expect(Object.keys(networksOf(node)), node).not.toContain("web");
    expect(regionNetworks("neighbour-proxy")).toEqual(["neighbour-web"]);
  });
});

// ---- Profile `region`: two linked counties ------------------------------------------------------

/** deploy/region/region.env: what the operator copies into .env. */
const REGION_ENV = Object.fromEntries(
  readFileSync(join(ROOT, "deploy/region/region.env"), "utf8")
    .split("\n")
    .filter((l) => /^\w+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
) as Record<string, string>;

/** As `docker compose` reads the file with region.env as the project's .env. */
const regional = readCompose(REGION_ENV);
const regionService = (name: string) => serviceIn(regional, name);

/** Like `mounts`, in the file as the region reads it. */
const regionMounts = (name: string, kind: "configs" | "secrets") => mountsIn(regional, name, kind);

const regionNetworks = (name: string) => {
  const n = regionService(name).networks ?? [];
  return Array.isArray(n) ? n : Object.keys(n);
};

const NEIGHBOUR_NODE = "neighbour-nats";
const NEIGHBOUR_SECRETS = `${SECRETS_DIR}/neighbour`;
const homeFile = norm(regional.configs?.county?.file ?? "");
const neighbourFile = norm(regional.configs?.["neighbour-county"]?.file ?? "");
const home = CountyConfig.parse(JSON.parse(readFileSync(join(ROOT, homeFile), "utf8")));
const neighbour = CountyConfig.parse(JSON.parse(readFileSync(join(ROOT, neighbourFile), "utf8")));
const NEIGHBOUR_AGENCIES = neighbour.agencies.map((a) => a.code);

describe("the region profile: the two counties", () => {
  it("region.env turns the profile on and names two counties that list each other", () => {
    expect(REGION_ENV.COMPOSE_PROFILES?.split(","), "COMPOSE_PROFILES").toContain("region");
    expect(homeFile, "the county's configuration in a region").not.toBe("liandong.county.json");
    // The default region: 甘州区 and its neighbour 凉州区.
    expect([home.county, neighbour.county]).toEqual(["620702", "620602"]);
    expect(home.region.neighbours, `${homeFile}: region.neighbours`).toContain(neighbour.county);
    expect(neighbour.region.neighbours, `${neighbourFile}: region.neighbours`).toContain(
      home.county,
    );
    // …and without it, the county of liandong.county.json, on its own.
    expect(norm(compose.configs?.county?.file ?? ""), "configs.county without .env").toBe(
      "liandong.county.json",
    );
    expect(county.region.neighbours, "liandong.county.json: a county on its own").toEqual([]);
  });

  it("everything of the neighbour is in the profile; its init is an operator step `up` never runs", () => {
    const extra = Object.keys(regional.services).filter(
      (n) => !Object.keys(compose.services).includes(n),
    );
    expect(extra, "the same services with or without .env").toEqual([]);
    const neighbourServices = Object.keys(regional.services).filter(
      (n) => n.startsWith("neighbour-") || n === "region-sources",
    );
    expect(neighbourServices.sort()).toEqual(
      [
        NEIGHBOUR_NODE,
        "neighbour-provision",
        "neighbour-proxy",
        "region-sources",
        ...NEIGHBOUR_AGENCIES.map((a) => `neighbour-${a}`),
      ].sort(),
    );
    for (const name of neighbourServices)
      expect(regionService(name).profiles, `${name}: profiles`).toEqual(["region"]);
    for (const name of Object.keys(regional.services).filter((n) => !neighbourServices.includes(n)))
      expect(
        regionService(name).profiles ?? [],
        `${name}: not in the region profile`,
      ).not.toContain("region");
    const init = regionService("init-region");
    expect(init.profiles, "init-region: an operator step, like init").toEqual(
      regionService("init").profiles,
    );
  });

  it("the neighbour's server: the official image, its own config, domain, volume and networks", () => {
    const node = regionService(NEIGHBOUR_NODE);
    expect(node.image, "the same image as the county's nodes").toBe(regionService("nats-1").image);
    const at = configPathOf(NEIGHBOUR_NODE);
    expect(regionMounts(NEIGHBOUR_NODE, "configs").get(at)).toBe("deploy/nats/neighbour.conf");
    const conf = readFileSync(join(ROOT, "deploy/nats/neighbour.conf"), "utf8");
    const include = /^\s*include\s+(\S+)/m.exec(conf.replace(/#.*$/gm, ""))?.[1];
    expect(include, "neighbour.conf includes the auth.conf init-region writes").toBeDefined();
    expect(
      regionMounts(NEIGHBOUR_NODE, "secrets").get(posix.join(posix.dirname(at), include!)),
    ).toBe(`${NEIGHBOUR_SECRETS}/auth.conf`);
    const js = block(conf, "jetstream")!;
    expect(setting(js, "domain"), "its domain, from auth.conf").toBe("$JS_DOMAIN");
    expect(setting(js, "sync_interval")).toBe("always");
    expect(setting(js, "store_dir")).toBe("/data");
    expect(node.environment?.SERVER_NAME, "a stable name of its own").toBe(NEIGHBOUR_NODE);
    expect(node.environment?.JS_DOMAIN, "no empty domain from the environment").toBeUndefined();
    const data = (node.volumes ?? []).find((v) => v.split(":")[1] === "/data");
    expect(data, "its own data volume").toBeDefined();
    for (const n of NODES) expect(regionService(n).volumes ?? []).not.toContain(data);
    expect((node.healthcheck?.test ?? []).join(" ")).toMatch(/http:\/\/127\.0\.0\.1:8222\/healthz/);
    // The link crosses only `region`, which only the NATS servers join.
    expect(regionNetworks(NEIGHBOUR_NODE).sort()).toEqual(["neighbour-bus", "region"]);
    expect(regional.networks?.region?.internal, "networks.region.internal").toBe(true);
    for (const [name, s] of Object.entries(regional.services))
      if (regionNetworks(name).includes("region"))
        expect(s.image ?? "", `${name} joins the region network`).toMatch(/^nats:/);
    for (const n of NODES) {
      expect(regionNetworks(n), `${n}: on the region network`).toContain("region");
      expect(regionService(n).environment?.JS_DOMAIN, `${n}: JS_DOMAIN`).toBe("");
    }
  });

  it("init-region writes into deploy/secrets and gives the neighbour every node's leaf port", () => {
    const init = regionService("init-region");
    const env = init.environment ?? {};
    expect(init.volumes ?? []).toContain(`./${SECRETS_DIR}:${env.LIANDONG_SECRETS}`);
    expect(regionMounts("init-region", "configs").get(env.LIANDONG_CONFIG ?? "")).toBe(homeFile);
    expect(regionMounts("init-region", "configs").get(env.LIANDONG_NEIGHBOUR_CONFIG ?? "")).toBe(
      neighbourFile,
    );
    // Every node, at its address on the region network, which is where it listens for links.
    expect(env.LIANDONG_LINK_URLS?.split(",").sort()).toEqual(
      NODES.map((n) => `nats-leaf://${regionService(n).environment?.LEAF_LISTEN}`),
    );
    for (const n of NODES) {
      const host = regionService(n).environment?.LEAF_LISTEN?.split(":")[0];
      const on = regionService(n).networks as Record<string, { aliases?: string[] } | null>;
      expect(on.region?.aliases ?? [], `${n}: ${host} on the region network`).toContain(host);
      expect(on.bus?.aliases ?? [], `${n}: ${host} not on the bus`).not.toContain(host);
    }
    expect(init.network_mode, "init-region: no network").toBe("none");
  });

  it("provisioning: each county its own, then the sources across the line restarted", () => {
    const p = regionService("neighbour-provision");
    const env = p.environment ?? {};
    expect(env.LIANDONG_REPLICAS, "one node, one replica").toBe("1");
    expect(env.LIANDONG_NATS_URL).toBe(`nats://${NEIGHBOUR_NODE}:4222`);
    expect(p.command).toEqual(regionService("provision").command);
    expect(
      regionMounts("neighbour-provision", "secrets").get(`${env.LIANDONG_SECRETS}/admin.nk`),
    ).toBe(`${NEIGHBOUR_SECRETS}/admin.nk`);
    expect(regionMounts("neighbour-provision", "configs").get(env.LIANDONG_CONFIG ?? "")).toBe(
      neighbourFile,
    );
    expect(p.depends_on).toEqual({ [NEIGHBOUR_NODE]: { condition: "service_healthy" } });
    expect(regionMounts("provision", "configs").get("/etc/liandong/county.json")).toBe(homeFile);

    const r = regionService("region-sources");
    const renv = r.environment ?? {};
    // Runs as long as the counties do: it restarts a cut link's sources when the link is back.
    expect(r.restart).toBe("unless-stopped");
    expect(r.depends_on).toEqual({
      provision: { condition: "service_completed_successfully" },
      "neighbour-provision": { condition: "service_completed_successfully" },
    });
    expect(renv.LIANDONG_NATS_URL?.split(",").sort()).toEqual(NATS_URLS);
    expect(renv.LIANDONG_NEIGHBOUR_NATS_URL).toBe(`nats://${NEIGHBOUR_NODE}:4222`);
    const secrets = regionMounts("region-sources", "secrets");
    // The keeper of each county: it may restart the link's copies, never rewrite the log.
    expect([...secrets.entries()].sort()).toEqual(
      [
        [`${renv.LIANDONG_SECRETS}/keeper.nk`, `${SECRETS_DIR}/keeper.nk`],
        [`${renv.LIANDONG_NEIGHBOUR_SECRETS}/keeper.nk`, `${NEIGHBOUR_SECRETS}/keeper.nk`],
        // Its certificate for the county's nodes (mutual TLS), and the county's CA.
        [renv.LIANDONG_NATS_CA, `${SECRETS_DIR}/tls/trust.pem`],
        [renv.LIANDONG_NATS_CERT, `${SECRETS_DIR}/tls/client-keeper.crt`],
        [renv.LIANDONG_NATS_KEY, `${SECRETS_DIR}/tls/client-keeper.key`],
      ].sort(),
    );
    expect(regionNetworks("region-sources").sort()).toEqual(["bus", "neighbour-bus"]);
  });

  it("no two services publish the same host port", () => {
    const published = Object.entries(regional.services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => ({ name, host: p.split(":").at(-2) })),
    );
    const seen = new Map<string | undefined, string>();
    for (const { name, host } of published) {
      expect(seen.get(host), `${name} and ${seen.get(host)} both publish ${host}`).toBeUndefined();
      seen.set(host, name);
    }
  });

  for (const code of NEIGHBOUR_AGENCIES) {
    const name = `neighbour-${code}`;
    it(`${name} agrees with the service's environment, on its county's bus and secrets only`, () => {
      const s = regionService(name);
      const env = s.environment ?? {};
      for (const key of REQUIRED) expect(env[key], `${name}: ${key} is required`).toBeDefined();
      for (const key of Object.keys(env).filter((k) => k.startsWith("LIANDONG_")))
        expect(SCHEMA_KEYS as string[], `${name}: unknown ${key}`).toContain(key);
      const parsed = ServiceEnv.safeParse(env);
      expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      expect(env.LIANDONG_AGENCY).toBe(code);
      const port = DEFAULT_PORTS[code] ?? Number.NaN;
      expect(Number(env.LIANDONG_HTTP_PORT), `${name}: the county's port`).toBe(port);
      expect(s.ports, `${name}: publishes no port (neighbour-proxy does)`).toBeUndefined();
      expect(env.LIANDONG_NATS_URL).toBe(`nats://${NEIGHBOUR_NODE}:4222`);
      const urls = JSON.parse(env.LIANDONG_SERVICE_URLS ?? "{}") as Record<string, string>;
      for (const a of NEIGHBOUR_AGENCIES)
        if (a !== "office")
          expect(urls[a], `${name}: LIANDONG_SERVICE_URLS.${a}`).toBe(`/api/${a}`);
      expect(env.LIANDONG_WEB_ORIGINS).toBeUndefined();
      // The office asks every other service of its county whether it is ready, on their network.
      if (code === "office") {
        const probes = JSON.parse(env.LIANDONG_PROBE_URLS ?? "{}") as Record<string, string>;
        expect(Object.keys(probes).sort()).toEqual(
          NEIGHBOUR_AGENCIES.filter((a) => a !== "office").sort(),
        );
        for (const [a, url] of Object.entries(probes))
          expect(url).toBe(`http://neighbour-${a}:${DEFAULT_PORTS[a] ?? 0}`);
      }

      const secrets = regionMounts(name, "secrets");
      expect([...secrets.entries()].sort()).toEqual(
        [
          [env.LIANDONG_NATS_SEED_FILE, `${NEIGHBOUR_SECRETS}/${code}.nk`],
          [env.LIANDONG_OFFICERS, `${NEIGHBOUR_SECRETS}/officers.json`],
          [env.LIANDONG_PUBLIC_KEYS, `${NEIGHBOUR_SECRETS}/public-keys.json`],
        ].sort(),
      );
      expect(regionMounts(name, "configs").get(env.LIANDONG_CONFIG ?? "")).toBe(neighbourFile);
      expect(s.command).toEqual(["node", ...nodeFlags(code), `dist/${code}.mjs`]);
      // The neighbour starts on its own: nothing of the county's in its way.
      expect(s.depends_on).toEqual({
        [NEIGHBOUR_NODE]: { condition: "service_healthy" },
        "neighbour-provision": { condition: "service_completed_successfully" },
      });
      expect(regionNetworks(name)).toEqual(["neighbour-bus", "neighbour-web"]);
    });
  }
});

// ---- The region, live: the compose one-shots and servers as processes on loopback ------------

/**
 * What docker compose would do with the region profile, without Docker: each container is a
 * folder holding what the service mounts (its configs, its secrets, its volumes), each command
 * runs with the service's own environment, the NATS servers run the mounted configurations with
 * only their addresses moved to free loopback ports (and /data to the folder).
 */
describe.skipIf(!natsBinary)("the region profile, live on loopback", () => {
  const live = mkdtempSync(join(tmpdir(), "liandong-compose-region-"));
  const servers: ChildProcess[] = [];
  afterAll(() => {
    for (const p of servers) p.kill("SIGKILL");
    rmSync(live, { recursive: true, force: true });
  });
  const SERVERS = [...NODES, NEIGHBOUR_NODE];
  const ports = {
    client: {} as Record<string, number>,
    http: {} as Record<string, number>,
    route: {} as Record<string, number>,
    leaf: {} as Record<string, number>,
  };

  /** The host's file: init writes deploy/secrets into the test's folder; the rest is the repository. */
  const hostFile = (file: string) =>
    file.startsWith(`${SECRETS_DIR}`) ? join(live, "host", file) : join(ROOT, file);

  function container(name: string): string {
    const root = join(live, "containers", name);
    rmSync(root, { recursive: true, force: true });
    for (const kind of ["configs", "secrets"] as const)
      for (const [target, file] of regionMounts(name, kind)) {
        mkdirSync(join(root, posix.dirname(target)), { recursive: true });
        copyFileSync(hostFile(file), join(root, target));
      }
    for (const v of regionService(name).volumes ?? []) {
      const [from, to] = v.split(":");
      if (!from?.startsWith("./") || !to) continue;
      mkdirSync(hostFile(norm(from)), { recursive: true });
      mkdirSync(join(root, posix.dirname(to)), { recursive: true });
      symlinkSync(hostFile(norm(from)), join(root, to));
    }
    mkdirSync(root, { recursive: true });
    return root;
  }

  /** A URL or address of a service on its port inside the network → the loopback port it got. */
  const toLoopback = (text: string) =>
    text
      .replace(/nats:\/\/([\w-]+):4222/g, (_, h: string) => `nats://127.0.0.1:${ports.client[h]}`)
      .replace(
        /nats-leaf:\/\/([\w-]+)-leaf:7422/g,
        (_, h: string) => `nats-leaf://127.0.0.1:${ports.leaf[h]}`,
      )
      .replace(
        /nats-route:\/\/([\w-]+)-route:6222/g,
        (_, h: string) => `nats-route://127.0.0.1:${ports.route[h]}`,
      );

  function environmentOf(name: string, root: string): Record<string, string> {
    const env = regionService(name).environment ?? {};
    return Object.fromEntries(
      // Clients' URLs only: the leaf-node URLs init-region writes are moved with the servers' files.
      Object.entries(env).map(([k, v]) => [
        k,
        v.startsWith("/")
          ? join(root, v)
          : v.replace(
              /nats:\/\/([\w-]+):4222/g,
              (_, h: string) => `nats://127.0.0.1:${ports.client[h]}`,
            ),
      ]),
    );
  }

  /**
   * A service's command as its container runs it: `node dist/<name>.mjs` in the image's /app (the
   * image built once for the file, builtImage), with the service's environment.
   */
  async function spawnCommand(name: string, root: string, extra: Record<string, string> = {}) {
    const command = regionService(name).command ?? [];
    sourceOf(command); // a bundle deploy/build.ts makes
    const app = await builtImage();
    return spawn(process.execPath, [...command.slice(1, -1), join(app, command.at(-1)!)], {
      cwd: app,
      env: { ...process.env, ...environmentOf(name, root), ...extra },
    });
  }

  /** A one-shot's command, as its container would run it; resolves with its exit code and output. */
  async function run(name: string): Promise<{ code: number | null; output: string }> {
    const root = container(name);
    const child = await spawnCommand(name, root);
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    return new Promise((done) => child.on("exit", (code) => done({ code, output })));
  }

  /** A long-running service: started, awaited until it says `text`, then stopped (SIGTERM). */
  /** Starts a long-running service, waits until it says `text`; `stop()` checks it stops cleanly. */
  async function startUntil(name: string, text: string, extra: Record<string, string> = {}) {
    const root = container(name);
    const child = await spawnCommand(name, root, extra);
    let output = "";
    const exited = new Promise<number | null>((done) => child.on("exit", done));
    await new Promise<void>((said, failed) => {
      const seen = (d: Buffer) => {
        output += d;
        if (output.includes(text)) said();
      };
      child.stdout.on("data", seen);
      child.stderr.on("data", seen);
      void exited.then((code) => failed(new Error(`${name} exited (${code}): ${output}`)));
    });
    return {
      output,
      async stop() {
        child.kill("SIGTERM");
        expect(await exited, `${name} stops cleanly: ${output}`).toBe(0);
      },
    };
  }

  async function expectRun(name: string) {
    const r = await run(name);
    expect(r.code, `${name}: ${r.output}`).toBe(0);
    return r.output;
  }

  it("init and init-region write every file the profile mounts; both servers' configurations pass nats-server -t", async () => {
    await expectRun("init");
    const said = await expectRun("init-region");
    expect(said).toContain(neighbour.county);
    for (const [name, s] of Object.entries(regional.secrets ?? {}))
      expect(existsSync(hostFile(norm(s.file ?? ""))), `secret ${name}: ${s.file}`).toBe(true);

    const auth = (dir: string) => readFileSync(hostFile(`${dir}/auth.conf`), "utf8");
    expect(setting(auth(SECRETS_DIR), "JS_DOMAIN")).toBe(`"${jetstreamDomain(home.county)}"`);
    expect(setting(auth(NEIGHBOUR_SECRETS), "JS_DOMAIN")).toBe(
      `"${jetstreamDomain(neighbour.county)}"`,
    );
    expect(
      setting(block(auth(SECRETS_DIR), "leafnodes") ?? "", "listen"),
      "the county's nodes listen for links at LEAF_LISTEN only",
    ).toBe("$LEAF_LISTEN");
    const remote = block(auth(NEIGHBOUR_SECRETS), "leafnodes") ?? "";
    expect(setting(remote, "reconnect"), "a duration nats-server accepts").toBe('"1s"');
    const linkSeed = readFileSync(hostFile(`${NEIGHBOUR_SECRETS}/link.nk`), "utf8").trim();
    expect(remote, "the neighbour dials with the link's seed").toContain(linkSeed);
    expect(auth(SECRETS_DIR), "the county keeps no seed of the link").not.toContain(linkSeed);
    expect(auth(SECRETS_DIR)).toContain(`# link of neighbouring county ${neighbour.county}`);
    // The link over mutual TLS: the county's nodes trust only the neighbour's CA, which init-region
    // wrote into neighbours.pem; the neighbour presents its link's certificate.
    const listening = block(block(auth(SECRETS_DIR), "leafnodes") ?? "", "tls") ?? "";
    expect(setting(listening, "verify"), "the leaf-node port: mutual TLS").toBe("true");
    expect(setting(listening, "ca_file")).toBe('"/etc/nats/tls/neighbours.pem"');
    expect(readFileSync(hostFile(`${SECRETS_DIR}/tls/neighbours.pem`), "utf8")).toBe(
      readFileSync(hostFile(`${NEIGHBOUR_SECRETS}/tls/trust.pem`), "utf8"),
    );
    const dialing = block(remote, "tls") ?? "";
    expect(setting(dialing, "cert_file"), "the neighbour's link certificate").toBe(
      '"/etc/nats/tls/link.crt"',
    );
    expect(setting(dialing, "ca_file")).toBe('"/etc/nats/tls/dialed-ca.pem"');

    // Exactly the files that the containers get, tested by the binary the image runs.
    for (const node of SERVERS) {
      const root = container(node);
      // The node's certificate and key where its secrets put them, in the container's folder.
      const conf = join(root, configPathOf(node));
      for (const file of [conf, join(posix.dirname(conf), "auth.conf")])
        writeFileSync(
          file,
          readFileSync(file, "utf8").replaceAll("/etc/nats/tls/", `${join(root, "etc/nats/tls")}/`),
        );
      const r = spawnSync(natsBinary!, ["-t", "-c", conf], {
        env: { ...process.env, ...regionService(node).environment },
        encoding: "utf8",
      });
      expect(r.status, `${node}: nats-server -t: ${r.stderr}${r.stdout}`).toBe(0);
    }

    // Re-running init keeps the region: the same domain and the same accepted link.
    const before = auth(SECRETS_DIR);
    await expectRun("init");
    expect(auth(SECRETS_DIR)).toBe(before);
  }, 60_000);

  it("two counties linked: a cross-border event published in one reaches the other's EVENTS and the addressed inbox", async () => {
    for (const s of SERVERS) {
      ports.client[s] = await freePort();
      ports.http[s] = await freePort();
      ports.route[s] = await freePort();
      ports.leaf[s] = await freePort();
    }
    const said: Record<string, string> = {};
    for (const node of SERVERS) {
      const root = container(node);
      const conf = join(root, configPathOf(node));
      const auth = join(posix.dirname(conf), "auth.conf");
      const move = (text: string) =>
        toLoopback(text)
          .replaceAll("/etc/nats/tls/", `${join(root, "etc/nats/tls")}/`)
          .replace("0.0.0.0:4222", `127.0.0.1:${ports.client[node]}`)
          .replace("127.0.0.1:8222", `127.0.0.1:${ports.http[node]}`)
          .replace(/store_dir: \/data/, `store_dir: "${join(root, "data")}"`);
      writeFileSync(conf, move(readFileSync(conf, "utf8")));
      writeFileSync(auth, move(readFileSync(auth, "utf8")));
      const env = { ...regionService(node).environment };
      if (env.CLUSTER_LISTEN) env.CLUSTER_LISTEN = `127.0.0.1:${ports.route[node]}`;
      if (env.LEAF_LISTEN) env.LEAF_LISTEN = `127.0.0.1:${ports.leaf[node]}`;
      const p = spawn(natsBinary!, ["-c", conf], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "ignore", "pipe"],
      });
      p.stderr?.on("data", (d) => {
        said[node] = `${said[node] ?? ""}${d}`.slice(-2000);
      });
      servers.push(p);
    }
    // As compose waits for the health checks, on each server's own monitoring port.
    await Promise.all(
      SERVERS.map(async (node) => {
        const check = (regionService(node).healthcheck?.test ?? []).find((a) =>
          a.startsWith("http"),
        );
        const url = check!.replace("127.0.0.1:8222", `127.0.0.1:${ports.http[node]}`);
        // A cluster elects its meta leader in seconds; a loaded machine (the suite runs files
        // side by side on two cores) may take much longer.
        const deadline = Date.now() + 75_000;
        for (;;) {
          const ok = await fetch(url).then(
            (r) => r.ok,
            () => false,
          );
          if (ok) return;
          if (Date.now() > deadline)
            throw new Error(`${node}: not healthy (${url}): ${said[node] ?? ""}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }),
    );

    await Promise.all([expectRun("provision"), expectRun("neighbour-provision")]);
    // The keeper runs beside both counties, as in compose, while events cross.
    const keeper = await startUntil("region-sources", "已连通");
    expect(keeper.output).toContain("已连通");
    // 数据比对 as compose runs it: its identity, certificate, OPRF key and the `comparison` bucket
    // provision made (it opens it at start); its probe on a free port instead of 7190.
    const probe = await freePort();
    const comparison = await startUntil(COMPARISON, "comparison service ready", {
      LIANDONG_HTTP_PORT: String(probe),
    });
    try {
      // Its healthcheck, as compose runs it.
      expect((await fetch(`http://127.0.0.1:${probe}/readyz`)).status, "comparison: /readyz").toBe(
        200,
      );
      // An agency asks it for its key, as itself: the key init wrote into public-keys.json.
      const health = await connectBus({
        servers: `nats://127.0.0.1:${ports.client["nats-1"]}`,
        agency: "health",
        seedFile: hostFile(`${SECRETS_DIR}/health.nk`),
        tls: {
          caFile: hostFile(`${SECRETS_DIR}/tls/trust.pem`),
          certFile: hostFile(`${SECRETS_DIR}/tls/client-health.crt`),
          keyFile: hostFile(`${SECRETS_DIR}/tls/client-health.key`),
        },
      });
      try {
        const key = await comparisonKey(health, home.county, "health");
        const keys = PublicKeysFile.parse(
          JSON.parse(readFileSync(hostFile(`${SECRETS_DIR}/public-keys.json`), "utf8")),
        );
        expect(Buffer.from(key).toString("hex"), "the key public-keys.json pins").toBe(
          keys.comparisonOprfKey,
        );
      } finally {
        await health.close();
      }
    } finally {
      await comparison.stop();
    }
    try {
      const connectAs = (agency: string, secrets: string, node: string) =>
        connectBus({
          servers: `nats://127.0.0.1:${ports.client[node]}`,
          agency,
          seedFile: hostFile(`${secrets}/${agency}.nk`),
          // The county's nodes take mutual TLS only (the neighbour's server, not yet).
          ...(secrets === SECRETS_DIR
            ? {
                tls: {
                  caFile: hostFile(`${SECRETS_DIR}/tls/trust.pem`),
                  certFile: hostFile(`${SECRETS_DIR}/tls/client-${agency}.crt`),
                  keyFile: hostFile(`${SECRETS_DIR}/tls/client-${agency}.key`),
                },
              }
            : {}),
        });
      const sides = [
        {
          from: home,
          secrets: SECRETS_DIR,
          node: "nats-2",
          to: neighbour,
          toSecrets: NEIGHBOUR_SECRETS,
          toNode: NEIGHBOUR_NODE,
        },
        {
          from: neighbour,
          secrets: NEIGHBOUR_SECRETS,
          node: NEIGHBOUR_NODE,
          to: home,
          toSecrets: SECRETS_DIR,
          toNode: "nats-3",
        },
      ];
      for (const side of sides) {
        const id = `compose-${side.from.county}`;
        const subject = crossBorderSubject({
          county: side.from.county,
          agency: "health",
          kind: "referral",
          id,
          to: "health",
          toCounty: side.to.county,
        });
        const health = await connectAs("health", side.secrets, side.node);
        await jetstream(health).publish(subject, JSON.stringify({ id }), { msgID: `health:${id}` });
        await health.close();
        const admin = await connectAs("admin", side.toSecrets, side.toNode);
        try {
          const jsm = await jetstreamManager(admin);
          for (const stream of [STREAMS.events, STREAMS.inbox("health")]) {
            const deadline = Date.now() + 15_000;
            for (;;) {
              const m = await jsm.streams
                .getMessage(stream, { last_by_subj: subject })
                .catch(() => undefined);
              if (m) {
                expect(m.json<{ id: string }>().id).toBe(id);
                break;
              }
              if (Date.now() > deadline)
                throw new Error(
                  `${side.from.county} → ${side.to.county}: ${subject} not in ${stream}`,
                );
              await new Promise((r) => setTimeout(r, 200));
            }
          }
        } finally {
          await admin.close();
        }
      }
    } finally {
      await keeper.stop();
    }
  }, 150_000);
});
