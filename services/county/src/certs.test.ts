import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureAuthority, RotationStep, rotateStep, rotationStep } from "./certs.ts";

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "liandong-certs-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const cert = (file: string) => new X509Certificate(readFileSync(file));
const pems = (file: string) => readFileSync(file, "utf8").match(/BEGIN CERTIFICATE/g)?.length ?? 0;

describe("a county's authority", () => {
  it("is made once, and issues certificates it keeps until their names change", async () => {
    const dir = fresh();
    const ca = await ensureAuthority(dir, "441723");
    const again = await ensureAuthority(dir, "441723");
    expect(readFileSync(again.caFile, "utf8")).toBe(readFileSync(ca.caFile, "utf8"));
    expect(cert(ca.caFile).ca).toBe(true);
    expect(cert(ca.caFile).subject).toContain("OU=county 441723");

    const node = await ca.issue({ name: "node-1", server: ["nats-1", "127.0.0.1"] });
    const pem = readFileSync(node.certFile, "utf8");
    expect(cert(node.certFile).checkIssued(cert(ca.caFile))).toBe(true);
    expect(cert(node.certFile).subjectAltName).toBe("DNS:nats-1, IP Address:127.0.0.1");
    expect(cert(node.certFile).keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1"]));
    // The same request: the same certificate. Other names: a new one.
    await ca.issue({ name: "node-1", server: ["nats-1", "127.0.0.1"] });
    expect(readFileSync(node.certFile, "utf8")).toBe(pem);
    await ca.issue({ name: "node-1", server: ["nats-1", "nats-1-route", "127.0.0.1"] });
    expect(readFileSync(node.certFile, "utf8")).not.toBe(pem);

    const client = await ca.issue({ name: "client-health" });
    expect(cert(client.certFile).subjectAltName).toBeUndefined();
    expect(cert(client.certFile).keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    // Two counties' authorities are two: neither issues for the other.
    const other = await ensureAuthority(fresh(), "441723");
    expect(cert(node.certFile).checkIssued(cert(other.caFile))).toBe(false);
  });

  it("rotates in three steps: both trusted, certificates of the new one, the old retired", async () => {
    const dir = fresh();
    const ca = await ensureAuthority(dir, "620702");
    const node = await ca.issue({ name: "node", server: ["localhost"] });
    const old = cert(ca.caFile);
    expect(rotationStep(dir)).toBe(RotationStep.idle);

    expect(await rotateStep(dir, "620702")).toBe(RotationStep.trusting);
    expect(pems(ca.trustFile)).toBe(2);
    expect(cert(node.certFile).checkIssued(old)).toBe(true);
    // Meanwhile the launcher, started again, keeps the old CA's certificates.
    await (await ensureAuthority(dir, "620702")).issue({ name: "node", server: ["localhost"] });
    expect(cert(node.certFile).checkIssued(old)).toBe(true);

    expect(await rotateStep(dir, "620702")).toBe(RotationStep.switched);
    expect(pems(ca.trustFile)).toBe(2);
    const next = cert(node.certFile);
    expect(next.checkIssued(old)).toBe(false);
    expect(next.subjectAltName).toBe("DNS:localhost");
    // …and now the new one's, which it does not make again.
    const mid = await ensureAuthority(dir, "620702");
    await mid.issue({ name: "node", server: ["localhost"] });
    expect(cert(node.certFile).fingerprint256).toBe(next.fingerprint256);

    expect(await rotateStep(dir, "620702")).toBe(RotationStep.idle);
    expect(pems(ca.trustFile)).toBe(1);
    expect(cert(ca.trustFile).fingerprint256).not.toBe(old.fingerprint256);
    expect(cert(node.certFile).checkIssued(cert(ca.caFile))).toBe(true);
  });
});
