import { UsageError } from "./office-client.ts";

/**
 * `--ca`, `--cert`, `--key`: TLS to a bus that takes it (a clustered county: mutual TLS, with the
 * identity's certificate from the county's secrets/tls/, e.g. client-auditor.crt).
 */
export function tlsOption(values: Record<string, unknown>) {
  const file = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : undefined);
  const [caFile, certFile, keyFile] = [file("ca"), file("cert"), file("key")];
  if (!caFile) {
    if (certFile || keyFile) throw new UsageError("--cert 与 --key 需与 --ca 一同给出");
    return {};
  }
  return { tls: { caFile, ...(certFile ? { certFile } : {}), ...(keyFile ? { keyFile } : {}) } };
}
