/**
 * The ports the project chooses for its servers lie outside the kernel's ephemeral range, where no listen(0) and no
 * outgoing connection of another process can take one between our choice and the server's bind (the cause of a CI
 * failure: the Temporal dev server's own internal ports took the Web UI port chosen for it).
 */
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../infra/servers';

const RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';

describe('freePort', () => {
  // The kernel's range on Linux; elsewhere (or with no room outside it) freePort falls back and there is nothing to check.
  const range = existsSync(RANGE_FILE) ? readFileSync(RANGE_FILE, 'utf8').trim().split(/\s+/).map(Number) : [];
  const [ephemeralLow = 0, ephemeralHigh = 0] = range;
  const roomOutside = ephemeralLow > 11_000 || ephemeralHigh <= 64_535;

  it.runIf(roomOutside)('gives distinct ports outside the ephemeral range that a server can then bind', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 50; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(50);
    for (const port of ports) expect(port < ephemeralLow || port > ephemeralHigh, `${port} in ${ephemeralLow}-${ephemeralHigh}`).toBe(true);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(ports[0], '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});
