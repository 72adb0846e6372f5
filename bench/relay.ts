// One hop of the benchmark's floor chain (see floor.ts): a process of its own that passes on
// whatever it receives, doing nothing else.
import { connect, createServer, type Socket } from "node:net";

let next: Socket | undefined;
const server = createServer((incoming) => {
  incoming.setNoDelay(true);
  incoming.on("data", (bytes) => next?.write(bytes));
});
process.on("message", (port: number) => {
  next = connect(port, "127.0.0.1", () => process.send?.("linked"));
  next.setNoDelay(true);
});
process.on("disconnect", () => process.exit(0));
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.send?.(typeof address === "object" && address ? address.port : 0);
});
