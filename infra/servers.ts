/**
 * Starts the real servers as child processes: the Temporal dev server (SQLite file, Web UI, juece's search
 * attributes), nats-server with JetStream (one node, or a three-node cluster the tests can fault) and PostgreSQL
 * for the procedure record. Used by the demo, `juece dev-server`, the benchmarks and the test setup alike.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'nats';
import net from 'node:net';
import path from 'node:path';
import { JUECE_SEARCH_ATTRIBUTES } from '../domain/searchAttributes';
import { devServerSearchAttributeFlags } from './searchAttributes';

export interface RunningServer {
  /** host:port for Temporal, nats://host:port for NATS. */
  address: string;
  /** True when we found a server already listening and are only borrowing it. */
  reused: boolean;
  /** The process we started (for its CPU time, e.g. the benchmark); undefined when borrowed or run by the SDK. */
  pid?: number;
  stop(): Promise<void>;
}

/** Resolves true once something accepts TCP connections on host:port. */
export function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The range the kernel hands out for listen(0) and outgoing connections (Linux), read once. */
let ephemeral: [number, number] | undefined;
function ephemeralRange(): [number, number] {
  if (ephemeral) return ephemeral;
  try {
    const [low = NaN, high = NaN] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low > 0 && high >= low) return (ephemeral = [low, high]);
  } catch {
    // not Linux: the IANA dynamic range
  }
  return (ephemeral = [49152, 65535]);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A port the kernel picks (listen(0)): inside its ephemeral range. */
function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const handedOut = new Set<number>();

/**
 * A free TCP port on the loopback interface, chosen at random outside the kernel's ephemeral range (below it, or above
 * it if there is no room below). A port from listen(0) lies inside that range, where the kernel may give it to anyone's
 * next listen(0) or outgoing connection before our server binds it (the Temporal dev server picks its own internal
 * ports that way: once it took the Web UI port we had just chosen for it). Outside the range only another explicit
 * choice can take it. A kernel whose range leaves no room outside it (e.g. 1024-65535) gets listen(0)'s port.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow, ephemeralHigh] = ephemeralRange();
  const room: [number, number] | undefined =
    ephemeralLow - 1 >= 11_000 ? [10_000, ephemeralLow - 1] : ephemeralHigh + 1_000 <= 65_535 ? [ephemeralHigh + 1, 65_535] : undefined;
  if (!room) return kernelPort();
  const [low, high] = room;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`No free TCP port found between ${low} and ${high} on 127.0.0.1`);
}

/** Servers this process started: stopped when it exits, however it exits, so none is left running orphaned. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGTERM');
});

function spawnServer(name: string, command: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  const keep = (buf: Buffer) => {
    out = (out + buf.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (err) => {
    out += `\n${name} could not be started: ${err.message}`;
  });
  return { child, output: () => out };
}

async function waitUntilListening(name: string, host: string, port: number, child: ChildProcess, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited before listening on ${host}:${port}:\n${output()}`);
    }
    if (await isListening(host, port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not listen on ${host}:${port} within ${timeoutMs} ms:\n${output()}`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

export interface DevServerOptions {
  /** The Temporal CLI; without it the SDK downloads its dev server (a machine with internet access). */
  cli: string | undefined;
  host?: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** SQLite file: decisions survive a restart of the dev server. */
  dbFile: string;
  /** Reuse a server already listening on the port instead of failing. */
  reuseExisting?: boolean;
}

/** Starts `temporal server start-dev` with the Web UI and juece's custom search attributes registered. */
export async function startDevServer(o: DevServerOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  const address = `${host}:${o.port}`;
  if (await isListening(host, o.port)) {
    if (o.reuseExisting) return { address, reused: true, stop: async () => {} };
    throw new Error(`Port ${o.port} is already in use: is another Temporal server running? Set TEMPORAL_ADDRESS to use another port.`);
  }
  mkdirSync(path.dirname(o.dbFile), { recursive: true });
  if (!o.cli) return startDownloadedDevServer(o, host, address);
  const args = [
    'server', 'start-dev',
    '--ip', host,
    '--port', String(o.port),
    '--ui-port', String(o.uiPort),
    '--namespace', o.namespace,
    '--db-filename', o.dbFile,
    '--log-level', 'warn',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ...devServerSearchAttributeFlags(),
  ];
  const { child, output } = spawnServer('Temporal dev server', o.cli, args);
  await waitUntilListening('Temporal dev server', host, o.port, child, output, 60_000);
  return { address, reused: false, pid: child.pid, stop: stopper(child) };
}

