// Listen / stop-accepting / close for the TCP and HTTP listeners (PROTOCOL §1.3), shared so both shut down alike.
import type { Server, Socket } from "node:net";

export interface Listener {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Stop accepting new connections; existing ones continue (graceful shutdown, step 1). */
  stopAccepting(): void;
  /** Stop accepting, destroy every remaining connection, resolve once the server has fully closed. */
  close(): Promise<void>;
}

/**
 * Binds `server`, tracks its raw sockets (a Set entry each, so close() can reach upgraded WebSockets and sockets
 * still in a TLS handshake) and returns its controls. Accept errors such as EMFILE go to `onError` instead of
 * crashing the process.
 */
export async function startListening(
  server: Server,
  host: string,
  port: number,
  onError: ((err: Error) => void) | undefined,
): Promise<Listener> {
  const sockets = new Set<Socket>();
  function untrack(this: Socket): void {
    sockets.delete(this);
  }
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", untrack); // not once(): that would allocate a wrapper per socket
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.removeListener("error", reject);
      resolve();
    });
  });
  server.on("error", onError ?? ignoreServerError);
  const address = server.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;

  let closed: Promise<void> | null = null;
  const stopAccepting = (): void => {
    closed ??= new Promise((resolve) => server.close(() => resolve()));
  };
  return {
    port: boundPort,
    stopAccepting,
    close: async () => {
      stopAccepting();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function ignoreServerError(): void {}
