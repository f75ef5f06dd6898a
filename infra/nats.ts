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
