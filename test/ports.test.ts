/**
 * The ports the project chooses for its servers lie below the kernel's ephemeral range, where no listen(0) and no
 * outgoing connection of another process can take one between our choice and the server's bind (the cause of a CI
 * failure: the Temporal dev server's own internal ports took the Web UI port chosen for it).
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../infra/servers';

describe('freePort', () => {
  it('gives distinct ports below the ephemeral range that a server can then bind', async () => {
    const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports: number[] = [];
    for (let i = 0; i < 50; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(50);
    for (const port of ports) expect(port).toBeLessThan(ephemeralLow);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(ports[0], '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});
