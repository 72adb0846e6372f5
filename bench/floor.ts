import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";

export type FloorChain = {
  /** One byte around the chain; resolves with the milliseconds it took. */
  ping(): Promise<number>;
  close(): Promise<void>;
};

/**
 * The machine's floor for a path of `hops` one-way hops between processes: raw loopback TCP
 * through `hops - 1` relay processes that do nothing but pass a byte on, back to this one.
 * Pinged beside a measured path, under the same load, it shows what the machine itself adds
 * (waking processes, the scheduler on a busy core) before any of our code runs.
 */
export async function startFloorChain(hops: number): Promise<FloorChain> {
  const relays: { proc: ChildProcess; port: number }[] = [];
  let sink: Server | undefined;
  let first: Socket | undefined;
  let arrived: (() => void) | undefined;
  const close = async () => {
    first?.destroy();
    sink?.close();
    for (const r of relays) r.proc.kill();
    await Promise.all(relays.map((r) => (r.proc.exitCode === null ? once(r.proc, "exit") : null)));
  };
  try {
    for (let i = 0; i < hops - 1; i++) {
      const proc = fork(fileURLToPath(new URL("./relay.ts", import.meta.url)), [], {
        execArgv: ["--import", "tsx"],
      });
      const [port] = (await once(proc, "message")) as [number];
      relays.push({ proc, port });
    }
    const end = createServer((s) => {
      s.setNoDelay(true);
      s.on("data", () => arrived?.());
    });
    sink = end;
    await new Promise<void>((r) => end.listen(0, "127.0.0.1", r));
    const sinkPort = (end.address() as AddressInfo).port;
    for (const [i, r] of relays.entries()) {
      r.proc.send(relays[i + 1]?.port ?? sinkPort);
      await once(r.proc, "message");
    }
    const head = connect(relays[0]?.port ?? sinkPort, "127.0.0.1");
    head.setNoDelay(true);
    await once(head, "connect");
    first = head;
  } catch (err) {
    await close();
    throw err;
  }
  return {
    ping() {
      const t0 = performance.now();
      const back = new Promise<number>((resolve) => {
        arrived = () => resolve(performance.now() - t0);
      });
      first!.write("x");
      return back;
    },
    close,
  };
}
