/**
 * Benchmark (run on demand: `npm run bench:enforcement`): bulk intake of enforcement decisions (行政执法决定公示), on
 * real servers started here in a temporary folder (the Temporal dev server on SQLite, NATS, PostgreSQL), the worker in
 * a process of its own, the HTTP API and the projector in this one. It writes an office's CSV export of BENCH_CASES
 * generated cases and imports it as `juece enforcement import` does (the same code: cli/enforcementImport.ts, batches
 * of 500 to POST /enforcement-cases/batch), BENCH_BAD_ROWS of its rows bad in four ways, and prints:
 *  - cases started per second (answered by the API) and recorded per second (in the procedure record), per 10% slice,
 *    as open cases pile up on the dev server;
 *  - the RSS of the worker, the dev server, NATS, PostgreSQL and this process (the API, the importer, the projector)
 *    at each slice;
 *  - how long the record takes to hold every case after the import;
 *  - the bad rows, each reported by its line (checked against the lines written bad), and the same file imported
 *    again: nothing started, every good case answered alreadyRecorded;
 *  - the redacted texts then arriving in bulk: publishNotice for BENCH_NOTICES of the cases, BENCH_CONCURRENCY at a
 *    time, notices issued per second and the latency of each, and the notices in the stream.
 * Then it stops everything it started, says if anything is still open, and exits (90 s at most for the shutdown).
 *
 * Sizes (environment variables):
 *   BENCH_CASES              rows in the file (default 100000; e.g. 5000 for a quick run)
 *   BENCH_BAD_ROWS           share of the rows that are bad (default 0.01: one row in a hundred)
 *   BENCH_NOTICES            notices published afterwards (default 1000, at most BENCH_CASES; 0: skip)
 *   BENCH_CONCURRENCY        concurrent publishNotice calls (default 20)
 *   BENCH_PARALLEL           import batches in flight (default 2, as the CLI)
 *   BENCH_START_CONCURRENCY  workflows the API starts at once (default 32, as the API)
 */
import { Client, Connection } from '@temporalio/client';
import { connect } from 'nats';
import { chmodSync, createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { signToken } from '../api/auth';
import { createApi } from '../api/app';
import { createVerifier } from '../api/auth';
import { serve, type ServerType } from '@hono/node-server';
import { JueceClient } from '../client';
import { sampleEnforcementActor } from '../client/sample';
import { CommentIntake } from '../commands/commentIntake';
import { NOTICES_STREAM } from '../domain/notices';
import { shanghaiDate } from '../domain/procedure';
import { importEnforcementFile, type ImportProgress } from '../cli/enforcementImport';
import { loadConfig } from '../infra/config';
import { ensureNatsServer, ensurePostgres, ensureTemporalCli } from '../infra/provision';
import { freePort, startDevServer, startNats, startPostgres } from '../infra/servers';
import { startProjector } from '../projector/projector';
import { openDb } from '../store/db';
import { bundleWorkflows } from '../workers/worker';
import { runBench, type Shutdown } from './shutdown';
import { startWorker } from './worker';
import { size, pool } from './common';

const ROWS = size('BENCH_CASES', 100_000, 10);
const BAD_SHARE = Number(process.env.BENCH_BAD_ROWS ?? 0.01);
if (!(BAD_SHARE >= 0 && BAD_SHARE < 1)) throw new Error(`BENCH_BAD_ROWS must be a share from 0 to below 1, not ${process.env.BENCH_BAD_ROWS}`);
/** Every `BAD_EVERY`-th row is bad (none at 0). */
const BAD_EVERY = BAD_SHARE > 0 ? Math.max(2, Math.round(1 / BAD_SHARE)) : Infinity;
const isBad = (i: number) => i % BAD_EVERY === BAD_EVERY - 1;
const BAD_ROWS = Number.isFinite(BAD_EVERY) ? Math.floor(ROWS / BAD_EVERY) : 0;
/** The good cases in the file: what the import records. */
const CASES = ROWS - BAD_ROWS;
const NOTICES = Math.min(size('BENCH_NOTICES', 1000, 0), CASES);
const CONCURRENCY = size('BENCH_CONCURRENCY', 20, 1);
const PARALLEL = size('BENCH_PARALLEL', 2, 1);
const START_CONCURRENCY = size('BENCH_START_CONCURRENCY', 32, 1);
const root = path.resolve(__dirname, '..');
const taskQueue = 'bench-enforcement';
const SECRET = 'bench-secret-of-at-least-thirty-two-characters';
const AUTHORITY = { code: 'shifan-amr', name: '示范市市场监督管理局' };

const LABEL = 56;
const row = (label: string, ...values: string[]) => console.log(`${label.padEnd(LABEL)} ${values.join('   ')}`);
const progress = (line: string) => process.stderr.write(`  … ${line}\n`);
const n = (x: number) => x.toLocaleString('en');
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** Resident memory (KiB) of a process and all its descendants, from /proc. */
function treeRssKiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const f = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(f.slice(f.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, pp] of parent) if (!tree.has(p) && tree.has(pp)) (tree.add(p), (grew = true));
  }
  let kib = 0;
  for (const p of tree) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return kib;
}
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

