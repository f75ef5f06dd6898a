/**
 * Starts the real servers as child processes: the Temporal dev server (SQLite file, Web UI, juece's search
 * attributes), nats-server with JetStream and PostgreSQL for the procedure record. Used by the demo, `juece dev-server` and the test setup alike.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { JUECE_SEARCH_ATTRIBUTES } from '../domain/searchAttributes';
import { devServerSearchAttributeFlags } from './searchAttributes';

export interface RunningServer {
  /** host:port for Temporal, nats://host:port for NATS. */
  address: string;
  /** True when we found a server already listening and are only borrowing it. */
  reused: boolean;
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

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
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
  return { address, reused: false, stop: stopper(child) };
}

export interface NatsOptions {
  binary: string;
  host?: string;
  port: number;
  /** JetStream store folder: streams survive a restart. */
  storeDir: string;
  reuseExisting?: boolean;
}

/** Starts nats-server with JetStream on a loopback port. */
export async function startNats(o: NatsOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  const address = `nats://${host}:${o.port}`;
  if (await isListening(host, o.port)) {
    if (o.reuseExisting) return { address, reused: true, stop: async () => {} };
    throw new Error(`Port ${o.port} is already in use: is another NATS server running? Set NATS_URL to use another port.`);
  }
  mkdirSync(o.storeDir, { recursive: true });
  const { child, output } = spawnServer('nats-server', o.binary, ['-a', host, '-p', String(o.port), '-js', '-sd', o.storeDir]);
  await waitUntilListening('nats-server', host, o.port, child, output, 20_000);
  return { address, reused: false, stop: stopper(child) };
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
  return { address: `postgres://juece@${host}:${o.port}/postgres`, reused: false, stop: stopper(child) };
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
