import { Socket } from "node:net";

/**
 * Calls `gone` once the launcher that started this process is gone. The launcher hands its
 * children one end of a pipe on descriptor `fd` (`LIANDONG_LIFELINE_FD`) and never writes on it:
 * its end comes only when the launcher exits, however it exits (SIGKILL, the out-of-memory killer
 * included), so a child needs no native call (`PR_SET_PDEATHSIG`) and no polling to follow it.
 * Without a lifeline (docker-compose, a service started by hand) nothing is watched.
 */
export function watchLifeline(fd: number | undefined, gone: () => void): void {
  if (fd === undefined) return;
  let socket: Socket;
  try {
    socket = new Socket({ fd, readable: true, writable: false });
  } catch {
    // Not open here (started by hand with the variable set): nothing to watch.
    return;
  }
  let called = false;
  const end = () => {
    if (called) return;
    called = true;
    gone();
  };
  socket.on("end", end);
  socket.on("close", end);
  socket.on("error", end);
  socket.resume();
  // The lifeline alone keeps nothing running.
  socket.unref();
}
