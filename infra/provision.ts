/**
 * Provisions the real servers juece runs on, from the package registries only, cached per machine:
 * - the Temporal CLI (dev server), built with `go install` from the Go module proxy;
 * - the Java time-skipping test server, resolved from Maven Central with its runtime classpath;
 * - nats-server, a pinned current release (NATS_SERVER_VERSION, the same as docker-compose.yml's image), built with
 *   `go install` from the Go module proxy: Debian's 2.9 is too old (no `sync_interval`, so no write before the ack).
 * - for the tests, the API fuzzer schemathesis and the OpenAPI validator openapi-spec-validator, from PyPI into a
 *   Python venv, every package pinned (infra/api-fuzzer-requirements.txt).
 * Nothing here is written inside the repository; the cache lives in `JUECE_CACHE_DIR` (default ~/.cache/juece).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JueceConfig } from './config';

/** The last Temporal CLI tag whose go.mod has no replace directive, so `go install ...@tag` accepts it. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
/**
 * nats-server, from the Go module proxy; docker-compose.yml runs the image of the same version (test/compose.test.ts
 * checks it). 2.10.23+ for the stream-loss fixes on crashes; `sync_interval: always` for a write before the ack.
 */
export const NATS_SERVER_VERSION = 'v2.15.2';
/** io.temporal:temporal-test-server on Maven Central (Java SDK numbering); 1.20+ supports Updates. */
export const TEST_SERVER_VERSION = '1.32.1';

export type Log = (line: string) => void;
const defaultLog: Log = (line) => process.stderr.write(`[provision] ${line}\n`);

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds a command on PATH (and the sbin folders, which a non-login PATH may lack). */
export function which(command: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/local/sbin', '/usr/sbin', '/sbin']);
  for (const dir of dirs) {
    if (dir && isExecutable(path.join(dir, command))) return path.join(dir, command);
  }
  return undefined;
}

/** Runs a command, echoing its output through `log`, and prints elapsed time every 20 s so long builds show progress. */
async function run(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; log: Log }): Promise<void> {
  const started = Date.now();
  const child = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const onData = (buf: Buffer) => {
    for (const line of buf.toString().split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const ticker = setInterval(() => opts.log(`  … still running (${Math.round((Date.now() - started) / 1000)} s)`), 20_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) {
      throw new Error(`${command} ${args.join(' ')} failed with exit code ${code}:\n${tail.join('\n')}`);
    }
    opts.log(`  done in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    clearInterval(ticker);
  }
}

/**
 * The Temporal CLI, for the dev server. Returns undefined when it cannot be built here (no Go toolchain):
 * callers then fall back to the SDK's own download, which needs internet access.
 */
export async function ensureTemporalCli(cfg: JueceConfig, log: Log = defaultLog): Promise<string | undefined> {
  if (cfg.temporalCliPath) {
    if (!isExecutable(cfg.temporalCliPath)) throw new Error(`TEMPORAL_CLI_PATH=${cfg.temporalCliPath} is not an executable file`);
    return cfg.temporalCliPath;
  }
  const dir = path.join(cfg.cacheDir, 'temporal-cli', TEMPORAL_CLI_VERSION);
  const binary = path.join(dir, 'temporal');
  if (isExecutable(binary)) return binary;
  const go = which('go');
  if (!go) {
    log('No Go toolchain found: the Temporal SDK will download its dev server instead (needs internet).');
    return undefined;
  }
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (first time on this machine: a few minutes)…`);
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await run(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, GOBIN: staging, GOFLAGS: '-mod=mod' },
    log,
  });
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  log(`Temporal CLI ready: ${binary}`);
  return binary;
}

/**
 * The time-skipping test server: a wrapper script that execs the JVM (so the SDK's teardown kills it) on the
 * Maven-resolved classpath. The SDK runs it as `<path> <port>`. Returns undefined when Java or Maven is missing.
 */
export async function ensureTestServer(cfg: JueceConfig, log: Log = defaultLog): Promise<string | undefined> {
  if (cfg.testServerPath) {
    if (!isExecutable(cfg.testServerPath)) throw new Error(`TEMPORAL_TEST_SERVER_PATH=${cfg.testServerPath} is not executable`);
    return cfg.testServerPath;
  }
  const dir = path.join(cfg.cacheDir, 'temporal-test-server', TEST_SERVER_VERSION);
  const wrapper = path.join(dir, 'temporal-test-server');
  if (isExecutable(wrapper) && existsSync(path.join(dir, 'lib')) && readdirSync(path.join(dir, 'lib')).length > 0) {
    return wrapper;
  }
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : which('java');
  const mvn = which('mvn');
  if (!java || !mvn) {
    log('Java or Maven not found: the Temporal SDK will download its test server instead (needs internet).');
    return undefined;
  }
  log(`Resolving io.temporal:temporal-test-server:${TEST_SERVER_VERSION} and its classpath from Maven Central…`);
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(
    path.join(staging, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>juece.provision</groupId>
  <artifactId>temporal-test-server-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`,
  );
  await run(mvn, ['-B', '-q', 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${path.join(staging, 'lib')}`], {
    cwd: staging,
    log,
  });
  // Serial GC and C1-only JIT: the JVM must listen within the ~5 s the SDK waits, even on 2 busy cores.
  writeFileSync(
    path.join(staging, 'temporal-test-server'),
    `#!/bin/sh
# Temporal time-skipping test server ${TEST_SERVER_VERSION} (Maven Central), provisioned by juece.
# The TypeScript SDK runs it as: temporal-test-server <port>
here="$(cd "$(dirname "$0")" && pwd)"
exec "${java}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -cp "$here/lib/*" io.temporal.testserver.TestServer "$@"
`,
    { mode: 0o755 },
  );
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  renameSync(staging, dir);
  log(`Test server ready: ${wrapper}`);
  return wrapper;
}

