// A county's own certificate authority and the certificates it issues (README, 传输加密 TLS):
// made with Debian's openssl (execFile, never hand-rolled ASN.1), kept with the county's secrets
// in <secrets>/tls/. Node's X509Certificate only reads them, to decide whether one must be made
// again (missing, issued by another CA, other names, near its end).
import { execFile } from "node:child_process";
import { randomBytes, X509Certificate } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const OPENSSL = process.env.LIANDONG_OPENSSL ?? "openssl";

/** Where a county's TLS material lives: beside its nkey seeds. */
export const tlsDir = (secrets: string) => join(secrets, "tls");

/** A certificate and its private key, as files. */
export type CertFiles = { certFile: string; keyFile: string };

/**
 * What a county's processes need for TLS: their certificate and key, and `trustFile`, the CAs
 * they trust for their own county's peers (the county's CA, and during a rotation the next one).
 */
export type TlsFiles = CertFiles & { trustFile: string };

/** One certificate the county issues: `server` names (DNS names or IPs) make it a server's too. */
export type CertRequest = { name: string; server?: readonly string[] };

/** The files of one county's authority. */
export type CountyAuthority = {
  dir: string;
  /** The CA certificate in use (the one that issues). */
  caFile: string;
  /** Every CA this county trusts for itself, and what its neighbours are given to trust it by. */
  trustFile: string;
  /** A certificate issued by the CA in use, made if missing or stale. */
  issue(req: CertRequest): Promise<CertFiles>;
};

const CA = { cert: "ca.crt", key: "ca.key" } as const;
/** During a rotation: the CA that will replace `ca.crt` (README, 传输加密 TLS › 轮换). */
const NEXT = { cert: "ca-next.crt", key: "ca-next.key" } as const;
const TRUST = "trust.pem";
/** How long an issued certificate lasts, and how near its end it is made again. */
const CERT_DAYS = 825;
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

const isIp = (s: string) => /^[\d.]+$/.test(s) || s.includes(":");

/** A subject: ASCII only (the CN carries a timestamp, so that two CAs never share a name). */
const subject = (county: string, cn: string) => `/O=Liandong/OU=county ${county}/CN=${cn}`;

async function makeCa(dir: string, names: { cert: string; key: string }, county: string) {
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  await run(OPENSSL, [
    "req",
    "-x509",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    join(dir, names.key),
    "-out",
    join(dir, names.cert),
    "-days",
    "3650",
    "-subj",
    subject(county, `Liandong county ${county} CA ${stamp}-${randomBytes(3).toString("hex")}`),
    "-addext",
    "basicConstraints=critical,CA:TRUE,pathlen:0",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  chmodSync(join(dir, names.key), 0o600);
}

const readCert = (file: string) => new X509Certificate(readFileSync(file));

/** The SAN text X509Certificate shows for these names, to compare with what a cert holds. */
const sanText = (names: readonly string[]) =>
  names.map((n) => (isIp(n) ? `IP Address:${n}` : `DNS:${n}`)).join(", ");

/** A certificate that is still good: issued by `ca`, for these names, not near its end. */
function stillGood(files: CertFiles, ca: X509Certificate, req: CertRequest): boolean {
  if (!existsSync(files.certFile) || !existsSync(files.keyFile)) return false;
  try {
    const cert = readCert(files.certFile);
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
    if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_MS) return false;
    return (cert.subjectAltName ?? "") === (req.server ? sanText(req.server) : "");
  } catch {
    return false;
  }
}

async function issueCert(
  dir: string,
  county: string,
  ca: { cert: string; key: string },
  req: CertRequest,
): Promise<CertFiles> {
  const files = { certFile: join(dir, `${req.name}.crt`), keyFile: join(dir, `${req.name}.key`) };
  const csr = join(dir, `${req.name}.csr`);
  const ext = join(dir, `${req.name}.ext`);
  const usage = req.server ? "serverAuth,clientAuth" : "clientAuth";
  writeFileSync(
    ext,
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      `extendedKeyUsage=${usage}`,
      ...(req.server
        ? [`subjectAltName=${req.server.map((n) => (isIp(n) ? `IP:${n}` : `DNS:${n}`)).join(",")}`]
        : []),
      "",
    ].join("\n"),
  );
  try {
    await run(OPENSSL, [
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      `${files.keyFile}.new`,
      "-out",
      csr,
      "-subj",
      subject(county, req.name),
    ]);
    await run(OPENSSL, [
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      join(dir, ca.cert),
      "-CAkey",
      join(dir, ca.key),
      "-set_serial",
      `0x${randomBytes(16)
        .toString("hex")
        .replace(/^[89a-f]/, "1")}`,
      "-days",
      String(CERT_DAYS),
      "-extfile",
      ext,
      "-out",
      `${files.certFile}.new`,
    ]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  // Key first, then the certificate: a reload between the two finds a pair that does not match
  // only for the moment between two renames, never a half-written file.
  chmodSync(`${files.keyFile}.new`, 0o600);
  renameOver(`${files.keyFile}.new`, files.keyFile);
  renameOver(`${files.certFile}.new`, files.certFile);
  return files;
}

const renameOver = (from: string, to: string) => renameSync(from, to);

/** The trust file: the CA in use, and the next one while a rotation is under way. */
function writeTrust(dir: string) {
  const pems = [CA.cert, NEXT.cert]
    .map((f) => join(dir, f))
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f, "utf8").trim());
  writeFileSync(join(dir, TRUST), `${pems.join("\n")}\n`, { mode: 0o644 });
}

