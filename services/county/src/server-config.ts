import { CITY_OFFICE, jetstreamDomain, OFFICE } from "@liandong/contracts";
import type { Identities } from "./identities.ts";
import {
  adminPermissions,
  agencyPermissions,
  auditorPermissions,
  comparisonPermissions,
  keeperPermissions,
  linkPermissions,
  type Permissions,
} from "./permissions.ts";

/**
 * A county's part in its cooperation region: the leaf-node port neighbours connect to, the
 * neighbours allowed to (by the public key of their link), and the neighbours this county
 * connects to (with its own link's seed).
 */
export type RegionLinks = {
  listen?: { host: string; port: number };
  accept: { neighbour: string; publicKey: string }[];
  /** `url`: one address of the neighbour's leaf-node port, or several (the nodes of its cluster). */
  connect: {
    neighbour: string;
    url: string | readonly string[];
    seed: string;
    /** Mutual TLS: this county's link certificate, and the neighbour's CAs (its trust file). */
    tls?: LinkTls;
  }[];
  /**
   * Mutual TLS on the leaf-node port: the node's certificate, and the CAs of the neighbours in
   * this county's configuration (and none other) that a link's certificate must be issued by.
   */
  tls?: TlsBlock;
};

/** A TLS block of nats-server: its certificate, and the CAs whose certificates it accepts. */
export type TlsBlock = { certFile: string; keyFile: string; caFile: string };
/**
 * The dialing side of a link: its certificate, and the CAs the neighbour's server must be of.
 * (Without a certificate only in tests: a link presenting none, to be refused.)
 */
export type LinkTls = Partial<Omit<TlsBlock, "caFile">> & { caFile: string };

/** `verify`: the other side must present a certificate of `caFile`'s CAs (mutual TLS). */
export function renderTls(t: LinkTls, opts: { verify: boolean; indent?: string }): string {
  const i = opts.indent ?? "  ";
  return [
    `${i}tls {`,
    ...(t.certFile ? [`${i}  cert_file: ${q(t.certFile)}`] : []),
    ...(t.keyFile ? [`${i}  key_file: ${q(t.keyFile)}`] : []),
    `${i}  ca_file: ${q(t.caFile)}`,
    ...(opts.verify ? [`${i}  verify: true`] : []),
    `${i}  timeout: 2`,
    `${i}}`,
  ].join("\n");
}

/**
 * A county's nodes in a cluster: routes between them with mutual TLS when `tls` is given (a
 * route is not subject to the agencies' permissions: only the county's own nodes may open one).
 */
export function renderCluster(c: {
  name: string;
  listen: string;
  routes: readonly string[];
  tls?: TlsBlock;
}): string {
  return [
    "cluster {",
    `  name: ${q(c.name)}`,
    `  listen: ${q(c.listen)}`,
    `  routes: ${list([...c.routes])}`,
    ...(c.tls ? [renderTls(c.tls, { verify: true })] : []),
    "}",
  ].join("\n");
}

export type ServerConfigOptions = {
  county: string;
  serverName: string;
  host: string;
  port: number;
  storeDir: string;
  identities: Identities;
  /** fsync every write before the ack (DESIGN.md: acks otherwise precede fsync). */
  syncAlways?: boolean;
  region?: RegionLinks;
  /** The neighbouring counties of its cooperation region (the streams their links fill). */
  neighbours?: readonly string[];
  /** TLS on the client port; `verify`: clients must present a certificate of the county's CA. */
  tls?: TlsBlock & { verify: boolean };
  /** Where nats-server writes its process id (`liandong certs rotate` signals it to reload). */
  pidFile?: string;
  extra?: string;
};

const q = (s: string) => JSON.stringify(s);
const list = (xs: string[]) => `[${xs.map(q).join(", ")}]`;

const permissions = (p: Permissions) =>
  `permissions: { publish: { allow: ${list(p.publish.allow)}${p.publish.deny ? `, deny: ${list(p.publish.deny)}` : ""} }, subscribe: { allow: ${list(p.subscribe.allow)} }${p.allowResponses ? ", allow_responses: true" : ""} }`;

const user = (comment: string, publicKey: string, p?: Permissions) =>
  `    # ${comment}\n    { nkey: ${q(publicKey)}${p ? `, ${permissions(p)}` : ""} }`;