/**
 * nats-server NATS_SERVER_VERSION, built once per machine with `go install` into the cache (as the Temporal CLI is);
 * NATS_SERVER_PATH overrides it. Without Go there is no fallback: Debian's package is too old for juece.
 */
export async function ensureNatsServer(cfg: JueceConfig, log: Log = defaultLog): Promise<string> {
  if (cfg.natsServerPath) {
    if (!isExecutable(cfg.natsServerPath)) throw new Error(`NATS_SERVER_PATH=${cfg.natsServerPath} is not executable`);
    return cfg.natsServerPath;
  }
  const dir = path.join(cfg.cacheDir, 'nats-server', NATS_SERVER_VERSION);
  const binary = path.join(dir, 'nats-server');
  if (isExecutable(binary)) return binary;
  const go = which('go');
  if (!go) {
    throw new Error(
      `nats-server ${NATS_SERVER_VERSION} is built with Go, and no Go toolchain was found. Install Go 1.21 or later ` +
        '(https://go.dev/dl/, or Debian/Ubuntu: `sudo apt-get install golang` where it is 1.21+; Go fetches the newer ' +
        `toolchain this release needs from the module proxy itself) or set NATS_SERVER_PATH to a nats-server ${NATS_SERVER_VERSION} binary.`,
    );
  }
  log(`Building nats-server ${NATS_SERVER_VERSION} with go install (first time on this machine: about a minute)…`);
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await run(go, ['install', `github.com/nats-io/nats-server/v2@${NATS_SERVER_VERSION}`], {
    env: { ...process.env, GOBIN: staging, GOFLAGS: '-mod=mod' },
    log,
  });
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  log(`nats-server ready: ${binary}`);
  return binary;
}

/** The version a nats-server binary reports (`nats-server --version` prints e.g. "nats-server: v2.15.2"). */
export function natsServerVersion(binary: string): string {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (r.error) throw new Error(`${binary} --version could not be run: ${r.error.message}`);
  const m = /\bv?(\d+\.\d+\.\d+[\w.+-]*)/.exec(`${r.stdout}${r.stderr}`);
  if (r.status !== 0 || !m) throw new Error(`${binary} --version failed (exit ${r.status}): ${r.stdout}${r.stderr}`);
  return `v${m[1]}`;
}

/** The folder of a PostgreSQL server's binaries (initdb, postgres): Debian's layout, or PATH. */
function findPostgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (isExecutable(path.join(root, v, 'bin', 'initdb'))) return path.join(root, v, 'bin');
  }
  const initdb = which('initdb');
  return initdb ? path.dirname(initdb) : undefined;
}

/**
 * PostgreSQL's server binaries, for the tests (the procedure record's production database): POSTGRES_BIN_DIR, or
 * Debian's packages, installed when missing and we are root.
 */
export async function ensurePostgres(cfg: JueceConfig, log: Log = defaultLog): Promise<string> {
  if (cfg.postgresBinDir) {
    if (!isExecutable(path.join(cfg.postgresBinDir, 'initdb'))) throw new Error(`POSTGRES_BIN_DIR=${cfg.postgresBinDir} has no initdb`);
    return cfg.postgresBinDir;
  }
  const found = findPostgresBinDir();
  if (found) return found;
  const aptGet = which('apt-get');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!aptGet || !isRoot) {
    throw new Error('PostgreSQL is not installed. Install it (Debian/Ubuntu: `sudo apt-get install postgresql`) or set POSTGRES_BIN_DIR.');
  }
  log("Installing PostgreSQL from Debian's packages…");
  await run(aptGet, ['update', '-qq'], { log });
  await run(aptGet, ['install', '-y', '-qq', 'postgresql'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, log });
  // The package starts a cluster on the default port; juece runs its own instances.
  spawnSync('sh', ['-c', 'service postgresql stop 2>/dev/null || true']);
  const installed = findPostgresBinDir();
  if (!installed) throw new Error('apt-get installed postgresql but its initdb was not found');
  return installed;
}

/** Debian's Chinese fonts: without them a browser draws Chinese text as boxes. */
const CJK_FONT_DIR = '/usr/share/fonts/opentype/noto';

