/**
 * Faults of the events path itself, on real servers of our own (nats-server processes, the dev server, PostgreSQL):
 * - one node: the stream's newest message block cut short while the server is down after a crash;
 * - a three-node JetStream cluster under a steady stream of decisions: a node SIGKILLed and restarted, the stream
 *   leader paused for 20 s, a follower's newest block truncated before its restart;
 * - the projector process stopped with SIGTERM in every state: at rest, its database frozen, NATS away.
 * Each ends with every decision's record holding every event its workflow published, exactly once, in order, verified.
 */
import { connect } from 'nats';
import { connectNats } from '../infra/nats';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { EVENTS_STREAM, eventMessageId, eventSubject } from '../domain/events';
import { freePort, startNats, startNatsCluster, type NatsCluster, type RunningServer } from '../infra/servers';
import { startProjector, type Projector } from '../projector/projector';
import { verifyAgainstSource } from '../projector/repair';
import { temporalEventSource, type EventSource } from '../projector/source';
import { openDb, type Db } from '../store/db';
import { createTestDatabase, fullDecision, startDevHarness, syntheticEvent, uniqueId, until } from './helpers';

const root = path.resolve(__dirname, '..');
const temp = mkdtempSync(path.join(tmpdir(), 'juece-stream-faults-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** The newest message block of the events stream in a node's store, cut to `fraction` of its size. */
function truncateNewestBlock(storeDir: string, fraction: number): { file: string; from: number; to: number } {
  const msgs = path.join(storeDir, 'jetstream', '$G', 'streams', EVENTS_STREAM, 'msgs');
  const blocks = readdirSync(msgs)
    .filter((f) => f.endsWith('.blk'))
    .sort((a, b) => parseInt(a) - parseInt(b));
  const file = path.join(msgs, blocks.at(-1)!);
  const from = statSync(file).size;
  const to = Math.floor(from * fraction);
  truncateSync(file, to);
  return { file, from, to };
}

/** Every listed decision's record holds what its workflow published, verified, within `timeoutMs`. */
async function expectRecordsWhole(db: Db, source: EventSource, decisions: { decisionId: string; events: number }[], timeoutMs = 60_000) {
  for (const x of decisions) {
    const v = await until(`${x.decisionId}'s record whole`, timeoutMs, async () => {
      const got = await verifyAgainstSource(db, source, 'majorDecision', x.decisionId);
      return got.ok ? got : undefined;
    });
    expect(v, x.decisionId).toMatchObject({ ok: true, chainOk: true, complete: true, entries: x.events, known: x.events });
  }
}

describe('the one-node embedded default', () => {
  it("recovers every record after the stream's newest block is cut short in a crash, and reports the loss", async () => {
    const storeDir = path.join(temp, 'one-node');
    const port = await freePort();
    let nats: RunningServer = await startNats({ binary: inject('natsServerPath'), port, storeDir });
    const dev = await startDevHarness({ prefix: 'onenode', natsUrl: nats.address });
    const db = await openDb({ url: await createTestDatabase('onenode') });
    const source = temporalEventSource(dev.client.client, { taskQueue: dev.client.taskQueue });
    const lines: string[] = [];
    const durable = 'juece-projector';
    const projectorNc = await connect({ servers: nats.address, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    const start = () => startProjector({ nc: projectorNc, db, durable, source, graceMs: 1_000, checkEveryMs: 3_000, log: (l) => lines.push(l) });
    let projector: Projector | undefined = await start();
    try {
      const recorded = await fullDecision(dev.client, 'one-a');
      await expectRecordsWhole(db, source, [recorded]);
      // The projector is away while a decision runs to its end and another is half-way: their events are only in the stream.
      await projector.stop();
      projector = undefined;
      const unseen = await fullDecision(dev.client, 'one-b');
      const streamInfo = await (await projectorNc.jetstreamManager()).streams.info(EVENTS_STREAM);
      const before = streamInfo.state.last_seq;

      // The server crashes; its newest block is cut to a third.
      process.kill(serverPid(storeDir), 'SIGKILL');
      await until('nats-server gone', 10_000, async () => !(await isUp(port)));
      const cut = truncateNewestBlock(storeDir, 1 / 3);
      nats = await startNats({ binary: inject('natsServerPath'), port, storeDir });
      const after = (
        await until('stream back', 30_000, async () => {
          try {
            return await (await projectorNc.jetstreamManager()).streams.info(EVENTS_STREAM);
          } catch {
            return undefined;
          }
        })
      ).state;
      console.log(`block ${path.basename(cut.file)} cut from ${cut.from} to ${cut.to} bytes: stream last message ${before} → ${after.last_seq}, ${after.messages} messages kept`);
      expect(after.last_seq).toBeLessThan(before);

      projector = await start();
      // Events published after the restart, by a new decision.
      const fresh = await fullDecision(dev.client, 'one-c');
      await expectRecordsWhole(db, source, [recorded, unseen, fresh]);
      // Reported once (not again at every look), in the log and in the saved figures.
      expect(lines.filter((l) => l.includes('the events stream ')).length, lines.join('\n')).toBe(1);
      expect(lines.find((l) => l.includes('the events stream '))).toMatch(/no longer holds message \d+, the last one recorded|holds another message under number/);
      await new Promise((r) => setTimeout(r, 5_000));
      expect(projector.stats.streamLosses).toBe(1);
      expect(projector.stats.repaired).toBeGreaterThan(0);
      await until('the health figure saved', 10_000, async () => {
        const [row] = await db.query<{ stats: { streamLosses: number } }>('SELECT stats FROM projector_status WHERE name = $1', [durable]);
        return row?.stats.streamLosses === 1;
      });
    } finally {
      await projector?.stop();
      await projectorNc.close();
      await dev.stop();
      await db.close();
      await nats.stop();
    }
  });
});

describe('a three-node JetStream cluster', () => {
  it('keeps every record whole through a node killed, the stream leader paused for 20 s and a truncated follower', async () => {
    const cluster: NatsCluster = await startNatsCluster({ binary: inject('natsServerPath'), nodes: 3, dir: path.join(temp, 'cluster') });
    const dev = await startDevHarness({ prefix: 'cluster', natsUrl: cluster.urls });
    const db = await openDb({ url: await createTestDatabase('cluster') });
    const source = temporalEventSource(dev.client.client, { taskQueue: dev.client.taskQueue });
    const projectorNc = await connectNats(cluster.urls, 'juece-projector');
    // A long grace: what the stream only delays is not taken from the workflows; what it lost is.
    const projector = await startProjector({ nc: projectorNc, db, source, replicas: 3, graceMs: 10_000, checkEveryMs: 5_000 });
    const jsm = await projectorNc.jetstreamManager();
    const decisions: { decisionId: string; events: number }[] = [];
    const failures: unknown[] = [];
    let running = true;
    const steady = async (lane: number) => {
      for (let i = 0; running; i++) {
        try {
          decisions.push(await fullDecision(dev.client, `cl${lane}-${i}`));
        } catch (err) {
          failures.push(err);
        }
      }
    };
    const node = (name: string) => cluster.nodes.find((n) => n.name === name)!;
    // While the stream elects a leader its info request may time out (or find no responder): no leader yet, asked again.
    const leader = async () =>
      (
        await jsm.streams.info(EVENTS_STREAM).catch((err: { code?: string }) => {
          if (err.code === 'TIMEOUT' || err.code === '503') return undefined;
          throw err;
        })
      )?.cluster?.leader;
    try {
      expect((await jsm.streams.info(EVENTS_STREAM)).config.num_replicas).toBe(3);
      const lanes = [steady(0), steady(1)];
      await new Promise((r) => setTimeout(r, 3_000));

      // 1. A node killed outright, restarted 5 s later.
      const killed = cluster.nodes[2]!;
      await killed.kill();
      await new Promise((r) => setTimeout(r, 5_000));
      await killed.start();
      await killed.waitJetStream();

      // 2. The stream's leader paused for 20 s, then resumed.
      const paused = node((await until('a stream leader', 30_000, leader))!);
      paused.signal('SIGSTOP');
      await new Promise((r) => setTimeout(r, 20_000));
      paused.signal('SIGCONT');
      await paused.waitJetStream();

      // 3. A follower stopped, its newest message block cut in half, restarted.
      const lead = await until('a stream leader', 30_000, leader);
      const follower = cluster.nodes.find((n) => n.name !== lead)!;
      await follower.kill();
      const cut = truncateNewestBlock(follower.storeDir, 1 / 2);
      await follower.start();
      await follower.waitJetStream();
      console.log(`cluster faults: killed ${killed.name}, paused ${paused.name} 20 s, cut ${follower.name}'s ${path.basename(cut.file)} ${cut.from} → ${cut.to} bytes`);

      await new Promise((r) => setTimeout(r, 3_000));
      running = false;
      await Promise.all(lanes);
      expect(failures).toEqual([]);
      expect(decisions.length).toBeGreaterThanOrEqual(4);
      await expectRecordsWhole(db, source, decisions, 90_000);
      const total = decisions.reduce((n, x) => n + x.events, 0);
      const [entries] = await db.query<{ n: string }>('SELECT count(*) AS n FROM record_entries');
      expect(Number(entries!.n)).toBe(total);
      // Exactly once; the stream lost nothing (an event it only delayed past the grace may have been taken from the
      // workflow meanwhile: counted as repaired, never recorded twice).
      expect(projector.stats).toMatchObject({ unrepairable: 0, streamLosses: 0 });
      expect(projector.stats.applied + projector.stats.repaired).toBe(total);
      for (const x of decisions) {
        const info = await jsm.streams.info(EVENTS_STREAM, { subjects_filter: `juece.events.*.${x.decisionId}.>` });
        const inStream = Object.values(info.state.subjects ?? {}).reduce((n, c) => n + c, 0);
        expect(inStream, x.decisionId).toBe(x.events);
      }
      console.log(`cluster: ${decisions.length} decisions, ${total} events, every record whole; projector ${JSON.stringify(projector.stats)}`);
    } finally {
      running = false;
      await projector.stop();
      await projectorNc.close();
      await dev.stop();
      await db.close();
      await cluster.stop();
    }
  });
});

describe('the projector process', () => {
  it('stops cleanly on SIGTERM within a few seconds: at rest, with its database frozen, with NATS away', async () => {
    const port = await freePort();
    const storeDir = path.join(temp, 'sigterm');
    let nats = await startNats({ binary: inject('natsServerPath'), port, storeDir });
    const databaseUrl = await createTestDatabase('sigterm');
    const pgAt = new URL(databaseUrl);
    const proxy = await freezableProxy({ host: pgAt.hostname, port: Number(pgAt.port) });
    const viaProxy = databaseUrl.replace(/@[^/]+\//, `@127.0.0.1:${proxy.port}/`);
    const nc = await connect({ servers: nats.address });
    try {
      const timeToStop = async (setUp: (child: ChildProcess) => Promise<void>): Promise<number> => {
        const child = spawn(process.execPath, ['bin/juece.js', 'projector'], {
          cwd: root,
          env: { ...process.env, NATS_URL: nats.address, JUECE_DATABASE_URL: viaProxy, TEMPORAL_ADDRESS: inject('temporalAddress'), JUECE_PROJECTOR_NAME: 'sigterm' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout!.on('data', (b: Buffer) => (out += b));
        child.stderr!.on('data', (b: Buffer) => (out += b));
        const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
        await until('the projector started', 30_000, async () => out.includes('juece projector: events from'));
        await setUp(child);
        const t0 = Date.now();
        child.kill('SIGTERM');
        const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
        if (code === 'hung') child.kill('SIGKILL');
        expect(code, out).toBe(0);
        return Date.now() - t0;
      };
      const publish = async (prefix: string, n: number) => {
        const js = nc.jetstream();
        const id = uniqueId(prefix);
        for (let seq = 1; seq <= n; seq++) {
          const e = syntheticEvent(id, seq, 'sigterm-gov');
          await js.publish(eventSubject(e), JSON.stringify(e), { msgID: eventMessageId(e) });
        }
      };

      const atRest = await timeToStop(async () => publish('rest', 5));
      const frozen = await timeToStop(async () => {
        await publish('before-freeze', 5);
        proxy.freeze();
        await publish('frozen', 50);
        await new Promise((r) => setTimeout(r, 1_000));
      });
      proxy.thaw();
      const natsAway = await timeToStop(async () => {
        await nc.close();
        await nats.stop();
        await new Promise((r) => setTimeout(r, 1_000));
      });
      console.log(`SIGTERM to exit: at rest ${atRest} ms, database frozen ${frozen} ms, NATS away ${natsAway} ms`);
      for (const ms of [atRest, frozen, natsAway]) expect(ms).toBeLessThan(5_000);
    } finally {
      await nc.close().catch(() => undefined);
      await nats.stop();
      await proxy.close();
    }
  });
});

/** The process id of the nats-server running on this store (its config file is in the store folder). */
function serverPid(storeDir: string): number {
  const out = execFileSync('pgrep', ['-f', `nats-server -c ${path.join(storeDir, 'nats-server.conf')}`], { encoding: 'utf8' });
  return Number(out.trim().split('\n')[0]);
}

function isUp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** A TCP proxy to PostgreSQL that can stop passing bytes (a network that hangs, not one that fails). */
async function freezableProxy(target: { host: string; port: number }) {
  let frozen = false;
  const held: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    sockets.add(client).add(upstream);
    const pipe = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        if (frozen) held.push(() => to.write(chunk));
        else to.write(chunk);
      });
    pipe(client, upstream);
    pipe(upstream, client);
    const close = () => (client.destroy(), upstream.destroy());
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze: () => void (frozen = true),
    thaw: () => {
      frozen = false;
      for (const h of held.splice(0)) h();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
