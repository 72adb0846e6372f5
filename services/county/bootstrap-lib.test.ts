import { describe, expect, it } from "vitest";
import {
  atLeast,
  compareDebianVersions,
  debianArch,
  MIN_NATS,
  MIN_NODE,
  newestPackage,
  parseNatsServerVersion,
  parseStanzas,
  parseVersion,
  releaseSha256,
} from "./bootstrap-lib.mjs";

const hash = (c: string) => c.repeat(64);

// Shaped like dists/testing/InRelease: a cleartext-signed Release file whose MD5Sum field
// comes before SHA256 and names the same files. The lines before the signed part are what an
// attacker on the wire could add without breaking the signature.
const inRelease = `SHA256:
 ${hash("e")}  9999 main/binary-amd64/Packages.gz
-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

Origin: Debian
Label: Debian
Suite: testing
Codename: forky
Date: Sat, 28 Nov 2026 20:14:02 UTC
Architectures: all amd64 arm64 armel armhf i386 ppc64el riscv64 s390x
Components: main contrib non-free-firmware non-free
Description: Debian x.y Testing distribution - Not Released
MD5Sum:
 0123456789abcdef0123456789abcdef 10563839 main/binary-amd64/Packages.gz
 fedcba9876543210fedcba9876543210  9937213 main/binary-arm64/Packages.gz
SHA256:
 ${hash("a")} 10563839 main/binary-amd64/Packages.gz
 ${hash("b")}   171842 main/debian-installer/binary-amd64/Packages.gz
 ${hash("c")}  9937213 main/binary-arm64/Packages.gz
 ${hash("d")}   264002 contrib/binary-amd64/Packages.gz
-----BEGIN PGP SIGNATURE-----

iQIzBAEBCgAdFiEEpyNohvPMyq0Uiif4DphATThvodkFAmdJzxoACgkQDphATThv
SHA256:
 ${hash("f")} 10563839 main/binary-amd64/Packages.gz
=Yq1x
-----END PGP SIGNATURE-----
`;

const natsStanza = (version: string, arch: string) => `Package: nats-server
Version: ${version}
Installed-Size: 16384
Maintainer: Debian Go Packaging Team <team+pkg-go@tracker.debian.org>
Architecture: ${arch}
Depends: libc6 (>= 2.34)
Description: High-Performance server for NATS
 NATS is a simple, secure and high performance open source messaging
 system for cloud native applications.
 .
 This package contains the server.
Homepage: https://github.com/nats-io/nats-server
Section: net
Priority: optional
Filename: pool/main/n/nats-server/nats-server_${version}_${arch}.deb
Size: 5123456
SHA256: ${hash(version.length % 2 ? "1" : "2")}
`;

// A Packages index that, unlike Debian's usual one, holds several nats-server versions; the
// newest by version string (2.9.10) is not the newest by Debian's ordering.
const packages = [
  natsStanza("2.12.1-1", "amd64"),
  natsStanza("2.9.10-1", "amd64"),
  natsStanza("2.12.1-1+b1", "amd64"),
  natsStanza("2.12.1~rc1-1", "amd64"),
  natsStanza("2.14.0-1", "arm64"),
  `Package: golang-github-nats-io-nats-server-dev
Version: 2.99.0-1
Architecture: all
Filename: pool/main/n/nats-server/golang-github-nats-io-nats-server-dev_2.99.0-1_all.deb
SHA256: ${hash("3")}
`,
].join("\n");

describe("parseNatsServerVersion", () => {
  it.each([
    ["nats-server: v2.15.1\n", [2, 15, 1]],
    ["nats-server: v2.9.10\n", [2, 9, 10]],
    ["nats-server: v2.12.0-RC.3\n", [2, 12, 0]],
  ])("reads %j", (output, version) => {
    expect(parseNatsServerVersion(output)).toEqual(version);
  });

  it.each([
    "",
    "garbage",
    "Python 3.11.2", // LIANDONG_NATS_SERVER pointing at the wrong program
    "nats-server: version unknown",
    "error: unknown flag --version",
  ])("does not take %j for a version", (output) => {
    expect(parseNatsServerVersion(output)).toBeUndefined();
  });
});

