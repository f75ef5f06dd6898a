/**
 * The provisioned nats-server is the pinned release, and a three-node JetStream cluster on loopback (the one the
 * fault tests use) keeps an acknowledged message through the SIGKILL of its stream's leader and its restart.
 */
import { connect, type NatsConnection } from 'nats';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureStream } from '../activities/events';
import { NATS_SERVER_VERSION, natsServerVersion } from '../infra/provision';
import { freePort, startNats, startNatsCluster, type NatsCluster } from '../infra/servers';
import { readSubject } from '../client/events';
import { NOTICES_STREAM } from '../domain/notices';

describe('nats-server', () => {
  it(`is the pinned ${NATS_SERVER_VERSION}`, () => {
    expect(natsServerVersion(inject('natsServerPath'))).toBe(NATS_SERVER_VERSION);
  });

  it('reads nothing, not an error, from a stream a fresh deployment has not made yet (the public notices before the first)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'juece-nats-fresh-'));
    const server = await startNats({ binary: inject('natsServerPath'), port: await freePort(), storeDir: dir });
    const nc = await connect({ servers: server.address });
    try {
      expect(await readSubject(nc, NOTICES_STREAM, 'juece.notices.shifan-gov.>')).toEqual([]);
    } finally {
      await nc.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('a three-node JetStream cluster', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'juece-nats-cluster-'));
    let cluster: NatsCluster;
    let nc: NatsConnection;

    beforeAll(async () => {
      cluster = await startNatsCluster({ binary: inject('natsServerPath'), nodes: 3, dir });
      nc = await connect({ servers: cluster.urls, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    });
    afterAll(async () => {
      await nc?.close();
      await cluster?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps a message of a three-replica stream through the SIGKILL and restart of its leader', async () => {
      const jsz = (await (await fetch(`${cluster.nodes[0]!.monitorUrl}/jsz`)).json()) as { config: { sync_always?: boolean } };
      expect(jsz.config.sync_always, 'sync_interval: always').toBe(true);

      const jsm = await nc.jetstreamManager();
      await ensureStream(jsm, 'FAULTS', 'faults', 1);
      expect((await jsm.streams.info('FAULTS')).config.num_replicas).toBe(1);
      await ensureStream(jsm, 'FAULTS', 'faults', 3); // raised, not recreated
      await ensureStream(jsm, 'FAULTS', 'faults', 1); // never lowered
      const replicated = await waitCurrent(nc, 'FAULTS', 3);
      expect(replicated.config.num_replicas).toBe(3);

      const ack = await nc.jetstream().publish('faults.one', 'kept', { msgID: 'one' });
      const leader = cluster.nodes.find((n) => n.name === replicated.cluster!.leader)!;
      const pid = leader.pid();
      await leader.kill();
      expect(leader.pid()).toBeUndefined();
      // Two of three nodes: a new leader answers with the acknowledged message.
      const read = async () => (await (await nc.jetstreamManager({ timeout: 2_000 })).streams.getMessage('FAULTS', { seq: ack.seq })).string();
      expect(await retry(read)).toBe('kept');

      await leader.start();
      expect(leader.pid()).not.toBe(pid);
      await leader.waitJetStream();
      const after = await waitCurrent(nc, 'FAULTS', 3);
      expect(after.state.messages).toBe(1);
      expect(await retry(read)).toBe('kept');
    });
  });
});

/** Retries `f` (a cluster electing a leader answers "no responders" or times out for a moment). */
async function retry<T>(f: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The stream's info once it has a leader and `replicas - 1` current followers. */
async function waitCurrent(nc: NatsConnection, stream: string, replicas: number) {
  return retry(async () => {
    const si = await (await nc.jetstreamManager()).streams.info(stream);
    const followers = si.cluster?.replicas ?? [];
    if (!si.cluster?.leader || followers.length !== replicas - 1 || !followers.every((r) => r.current)) {
      throw new Error(`stream ${stream}: leader ${si.cluster?.leader}, followers ${JSON.stringify(followers)}`);
    }
    return si;
  });
}
