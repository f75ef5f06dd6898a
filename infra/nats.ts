/**
 * How every long-running juece process connects to NATS: to any server of the list (a cluster's), reconnecting
 * for ever, and pinging often enough that a server which hangs (paused, cut off) is left for another within about
 * 15 s instead of nats.js's default of several minutes.
 */
import { connect, type NatsConnection } from 'nats';

export const NATS_CONNECTION = { maxReconnectAttempts: -1, reconnectTimeWait: 500, pingInterval: 5_000, maxPingOut: 3 } as const;

export function connectNats(servers: string | string[], name: string): Promise<NatsConnection> {
  return connect({ servers, name, ...NATS_CONNECTION });
}

/**
 * Drains a connection (what it has sent reaches the server) and closes it, within `timeoutMs`. nats.js's drain
 * swallows a failed flush and then never closes: on a connection that reconnects for ever to a server that is gone,
 * the connection stays open and its dial loop keeps the process alive. Closing it explicitly ends that loop.
 */
export async function closeNats(nc: NatsConnection, timeoutMs = 5_000): Promise<void> {
  if (nc.isClosed()) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([nc.drain().catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
  if (!nc.isClosed()) await nc.close().catch(() => undefined);
}
