import { CommandFailed, UsageError } from "./office-client.ts";

/**
 * `--ca`, `--cert`, `--key`: TLS to a bus that takes it (a clustered county: mutual TLS, with the
 * identity's certificate from the county's secrets/tls/, e.g. client-auditor.crt).
 */
export function tlsOption(values: Record<string, unknown>) {
  const file = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : undefined);
  const [caFile, certFile, keyFile] = [file("ca"), file("cert"), file("key")];
  if (!caFile && !certFile && !keyFile) return {};
  // All three: a county's bus takes mutual TLS only, and a client without its certificate is
  // refused only after the handshake, where the client would wait rather than fail.
  if (!caFile || !certFile || !keyFile) throw new UsageError("--ca、--cert、--key 需一同给出");
  return { tls: { caFile, certFile, keyFile } };
}

/** A connection the bus refused for want of TLS or of the right certificate: say what to give. */
export function tlsRefused(err: unknown): unknown {
  const text = String((err as Error)?.message ?? err);
  if (!/certificate|tls|handshake|self.signed/i.test(text)) return err;
  return new CommandFailed(
    `总线要求双向 TLS，连接未通过（${text}）：请用 --ca、--cert、--key 给出本县的证书颁发机构与本身份的证书（县数据目录 secrets/tls/）`,
  );
}
