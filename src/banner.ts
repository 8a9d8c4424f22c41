/** The start-up lines a person reads: where the server listens and how to create the first user. */
import type { RtcServer } from "./server.js";

export function printBanner(server: RtcServer): void {
  const { config, ports } = server;
  const host = config.hosts[0] ?? "localhost";
  const httpHost = config.listeners.http.host;
  const lines = [
    `rtc-server is running for ${config.hosts.join(", ")} (profile ${config.profile}, ${config.database.driver} storage)`,
    ports.c2s !== null ? `  XMPP client connections  ${config.listeners.c2s.host}:${ports.c2s} (STARTTLS offered)` : undefined,
    ports.c2s_tls !== null ? `  XMPP over direct TLS     ${config.listeners.c2s_tls.host}:${ports.c2s_tls}` : undefined,
    ports.http !== null ? `  WebSocket                ws://${httpHost}:${ports.http}/ws` : undefined,
    ports.http !== null ? `  Admin API                http://${httpHost}:${ports.http}/api/<command>` : undefined,
    ports.https !== null ? `  HTTPS (wss, api)         https://${config.listeners.https.host}:${ports.https}` : undefined,
    `  MUC service              ${config.muc.host}`,
    ``,
    `Create a user:   npx rtc register alice ${host} secret`,
    `            or:  curl -X POST http://${httpHost}:${ports.http ?? 5280}/api/register -d '{"user":"alice","host":"${host}","password":"secret"}'`,
    `Then connect any XMPP client as alice@${host}.`,
  ];
  process.stdout.write(lines.filter((l) => l !== undefined).join("\n") + "\n");
}