/** A bad row of four kinds in turn, each a mistake an export really has; the reason the import must give. */
const BAD_KINDS = [
  { cells: (i: number, today: string) => [`${i}`, '行政处罚', `示市监决〔2026〕${i}号`, '2026-02-30'], reason: /decidedOn/ },
  { cells: (i: number, today: string) => [`${i}`, '行政奖励', `示市监决〔2026〕${i}号`, today], reason: /kind/ },
  { cells: (i: number, today: string) => [`${i}`, '行政许可', '', today], reason: /documentNumber/ },
  { cells: (i: number, today: string) => ['', '行政处罚', `示市监决〔2026〕${i}号`, today], reason: /caseId/ },
] as const;

/**
 * An office's export: CSV with a BOM and Chinese headers, as a case-handling system writes it; written as a stream.
 * Case `${prefix}-${i}` is on line i + 2 (the header is line 1); every BAD_EVERY-th row is bad.
 */
async function writeExport(file: string, rows: number, prefix: string): Promise<void> {
  const out = createWriteStream(file);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('\ufeff案件编号,机关代码,机关名称,行政执法机关,决定类别,决定名称,文书号,决定日期\r\n');
  const today = shanghaiDate(Date.now());
  const kinds = ['行政处罚', '行政许可', '其他'];
  for (let i = 0; i < rows; i++) {
    const [id, kind, documentNumber, decidedOn] = isBad(i)
      ? BAD_KINDS[Math.floor(i / BAD_EVERY) % BAD_KINDS.length]!.cells(i, today)
      : [`${i}`, kinds[i % 3]!, `示市监决〔2026〕${i}号`, today];
    const caseId = id ? `${prefix}-${id}` : '';
    await write(`${caseId},${AUTHORITY.code},${AUTHORITY.name},${AUTHORITY.name},${kind},对第${i}号当事人的行政执法决定,${documentNumber},${decidedOn}\r\n`);
  }
  out.end();
  await once(out, 'finish');
}