describe("atLeast", () => {
  it.each([
    [[2, 9, 10], false],
    [[2, 11, 99], false],
    [[1, 99, 0], false],
    [[2, 12, 0], true],
    [[2, 12, 1], true],
    [[2, 15, 1], true],
    [[3, 0, 0], true],
  ])("nats-server %j against the minimum 2.12.0 is %s", (version, ok) => {
    expect(atLeast(version, MIN_NATS)).toBe(ok);
  });

  it.each([
    ["18.19.1", false],
    ["v20.18.3", false],
    ["20.19.0", true],
    ["20.20.2", true],
    ["22.0.0", true],
  ])("Node.js %s against the minimum 20.19 is %s", (version, ok) => {
    const v = parseVersion(version);
    expect(v).toBeDefined();
    expect(atLeast(v!, MIN_NODE)).toBe(ok);
  });

  it("takes no version string that is not one", () => {
    expect(parseVersion("garbage")).toBeUndefined();
    expect(parseVersion("20")).toBeUndefined();
  });
});

describe("debianArch", () => {
  it("names Debian's architectures and nothing else", () => {
    expect(debianArch("x64")).toBe("amd64");
    expect(debianArch("arm")).toBe("armhf");
    expect(debianArch("ia32")).toBeUndefined();
    expect(debianArch("toString")).toBeUndefined();
  });
});

describe("releaseSha256", () => {
  it("reads the SHA256 field of the signed part, for exactly that path", () => {
    expect(releaseSha256(inRelease, "main/binary-amd64/Packages.gz")).toBe(hash("a"));
    expect(releaseSha256(inRelease, "main/binary-arm64/Packages.gz")).toBe(hash("c"));
    expect(releaseSha256(inRelease, "binary-amd64/Packages.gz")).toBeUndefined();
    expect(releaseSha256(inRelease, "main/binary-s390x/Packages.gz")).toBeUndefined();
  });

  it("reads an unsigned Release file too (the check then rests on gpgv having run)", () => {
    const release = inRelease.split("Hash: SHA512\n\n")[1]!.split("-----BEGIN PGP SIGNATURE")[0]!;
    expect(releaseSha256(release, "contrib/binary-amd64/Packages.gz")).toBe(hash("d"));
  });

  it("finds nothing in a truncated InRelease", () => {
    const truncated = inRelease.split("-----BEGIN PGP SIGNATURE-----")[0]!;
    expect(releaseSha256(truncated, "main/binary-amd64/Packages.gz")).toBeUndefined();
  });
});

describe("Packages", () => {
  it("keeps continuation lines with their field", () => {
    const [first] = parseStanzas(packages);
    expect(first?.Package).toBe("nats-server");
    expect(first?.Description?.split("\n")).toHaveLength(5);
    expect(first?.Homepage).toBe("https://github.com/nats-io/nats-server");
  });

  it("picks the newest nats-server for the architecture, by Debian's ordering", () => {
    const amd64 = newestPackage(packages, "nats-server", "amd64");
    expect(amd64?.Version).toBe("2.12.1-1+b1");
    expect(amd64?.Filename).toBe("pool/main/n/nats-server/nats-server_2.12.1-1+b1_amd64.deb");
    expect(amd64?.SHA256).toMatch(/^[0-9a-f]{64}$/);
    expect(newestPackage(packages, "nats-server", "arm64")?.Version).toBe("2.14.0-1");
    expect(newestPackage(packages, "nats-server", "riscv64")).toBeUndefined();
  });

  it.each([
    ["2.9.10-1", "2.12.1-1", -1],
    ["2.12.1-1+b1", "2.12.1-1", 1],
    ["2.12.2~rc1-1", "2.12.1-1", 1],
    ["2.12.2~rc1-1", "2.12.2-1", -1],
    ["1:2.0.0-1", "2.99.0-1", 1],
    ["2.12.1-2", "2.12.1-10", -1],
    ["2.12.1-1", "2.12.1-1", 0],
  ])("orders %s against %s as %i", (a, b, sign) => {
    expect(Math.sign(compareDebianVersions(a, b))).toBe(sign);
  });
});