/**
 * The `authorization` block: nkey users only (anonymous refused), permissions per identity
 * (README, 审计 › 身份与权限), and the links of neighbouring counties allowed to connect.
 * `neighbours`: the counties this one sources from (their links' copies the keeper restarts).
 */
export function renderAuthorization(
  county: string,
  identities: Identities,
  accept: RegionLinks["accept"] = [],
  neighbours: readonly string[] = accept.map((l) => l.neighbour),
): string {
  const agencies = Object.keys(identities.agencies);
  const users = [
    user(
      "admin: provisions and reads; rewrites nothing",
      identities.admin.publicKey,
      adminPermissions(agencies),
    ),
    user(
      "auditor: reads EVENTS, nothing else",
      identities.auditor.publicKey,
      auditorPermissions(agencies),
    ),
    user(
      "keeper: restarts the region links' sources",
      identities.keeper.publicKey,
      keeperPermissions(neighbours),
    ),
    // The one identity that may rewrite a stream; its seed is kept apart, and every use of it
    // through `liandong break-glass` is recorded on the log first.
    user("break-glass", identities.breakGlass.publicKey),
    user(
      "comparison: evaluates blinded identities (数据比对), records each request",
      identities.comparison.publicKey,
      comparisonPermissions(county),
    ),
  ];
  for (const [agency, id] of Object.entries(identities.agencies)) {
    // A city's office reads its bus's whole log as a county's office does its county's.
    const office = agency === OFFICE || agency === CITY_OFFICE;
    const p = agencyPermissions(county, agency, { office, agencies });
    users.push(user(agency, id.publicKey, p));
  }
  for (const link of accept) {
    users.push(
      `    # link of neighbouring county ${link.neighbour}\n    { nkey: ${q(link.publicKey)}, ${permissions(linkPermissions(county, link.neighbour))} }`,
    );
  }
  return `authorization {\n  users: [\n${users.join(",\n")}\n  ]\n}\n`;
}

/** Leaf-node links to neighbouring counties (区域协作). */
export function renderLeafnodes(region: RegionLinks): string {
  const lines = ["leafnodes {"];
  if (region.listen) lines.push(`  listen: ${q(`${region.listen.host}:${region.listen.port}`)}`);
  if (region.listen && region.tls) lines.push(renderTls(region.tls, { verify: true }));
  if (region.connect.length > 0) {
    lines.push('  reconnect: "1s"', "  remotes: [");
    lines.push(
      region.connect
        // Only the configured address: never one the neighbour advertises (it may be unreachable,
        // or bypass what stands between the two counties).
        .map(
          (r) =>
            `    # county ${r.neighbour}\n    { ${typeof r.url === "string" ? `url: ${q(r.url)}` : `urls: ${list([...r.url])}`}, nkey: ${q(r.seed)}, ignore_discovered_servers: true${r.tls ? `\n${renderTls(r.tls, { verify: false, indent: "      " })}\n    ` : " "}}`,
        )
        .join(",\n"),
    );
    lines.push("  ]");
  }
  lines.push("}");
  return lines.join("\n");
}

/** A county's single nats-server: loopback, JetStream on disk in the project, agencies' identities. */
export function renderServerConfig(o: ServerConfigOptions): string {
  return [
    `# Generated by the county launcher for county ${o.county}. Do not edit: it is rewritten at start.`,
    `server_name: ${q(o.serverName)}`,
    `listen: ${q(`${o.host}:${o.port}`)}`,
    ...(o.tls ? [renderTls(o.tls, { verify: o.tls.verify, indent: "" })] : []),
    ...(o.pidFile ? [`pid_file: ${q(o.pidFile)}`] : []),
    "max_payload: 1MB",
    `jetstream {\n  store_dir: ${q(o.storeDir)}\n  max_file_store: 64GB${o.syncAlways ? "\n  sync_interval: always" : ""}${o.region ? `\n  domain: ${q(jetstreamDomain(o.county))}` : ""}\n}`,
    renderAuthorization(
      o.county,
      o.identities,
      o.region?.accept,
      o.neighbours ?? [
        ...(o.region?.accept ?? []).map((l) => l.neighbour),
        ...(o.region?.connect ?? []).map((l) => l.neighbour),
      ],
    ),
    o.region ? renderLeafnodes(o.region) : "",
    o.extra ?? "",
  ].join("\n");
}
