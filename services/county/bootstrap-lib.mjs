// The pure half of the bootstrap: reading version strings and Debian's archive indexes.
// No I/O and nothing evaluated at load beyond constants, so that bootstrap.mjs can import it
// before it has checked the Node.js version; keep it to syntax and APIs Node.js 18 has.
// Types for TypeScript callers (the tests) are in bootstrap-lib.d.mts.

/** The oldest Node.js the workspace runs on (package.json `engines`). */
export const MIN_NODE = Object.freeze([20, 19, 0]);

/** The oldest nats-server the county runs on. */
export const MIN_NATS = Object.freeze([2, 12, 0]);

/**
 * `20.19.0`, `v20.19.0` (process.versions.node, `node --version`) as [major, minor, patch];
 * undefined for anything else.
 * @param {string} text
 * @returns {[number, number, number] | undefined}
 */
export function parseVersion(text) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/**
 * The version in what `nats-server --version` prints (`nats-server: v2.15.1`). Anything else —
 * another program's version, an error — is undefined, so that a wrong path is not taken for a
 * nats-server that happens to have a high version number.
 * @param {string} output
 * @returns {[number, number, number] | undefined}
 */
export function parseNatsServerVersion(output) {
  const m = /^nats-server: v(\d+)\.(\d+)\.(\d+)\b/m.exec(output);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/**
 * @param {readonly number[]} version
 * @param {readonly number[]} minimum
 */
export function atLeast(version, minimum) {
  for (let i = 0; i < minimum.length; i++) {
    const v = version[i] ?? 0;
    const m = minimum[i] ?? 0;
    if (v !== m) return v > m;
  }
  return true;
}

/** @param {readonly number[]} version */
export const formatVersion = (version) => version.join(".");

/**
 * Debian's name for the processor architecture Node.js reports (`process.arch`), or undefined
 * when Debian has no nats-server for it.
 * @param {string} nodeArch
 * @returns {string | undefined}
 */
export function debianArch(nodeArch) {
  /** @type {Record<string, string>} */
  const map = {
    x64: "amd64",
    arm64: "arm64",
    arm: "armhf",
    ppc64: "ppc64el",
    s390x: "s390x",
    riscv64: "riscv64",
  };
  return Object.hasOwn(map, nodeArch) ? map[nodeArch] : undefined;
}

const SIGNED = "-----BEGIN PGP SIGNED MESSAGE-----";
const SIGNATURE = "-----BEGIN PGP SIGNATURE-----";

/**
 * The part of an InRelease file the signature covers (the whole text for an unsigned Release
 * file). Lines outside it are not signed, so nothing may be read from them.
 * @param {string} inRelease
 * @returns {string}
 */
export function signedText(inRelease) {
  const text = inRelease.replace(/\r\n/g, "\n");
  const start = text.indexOf(`${SIGNED}\n`);
  if (start === -1) return text;
  // The armour headers (`Hash: SHA512`) end at the first empty line.
  const bodyStart = text.indexOf("\n\n", start);
  const end = text.indexOf(`\n${SIGNATURE}`, bodyStart);
  if (bodyStart === -1 || end === -1) return "";
  return text
    .slice(bodyStart + 2, end)
    .split("\n")
    .map((line) => (line.startsWith("- ") ? line.slice(2) : line)) // dash-escaping
    .join("\n");
}

/**
 * The SHA-256 the (In)Release file gives for `path` (`main/binary-amd64/Packages.gz`), read
 * from its `SHA256:` field only, in its signed part only.
 * @param {string} inRelease
 * @param {string} path
 * @returns {string | undefined}
 */
export function releaseSha256(inRelease, path) {
  const sums = parseStanzas(signedText(inRelease))[0]?.SHA256;
  if (!sums) return undefined;
  for (const line of sums.split("\n")) {
    const [hash, size, name] = line.trim().split(/\s+/);
    if (name === path && size !== undefined && /^[0-9a-f]{64}$/.test(hash ?? "")) return hash;
  }
  return undefined;
}

/**
 * The paragraphs of a Debian control file (Packages, Release) as field -> value. A field's
 * continuation lines are kept, each on its own line, without the leading space.
 * @param {string} text
 * @returns {Record<string, string>[]}
 */
export function parseStanzas(text) {
  /** @type {Record<string, string>[]} */
  const stanzas = [];
  for (const paragraph of text.replace(/\r\n/g, "\n").split(/\n[ \t]*\n/)) {
    /** @type {Record<string, string>} */
    const fields = {};
    /** @type {string | undefined} */
    let last;
    for (const line of paragraph.split("\n")) {
      if (/^[ \t]/.test(line)) {
        if (last !== undefined) fields[last] += `\n${line.trim()}`;
        continue;
      }
      const m = /^([^:\s]+):[ \t]*(.*)$/.exec(line);
      if (!m) continue;
      last = m[1];
      fields[last] = m[2].trim();
    }
    if (Object.keys(fields).length > 0) stanzas.push(fields);
  }
  return stanzas;
}

// dpkg's ordering of the characters in a version: `~` before everything, even the end of
// the string; letters before other characters.
/** @param {string | undefined} c */
function order(c) {
  if (c === undefined || /\d/.test(c)) return 0;
  if (c === "~") return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/**
 * @param {string} a
 * @param {string} b
 */
function compareFragment(a, b) {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !/\d/.test(a[i] ?? "")) || (j < b.length && !/\d/.test(b[j] ?? ""))) {
      const d = order(a[i]) - order(b[j]);
      if (d !== 0) return d;
      i++;
      j++;
    }
    let x = "";
    let y = "";
    while (i < a.length && /\d/.test(a[i] ?? "")) x += a[i++];
    while (j < b.length && /\d/.test(b[j] ?? "")) y += b[j++];
    const d = Number(x || "0") - Number(y || "0");
    if (d !== 0) return d;
  }
  return 0;
}

/** @param {string} version */
function splitDebianVersion(version) {
  const colon = version.indexOf(":");
  const epoch = colon === -1 ? 0 : Number(version.slice(0, colon));
  const rest = colon === -1 ? version : version.slice(colon + 1);
  const dash = rest.lastIndexOf("-");
  return dash === -1
    ? { epoch, upstream: rest, revision: "" }
    : { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
}

/**
 * Orders two Debian package versions (`1:2.12.1-1+b2`) as dpkg does: negative when `a` is
 * older, positive when newer, 0 when equal.
 * @param {string} a
 * @param {string} b
 */
export function compareDebianVersions(a, b) {
  const x = splitDebianVersion(a);
  const y = splitDebianVersion(b);
  return (
    x.epoch - y.epoch ||
    compareFragment(x.upstream, y.upstream) ||
    compareFragment(x.revision, y.revision)
  );
}

/**
 * The stanza of the newest version of package `name` built for `arch` (or for all
 * architectures) in a Packages index, or undefined when there is none.
 * @param {string} packages
 * @param {string} name
 * @param {string} arch
 * @returns {Record<string, string> | undefined}
 */
export function newestPackage(packages, name, arch) {
  /** @type {Record<string, string> | undefined} */
  let newest;
  for (const stanza of parseStanzas(packages)) {
    if (stanza.Package !== name || !stanza.Version) continue;
    if (stanza.Architecture !== arch && stanza.Architecture !== "all") continue;
    if (!newest || compareDebianVersions(stanza.Version, newest.Version ?? "") > 0) newest = stanza;
  }
  return newest;
}