/**
 * The county's authority, made the first time (when the county is first set up) and kept.
 * Certificates it issues are made on request when missing, issued by another CA, for other
 * names, or within 30 days of their end; otherwise the same files are given back.
 */
export async function ensureAuthority(secrets: string, county: string): Promise<CountyAuthority> {
  const dir = tlsDir(secrets);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  if (!existsSync(join(dir, CA.cert)) || !existsSync(join(dir, CA.key)))
    await makeCa(dir, CA, county);
  writeTrust(dir);
  // Halfway through a rotation the new CA issues (its certificates are already in use).
  const issuer = rotationStep(secrets) === RotationStep.switched ? NEXT : CA;
  return {
    dir,
    caFile: join(dir, issuer.cert),
    trustFile: join(dir, TRUST),
    async issue(req) {
      const files = {
        certFile: join(dir, `${req.name}.crt`),
        keyFile: join(dir, `${req.name}.key`),
      };
      if (stillGood(files, readCert(join(dir, issuer.cert)), req)) return files;
      return issueCert(dir, county, issuer, req);
    },
  };
}

/** Where a county's rotation stands (`liandong certs rotate`). */
export const RotationStep = {
  /** No rotation under way: the next run makes a new CA and trusts it beside the old one. */
  idle: "idle",
  /** Both CAs trusted; certificates still the old CA's. The next run issues from the new one. */
  trusting: "trusting",
  /** Certificates the new CA's; the old one still trusted. The next run retires the old CA. */
  switched: "switched",
} as const;
export type RotationStep = (typeof RotationStep)[keyof typeof RotationStep];

const ROTATION = "rotation.json";

export function rotationStep(secrets: string): RotationStep {
  const file = join(tlsDir(secrets), ROTATION);
  if (!existsSync(file)) return RotationStep.idle;
  return (JSON.parse(readFileSync(file, "utf8")) as { step: RotationStep }).step;
}

/**
 * One step of a rotation without downtime: (1) a new CA, trusted beside the old one everywhere
 * the trust file is read (the county's nodes and clients; its neighbours, once given it);
 * (2) every certificate the county issued made again by the new CA, for the same names (the old CA still trusted, so that
 * peers not yet reloaded are accepted); (3) the old CA retired from the trust file. Between
 * steps the county's nats-servers reload (SIGHUP) and keep their connections.
 */