/**
 * A Chromium for the browser tests (the workspace's pages in a real browser, driven by playwright-core):
 * CHROMIUM_PATH, or Debian's `chromium` with the CJK fonts, installed when missing and we are root (Playwright's own
 * browser download cannot work where only package registries are reachable).
 */
export async function ensureChromium(cfg: JueceConfig, log: Log = defaultLog): Promise<string> {
  if (cfg.chromiumPath) {
    if (!isExecutable(cfg.chromiumPath)) throw new Error(`CHROMIUM_PATH=${cfg.chromiumPath} is not an executable`);
    return cfg.chromiumPath;
  }
  const found = () => ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(isExecutable) ?? which('chromium');
  const fonts = () => existsSync(CJK_FONT_DIR) && readdirSync(CJK_FONT_DIR).some((f) => f.includes('CJK'));
  if (found() && fonts()) return found()!;
  const aptGet = which('apt-get');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!aptGet || !isRoot) {
    throw new Error('Chromium (and CJK fonts) are not installed. Install them (Debian/Ubuntu: `sudo apt-get install chromium fonts-noto-cjk`) or set CHROMIUM_PATH.');
  }
  log("Installing chromium and fonts-noto-cjk from Debian's packages…");
  await run(aptGet, ['update', '-qq'], { log });
  await run(aptGet, ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-noto-cjk'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, log });
  const installed = found();
  if (!installed) throw new Error('apt-get installed chromium but its binary was not found');
  return installed;
}

/** The pinned Python packages of the API fuzzer (schemathesis) and the OpenAPI validator (openapi-spec-validator). */
export const API_FUZZER_REQUIREMENTS = path.join(__dirname, 'api-fuzzer-requirements.txt');

export interface ApiFuzzer {
  /** The schemathesis command (`st run <document> --url <api>`). */
  schemathesis: string;
  /** The venv's Python, which runs `-m openapi_spec_validator <document>`. */
  python: string;
}

/** A Python 3.10+ with the venv module (Debian: python3-venv, installed when missing and we are root). */
async function pythonWithVenv(log: Log): Promise<string> {
  const works = (python: string) => spawnSync(python, ['-c', 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 10) else 1)']).status === 0;
  for (const name of ['python3', 'python']) {
    const python = which(name);
    if (python && works(python)) return python;
  }
  const aptGet = which('apt-get');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!aptGet || !isRoot) {
    throw new Error('The API fuzzer needs Python 3.10+ with its venv module (Debian/Ubuntu: `sudo apt-get install python3 python3-venv`).');
  }
  log("Installing Python's venv from Debian's packages…");
  await run(aptGet, ['update', '-qq'], { log });
  await run(aptGet, ['install', '-y', '-qq', 'python3', 'python3-venv'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, log });
  const python = which('python3');
  if (!python || !works(python)) throw new Error('apt-get installed python3-venv but `python3 -m venv` still does not work');
  return python;
}

/**
 * The API fuzzer for the tests (test/openapi.test.ts): schemathesis and openapi-spec-validator from PyPI in a venv
 * of their own in the cache, exactly the versions of infra/api-fuzzer-requirements.txt (its digest names the venv, so
 * a change of a pin makes a new one). About 20 s the first time.
 */
export async function ensureApiFuzzer(cfg: JueceConfig, log: Log = defaultLog): Promise<ApiFuzzer> {
  const requirements = readFileSync(API_FUZZER_REQUIREMENTS, 'utf8');
  const digest = createHash('sha256').update(requirements).digest('hex').slice(0, 12);
  const dir = path.join(cfg.cacheDir, 'api-fuzzer', digest);
  const fuzzer = { schemathesis: path.join(dir, 'bin', 'st'), python: path.join(dir, 'bin', 'python') };
  // Written last: a venv without it was cut short, and is made again.
  const done = path.join(dir, 'installed');
  if (existsSync(done) && isExecutable(fuzzer.schemathesis) && isExecutable(fuzzer.python)) return fuzzer;
  const python = await pythonWithVenv(log);
  log('Installing schemathesis and openapi-spec-validator (pinned) from PyPI into a venv…');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  // Made in place: a venv's scripts name its folder.
  await run(python, ['-m', 'venv', dir], { log });
  // Every package is pinned in the file, so nothing else is resolved: --no-deps.
  await run(fuzzer.python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '--no-deps', '-r', API_FUZZER_REQUIREMENTS], { log });
  if (spawnSync(fuzzer.schemathesis, ['--version']).status !== 0) throw new Error(`schemathesis was installed in ${dir} but does not run`);
  writeFileSync(done, requirements);
  log(`API fuzzer ready: ${fuzzer.schemathesis}`);
  return fuzzer;
}

/** Everything the tests and the demo need; prints what it does. */
export async function provisionAll(cfg: JueceConfig, log: Log = defaultLog) {
  const temporalCli = await ensureTemporalCli(cfg, log);
  const testServer = await ensureTestServer(cfg, log);
  const natsServer = await ensureNatsServer(cfg, log);
  return { temporalCli, testServer, natsServer };
}
