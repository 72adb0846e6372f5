import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy on loopback whose link can be cut (`close`) and restored (`open`) on the same port.
 * `recorded()`: every byte that went through it, both ways (what someone on the wire would see).
 */
export type TcpProxy = {
  port: number;
  open(): Promise<void>;
  close(): Promise<void>;
  recorded(): Buffer;
};

export async function startTcpProxy(port: number, targetPort: number): Promise<TcpProxy> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on("close", () => sockets.delete(sock));
          sock.on("error", () => sock.destroy());
        }
        for (const sock of [client, upstream]) sock.on("data", (d: Buffer) => chunks.push(d));
        client.pipe(upstream);
        upstream.pipe(client);
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        server = s;
        resolve();
      });
    });
  const close = async () => {
    const s = server;
    server = undefined;
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  await open();
  return { port, open, close, recorded: () => Buffer.concat(chunks) };
}