export async function rotateStep(secrets: string, county: string): Promise<RotationStep> {
  const dir = tlsDir(secrets);
  const file = join(dir, ROTATION);
  const step = rotationStep(secrets);
  const save = (s: RotationStep) =>
    s === RotationStep.idle
      ? rmSync(file, { force: true })
      : writeFileSync(file, JSON.stringify({ step: s, at: new Date().toISOString() }));
  if (step === RotationStep.idle) {
    await ensureAuthority(secrets, county);
    await makeCa(dir, NEXT, county);
    writeTrust(dir);
    save(RotationStep.trusting);
    return RotationStep.trusting;
  }
  if (step === RotationStep.trusting) {
    for (const req of issuedBy(dir)) await issueCert(dir, county, NEXT, req);
    save(RotationStep.switched);
    return RotationStep.switched;
  }
  // The new CA becomes the CA; the old one is kept aside, trusted no more.
  const stamp = new Date().toISOString().replace(/[-:.]/g, "");
  for (const [from, to] of [
    [CA.cert, `retired-${stamp}.crt`],
    [CA.key, `retired-${stamp}.key`],
    [NEXT.cert, CA.cert],
    [NEXT.key, CA.key],
  ] as const)
    renameOver(join(dir, from), join(dir, to));
  chmodSync(join(dir, CA.cert), 0o644);
  writeTrust(dir);
  save(RotationStep.idle);
  return RotationStep.idle;
}

/** The certificates a county's CA issued (in its folder), with the names each is for. */
function issuedBy(dir: string): CertRequest[] {
  const reserved = new Set<string>([CA.cert, NEXT.cert]);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".crt") && !reserved.has(f) && !f.startsWith("retired-"))
    .map((f) => {
      const san = readCert(join(dir, f)).subjectAltName;
      const server = san
        ?.split(", ")
        .map((n) => n.replace(/^(DNS|IP Address):/, ""))
        .filter((n) => n.length > 0);
      return { name: f.slice(0, -".crt".length), ...(server ? { server } : {}) };
    });
}

/** PEM text of several trust files in one (a county's neighbours' CAs, for its leaf-node port). */
export function writeBundle(file: string, sources: readonly string[]): string {
  const pems = sources.map((f) => readFileSync(f, "utf8").trim());
  writeFileSync(file, `${pems.join("\n")}\n`, { mode: 0o644 });
  return file;
}

/** The addresses a county's nodes are reached at on this machine (the launcher, tests). */
export const LOOPBACK = ["localhost", "127.0.0.1"] as const;

/**
 * What a county of a region needs on its links: its node's certificate (the leaf-node port it
 * listens on, and its client port), its link's (dialing a neighbour), and its trust file (given
 * to its neighbours, which trust this county's links by it).
 */
export async function linkCertificates(
  secrets: string,
  county: string,
  hosts: readonly string[] = LOOPBACK,
): Promise<{ trustFile: string; node: CertFiles; link: CertFiles }> {
  const ca = await ensureAuthority(secrets, county);
  return {
    trustFile: ca.trustFile,
    node: await ca.issue({ name: "node", server: hosts }),
    link: await ca.issue({ name: "link" }),
  };
}

/** What a client presents and trusts on a county's bus (`connectBus`'s `tls`). */
export type ClientTls = { caFile: string; certFile: string; keyFile: string };

/**
 * A clustered county's certificates: one per node (its client port and its routes, server and
 * client at once), and one client certificate per identity that connects (services, operators).
 */
export async function clusterCertificates(
  ca: CountyAuthority,
  nodes: number,
  clients: readonly string[],
  hosts: readonly string[] = LOOPBACK,
): Promise<{ nodes: TlsFiles[]; clients: Record<string, ClientTls> }> {
  const out: { nodes: TlsFiles[]; clients: Record<string, ClientTls> } = { nodes: [], clients: {} };
  for (let i = 1; i <= nodes; i++)
    out.nodes.push({
      ...(await ca.issue({ name: `node-${i}`, server: hosts })),
      trustFile: ca.trustFile,
    });
  for (const c of clients)
    out.clients[c] = { ...(await ca.issue({ name: `client-${c}` })), caFile: ca.trustFile };
  return out;
}