/**
 * How JetStream writes: 'always' (juece's default) syncs every write to disk before it acknowledges it, so an
 * acknowledged event survives a power failure; 'default' is nats-server's own (a background sync every 2 minutes),
 * kept only for the benchmark's comparison.
 */
export type NatsSync = 'always' | 'default';

export interface NatsOptions {
  binary: string;
  host?: string;
  port: number;
  /** JetStream store folder: streams survive a restart. The server's config file is written in it. */
  storeDir: string;
  reuseExisting?: boolean;
  /** Default 'always'. */
  sync?: NatsSync;
  /** `server_name`; default "juece". */
  serverName?: string;
}

/** A nats-server config file: client listener, server name, JetStream store and sync, and a cluster's routes. */
function natsConfig(o: {
  serverName: string;
  host: string;
  port: number;
  storeDir: string;
  sync: NatsSync;
  httpPort?: number;
  cluster?: { name: string; port: number; routes: string[] };
}): string {
  const q = (v: string) => JSON.stringify(v);
  const lines = [
    '# Written by juece (infra/servers.ts) on every start.',
    `server_name: ${q(o.serverName)}`,
    `listen: ${q(`${o.host}:${o.port}`)}`,
    ...(o.httpPort ? [`http: ${q(`${o.host}:${o.httpPort}`)}`] : []),
    'jetstream {',
    `  store_dir: ${q(o.storeDir)}`,
    ...(o.sync === 'always' ? ['  sync_interval: always'] : []),
    '}',
  ];
  if (o.cluster) {
    lines.push(
      'cluster {',
      `  name: ${q(o.cluster.name)}`,
      `  listen: ${q(`${o.host}:${o.cluster.port}`)}`,
      `  routes: [${o.cluster.routes.map(q).join(', ')}]`,
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Starts nats-server with JetStream on a loopback port, from a config file written in the store folder. */
export async function startNats(o: NatsOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  const address = `nats://${host}:${o.port}`;
  if (await isListening(host, o.port)) {
    if (o.reuseExisting) return { address, reused: true, stop: async () => {} };
    throw new Error(`Port ${o.port} is already in use: is another NATS server running? Set NATS_URL to use another port.`);
  }
  mkdirSync(o.storeDir, { recursive: true });
  const configFile = path.join(o.storeDir, 'nats-server.conf');
  writeFileSync(configFile, natsConfig({ serverName: o.serverName ?? 'juece', host, port: o.port, storeDir: o.storeDir, sync: o.sync ?? 'always' }));
  const { child, output } = spawnServer('nats-server', o.binary, ['-c', configFile]);
  await waitUntilListening('nats-server', host, o.port, child, output, 20_000);
  return { address, reused: false, pid: child.pid, stop: stopper(child) };
}

export interface NatsClusterOptions {
  binary: string;
  /** Default 3. */
  nodes?: number;
  /** Each node's config file and store folder go in here. */
  dir: string;
  /** Default 'always'. */
  sync?: NatsSync;
  host?: string;
  /** How long to wait for every node to listen and the JetStream meta leader to be elected; default 60 s. */
  timeoutMs?: number;
}

/** One node of a loopback cluster, to be faulted by the tests. */
export interface ClusterNode {
  /** server_name: n1, n2, … */
  name: string;
  /** nats://127.0.0.1:port */
  url: string;
  port: number;
  clusterPort: number;
  /** The monitoring endpoint (http://127.0.0.1:port), e.g. `/jsz`. */
  monitorUrl: string;
  storeDir: string;
  /** The running process's id; undefined while the node is down. */
  pid(): number | undefined;
  /** Sends a signal to the running process (SIGSTOP/SIGCONT for a pause); nothing when the node is down. */
  signal(sig: NodeJS.Signals): void;
  /** SIGKILL, and waits for the process to exit. */
  kill(): Promise<void>;
  /** SIGTERM (SIGKILL after 10 s), and waits for the process to exit. */
  stop(): Promise<void>;
  /** Starts the node again with the same config file and store; resolves once it listens. */
  start(): Promise<void>;
  /** Resolves once this node knows the JetStream meta leader (it has joined the cluster's JetStream). */
  waitJetStream(timeoutMs?: number): Promise<void>;
}

export interface NatsCluster {
  /** nats://127.0.0.1:port of every node: what `connect({ servers })` and NATS_URL (comma-separated) take. */
  urls: string[];
  nodes: ClusterNode[];
  /** Stops every node that runs. */
  stop(): Promise<void>;
}

type MetaCluster = { leader?: string; cluster_size?: number; replicas?: { name: string; current: boolean }[] };

/** What a node's /jsz says of the JetStream meta group (undefined when it does not answer). */
async function metaClusterOf(monitorUrl: string): Promise<MetaCluster | undefined> {
  try {
    const res = await fetch(`${monitorUrl}/jsz`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return undefined;
    return ((await res.json()) as { meta_cluster?: MetaCluster }).meta_cluster;
  } catch {
    return undefined;
  }
}

/**
 * Starts an N-node JetStream cluster (default 3) on free loopback ports: nodes n1…nN, cluster "juece", each routed
 * to all the others, each with its own store folder and `sync_interval: always` unless told otherwise. Resolves
 * once every node listens, knows the meta leader, and a client can read the JetStream account.
 */
export async function startNatsCluster(o: NatsClusterOptions): Promise<NatsCluster> {
  const host = o.host ?? '127.0.0.1';
  const count = o.nodes ?? 3;
  const timeoutMs = o.timeoutMs ?? 60_000;
  mkdirSync(o.dir, { recursive: true });
  const specs: { name: string; port: number; clusterPort: number; httpPort: number }[] = [];
  for (let i = 1; i <= count; i++) specs.push({ name: `n${i}`, port: await freePort(), clusterPort: await freePort(), httpPort: await freePort() });

  const nodes: ClusterNode[] = specs.map((spec) => {
    const storeDir = path.join(o.dir, spec.name);
    const configFile = path.join(o.dir, `${spec.name}.conf`);
    mkdirSync(storeDir, { recursive: true });
    writeFileSync(
      configFile,
      natsConfig({
        serverName: spec.name,
        host,
        port: spec.port,
        storeDir,
        sync: o.sync ?? 'always',
        httpPort: spec.httpPort,
        cluster: {
          name: 'juece',
          port: spec.clusterPort,
          routes: specs.filter((p) => p !== spec).map((p) => `nats-route://${host}:${p.clusterPort}`),
        },
      }),
    );
    const monitorUrl = `http://${host}:${spec.httpPort}`;
    let child: ChildProcess | undefined;
    const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
    const exited = (c: ChildProcess) =>
      new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once('exit', () => resolve());
      });
    const node: ClusterNode = {
      name: spec.name,
      url: `nats://${host}:${spec.port}`,
      port: spec.port,
      clusterPort: spec.clusterPort,
      monitorUrl,
      storeDir,
      pid: () => (running() ? child!.pid : undefined),
      signal(sig) {
        if (running()) child!.kill(sig);
      },
      async kill() {
        if (!running()) return;
        const c = child!;
        c.kill('SIGKILL');
        await exited(c);
      },
      async stop() {
        if (!running()) return;
        const c = child!;
        c.kill('SIGCONT'); // a paused node cannot act on SIGTERM
        await stopper(c)();
      },
      async start() {
        if (running()) throw new Error(`nats-server ${spec.name} is already running (pid ${child!.pid})`);
        if (await isListening(host, spec.port)) throw new Error(`Port ${spec.port} of nats-server ${spec.name} is already in use`);
        const started = spawnServer(`nats-server ${spec.name}`, o.binary, ['-c', configFile]);
        child = started.child;
        await waitUntilListening(`nats-server ${spec.name}`, host, spec.port, started.child, started.output, 20_000);
      },
      async waitJetStream(ms = timeoutMs) {
        const deadline = Date.now() + ms;
        while (!(await metaClusterOf(monitorUrl))?.leader) {
          if (!running()) throw new Error(`nats-server ${spec.name} is not running`);
          if (Date.now() > deadline) throw new Error(`nats-server ${spec.name} knew no JetStream meta leader within ${ms} ms`);
          await new Promise((r) => setTimeout(r, 200));
        }
      },
    };
    return node;
  });
  const cluster: NatsCluster = {
    urls: nodes.map((n) => n.url),
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await Promise.all(nodes.map((n) => n.waitJetStream()));
    await waitAllPeersCurrent(nodes, timeoutMs);
    await waitJetStreamAccount(cluster.urls, timeoutMs);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Polls until the meta leader sees every other node as a current peer (so a stream with N replicas can be placed). */
async function waitAllPeersCurrent(nodes: ClusterNode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const views = await Promise.all(nodes.map((n) => metaClusterOf(n.monitorUrl)));
    const leader = views.find((v, i) => v?.leader === nodes[i]!.name);
    const peers = leader?.replicas ?? [];
    if (leader && peers.length === nodes.length - 1 && peers.every((p) => p.current)) return;
    if (Date.now() > deadline) throw new Error(`The JetStream meta group did not include all ${nodes.length} nodes within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Polls until a client reaches JetStream through `servers` (the meta leader answers the account's info). */
async function waitJetStreamAccount(servers: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const nc = await connect({ servers, timeout: 5_000 });
  try {
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const jsm = await nc.jetstreamManager({ timeout: 2_000 });
        await jsm.getAccountInfo();
        return;
      } catch (err) {
        last = err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    throw new Error(`JetStream was not available on ${servers.join(',')} within ${timeoutMs} ms: ${(last as Error)?.message}`);
  } finally {
    await nc.close();
  }
}

export interface PostgresOptions {
  /** Folder of initdb and postgres. */
  binDir: string;
  host?: string;
  port: number;
  /** The cluster's data folder, created with initdb on first start. */
  dataDir: string;
}

/**
 * Starts a PostgreSQL server on a loopback port with its own cluster (trust authentication, superuser `juece`).
 * As root, runs it as the `postgres` system user, since PostgreSQL refuses to run as root.
 */
export async function startPostgres(o: PostgresOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  if (await isListening(host, o.port)) throw new Error(`Port ${o.port} is already in use: is another PostgreSQL running?`);
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const as = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);
  mkdirSync(o.dataDir, { recursive: true });
  if (asRoot) chownSync(o.dataDir, postgresUid(), postgresGid());
  if (!existsSync(path.join(o.dataDir, 'PG_VERSION'))) {
    const [cmd, args] = as(path.join(o.binDir, 'initdb'), ['-D', o.dataDir, '-U', 'juece', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`initdb failed:\n${r.stdout}${r.stderr}`);
  }
  const [cmd, args] = as(path.join(o.binDir, 'postgres'), ['-D', o.dataDir, '-h', host, '-p', String(o.port), '-k', o.dataDir, '-c', 'fsync=off']);
  const { child, output } = spawnServer('PostgreSQL', cmd, args);
  await waitUntilListening('PostgreSQL', host, o.port, child, output, 30_000);
  return { address: `postgres://juece@${host}:${o.port}/postgres`, reused: false, pid: child.pid, stop: stopper(child) };
}

const idOf = (flag: '-u' | '-g') => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
const postgresUid = () => idOf('-u');
const postgresGid = () => idOf('-g');

/** The fallback: the SDK's own download of the Temporal CLI, run by the SDK with the same options. */
async function startDownloadedDevServer(o: DevServerOptions, host: string, address: string): Promise<RunningServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: host,
      port: o.port,
      ui: true,
      uiPort: o.uiPort,
      namespace: o.namespace,
      dbFilename: o.dbFile,
      searchAttributes: JUECE_SEARCH_ATTRIBUTES,
    },
  });
  return { address, reused: false, stop: () => env.teardown() };
}