async function main(shutdown: Shutdown): Promise<void> {
  const cfg = loadConfig();
  const dir = mkdtempSync(path.join(tmpdir(), 'juece-bench-enf-'));
  chmodSync(dir, 0o755);
  shutdown.add('the temporary folder', async () => rmSync(dir, { recursive: true, force: true }));
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  console.log(
    `importing ${n(ROWS)} rows of enforcement decisions, ${n(BAD_ROWS)} of them bad (CSV, batches of 500, ${PARALLEL} in flight, the API starting ${START_CONCURRENCY} at once); Temporal CLI dev server (SQLite), nats-server, PostgreSQL`,
  );

  const [cli, natsBin, pgBin] = [await ensureTemporalCli(cfg), await ensureNatsServer(cfg), await ensurePostgres(cfg)];
  const temporalServer = await startDevServer({ cli, port: await freePort(), uiPort: await freePort(), namespace: 'default', dbFile: path.join(dir, 'temporal.db') });
  shutdown.add('the Temporal dev server', () => temporalServer.stop());
  const natsServer = await startNats({ binary: natsBin, port: await freePort(), storeDir: path.join(dir, 'nats') });
  shutdown.add('nats-server', () => natsServer.stop());
  const pgServer = await startPostgres({ binDir: pgBin, port: await freePort(), dataDir: path.join(dir, 'pg') });
  shutdown.add('PostgreSQL', () => pgServer.stop());

  progress('bundling the workflows');
  const bundle = await bundleWorkflows();
  const bundlePath = path.join(dir, 'bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const worker = await startWorker({ temporal: temporalServer, nats: natsServer, bundlePath, taskQueue, shutdown });

  const connection = await Connection.connect({ address: temporalServer.address });
  shutdown.add('the Temporal client connection', () => connection.close());
  const client = new JueceClient(new Client({ connection, namespace: 'default' }), taskQueue);
  const db = await openDb({ url: pgServer.address });
  shutdown.add('the procedure record (PostgreSQL pool)', () => db.close());
  const nc = await connect({ servers: natsServer.address });
  shutdown.add('the NATS connection', () => nc.close());
  const projector = await startProjector({ nc, db });
  shutdown.add('the projector', () => projector.stop());

  // The HTTP API, as `juece api` serves it, on a free port.
  const app = createApi({ client, db, nats: nc, verifier: createVerifier({ secret: SECRET }), intake: new CommentIntake({ db }), batchStartConcurrency: START_CONCURRENCY });
  const port = await freePort();
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => resolve(s));
  });
  shutdown.add('the HTTP API', () => new Promise<void>((resolve) => server.close(() => resolve())));
  const apiUrl = `http://127.0.0.1:${port}`;
  const token = await signToken(SECRET, { actor: sampleEnforcementActor, authority: AUTHORITY.code });

  const prefix = `bench-${Date.now().toString(36)}`;
  const file = path.join(dir, 'cases.csv');
  progress(`writing ${n(ROWS)} rows to ${file}`);
  await writeExport(file, ROWS, prefix);

  const recordedCases = async () => Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM decisions WHERE kind = 'enforcement'"))[0]!.n);
  const memory = () =>
    [
      `worker ${mib(treeRssKiB(worker.child.pid))}`,
      `dev server ${mib(treeRssKiB(temporalServer.pid))}`,
      `NATS ${mib(treeRssKiB(natsServer.pid))}`,
      `PostgreSQL ${mib(treeRssKiB(pgServer.pid))}`,
      `this process (API, importer, projector) ${mib(process.memoryUsage().rss / 1024)}`,
    ].join(', ');

  // The import, slice by slice: a line per 10% of the file (watched every 250 ms beside the import).
  const slice = Math.max(1, Math.ceil(CASES / 10));
  let latest = 0;
  let importing = true;
  const t0 = performance.now();
  console.log('');
  row('open cases (started)', 'started/s', '   recorded/s (in the record)', 'RSS');
  const watcher = (async () => {
    let last = { t: t0, started: 0, recorded: 0 };
    for (let next = slice; last.started < CASES; ) {
      await new Promise((r) => setTimeout(r, 250));
      const done = latest;
      if (done < next && !(done === CASES || !importing)) continue;
      if (done === last.started) break; // the import stopped short (its error is reported)
      const now = performance.now();
      const recorded = await recordedCases();
      const seconds = (now - last.t) / 1000;
      row(
        `${n(last.started)}-${n(done)}`,
        ((done - last.started) / seconds).toFixed(1).padStart(9),
        `${((recorded - last.recorded) / seconds).toFixed(1)} (${n(recorded)})`.padStart(29),
        memory(),
      );
      last = { t: now, started: done, recorded };
      next = (Math.floor(done / slice) + 1) * slice;
    }
  })();
  const onProgress = (p: ImportProgress) => void (latest = p.started + p.alreadyRecorded);
  const post = async (body: unknown) => {
      const res = await fetch(`${apiUrl}/enforcement-cases/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw Object.assign(new Error(`the API answered ${res.status}: ${await res.text()}`), { status: res.status });
      return (await res.json()) as never;
  };
  const importOptions = {
    file,
    post,
    retryable: (err: unknown) => (err as { status?: number }).status === undefined || (err as { status: number }).status >= 500,
    // Batches small enough that every 10% slice is seen (500 at most, as the CLI).
    batchSize: Math.max(1, Math.min(500, Math.floor(ROWS / 20))),
    parallel: PARALLEL,
  };
  const summary = await importEnforcementFile({ ...importOptions, onProgress });
  const importSeconds = (performance.now() - t0) / 1000;
  importing = false;
  latest = summary.started + summary.alreadyRecorded;
  await watcher;
  if (summary.started !== CASES) throw new Error(`the import started ${summary.started} of the ${CASES} good cases (${summary.badRows.length} bad: ${summary.badRows[0]?.reason})`);
  console.log('');
  row('import: cases started', `${n(summary.started)} in ${importSeconds.toFixed(0)} s, ${(summary.started / importSeconds).toFixed(1)} a second`);
  // Each bad row reported by its line with the reason its mistake calls for, and nothing else reported.
  const badLines = Array.from({ length: ROWS }, (_, i) => i).filter(isBad);
  const reported = new Map(summary.badRows.map((b) => [b.line, b]));
  const wrong = badLines.filter((i) => !BAD_KINDS[Math.floor(i / BAD_EVERY) % BAD_KINDS.length]!.reason.test(reported.get(i + 2)?.reason ?? ''));
  if (wrong.length || summary.badRows.length !== BAD_ROWS) {
    throw new Error(`bad rows: ${summary.badRows.length} reported, ${BAD_ROWS} written; line ${(wrong[0] ?? 0) + 2} reported as ${JSON.stringify(reported.get((wrong[0] ?? 0) + 2)?.reason)}`);
  }
  row('import: bad rows', `${n(BAD_ROWS)} reported, each by its line and reason (e.g. line ${badLines[0]! + 2}: ${reported.get(badLines[0]! + 2)?.reason})`);
  const tr = performance.now();
  let recorded = await recordedCases();
  const patience = Math.max(15 * 60_000, CASES * 200); // 5 cases a second at the least
  for (let said = performance.now(); recorded < CASES && performance.now() - tr < patience; ) {
    await new Promise((r) => setTimeout(r, 2_000));
    recorded = await recordedCases();
    if (performance.now() - said > 30_000) {
      said = performance.now();
      progress(`the record holds ${n(recorded)} of ${n(CASES)} cases; ${memory()}`);
    }
  }
  const total = (performance.now() - t0) / 1000;
  row('the record holds every case', recorded === CASES ? `${total.toFixed(0)} s after the import began (${(CASES / total).toFixed(1)} a second)` : `NOT within ${(patience / 60_000).toFixed(0)} min: ${n(recorded)} of ${n(CASES)}`);
  row('RSS with every case open', memory());

  // The same file again (an office that runs its export twice): nothing recorded twice.
  const ta = performance.now();
  const again = await importEnforcementFile({ ...importOptions, restart: true });
  const againSeconds = (performance.now() - ta) / 1000;
  const recordedAfter = await recordedCases();
  row(
    'the same file imported again',
    `${n(again.started)} started, ${n(again.alreadyRecorded)} already recorded, ${n(again.badRows.length)} bad, in ${againSeconds.toFixed(0)} s (${(ROWS / againSeconds).toFixed(0)} rows a second); the record holds ${n(recordedAfter)}`,
  );
  if (again.started !== 0 || again.alreadyRecorded !== CASES || recordedAfter !== CASES) throw new Error('the second import recorded something twice');

  if (NOTICES) {
    // The redacted texts arrive in bulk: a notice for a sample of the cases, spread over the file.
    const step = Math.max(1, Math.floor(CASES / NOTICES));
    const ids = Array.from({ length: NOTICES }, (_, i) => `${prefix}-${isBad(i * step) ? i * step + 1 : i * step}`);
    const latencies: number[] = [];
    const tn = performance.now();
    await pool(
      ids.map((id, i) => async () => {
        const t = performance.now();
        await client.enforcement(id).publishNotice({
          requestId: `notice-${id}`,
          actor: sampleEnforcementActor,
          body: `当事人：第${i}号当事人（个人信息已依法隐去）。处理结果：依法作出行政执法决定。`,
        });
        latencies.push(performance.now() - t);
      }),
      CONCURRENCY,
    );
    const seconds = (performance.now() - tn) / 1000;
    const jsm = await nc.jetstreamManager();
    const inStream = (await jsm.streams.info(NOTICES_STREAM)).state.messages;
    row(`notices published (${n(NOTICES)}, ${CONCURRENCY} at a time)`, `${(NOTICES / seconds).toFixed(1)} a second; latency p50 / p95 / p99 ${pct(latencies, 50).toFixed(0)} / ${pct(latencies, 95).toFixed(0)} / ${pct(latencies, 99).toFixed(0)} ms`);
    row('notices in the stream', n(inStream));
    row('RSS after the notices', memory());
  }
  console.log(`worker peak RSS ${mib((await worker.usage()).maxRssKiB)}`);
}

runBench(main);
