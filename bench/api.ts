/**
 * Benchmark (run on demand: `npm run bench:api`): the HTTP API under load, as deployed: the Temporal dev server
 * (SQLite), NATS and PostgreSQL started here in a temporary folder, the worker and the API each in a process of their
 * own (`workers/main.ts`, `api/main.ts`), the projector in this one. It seeds BENCH_DECISIONS decisions (every third
 * with its consultation open, today, for 30 days), waits until the record holds them, then loads each route with
 * BENCH_CONNECTIONS concurrent clients (autocannon) for BENCH_SECONDS:
 *  - the decisions list (GET /decisions, the undertaking unit's, with filters, sorts and pages in turn);
 *  - a decision's status (GET /decisions/<id>, a query to its workflow, and the comment counts), over every decision;
 *  - comment intake: the public comment form of one open consultation (POST /public/consultations/...), each request
 *    another person's comment, so that none is a duplicate.
 * Per route: requests a second, latency p50 / p99, errors and non-2xx answers, which must be none (else it fails);
 * after the intake, the store must hold every comment answered 2xx (and none beyond those sent). Then it stops everything and exits.
 * Sizes: BENCH_DECISIONS (default 300), BENCH_SECONDS (default 20), BENCH_CONNECTIONS (default 50).
 */
import autocannon from 'autocannon';
import { connect } from 'nats';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { signToken } from '../api/auth';
import { JueceClient } from '../client';
import { sampleActors, sampleInput, sampleProposal } from '../client/sample';
import { shanghaiDate } from '../domain/procedure';
import { ensureNatsServer, ensurePostgres, ensureTemporalCli } from '../infra/provision';
import { loadConfig } from '../infra/config';
import { freePort, startDevServer, startNats, startPostgres } from '../infra/servers';
import { startProjector } from '../projector/projector';
import { commentCounts } from '../store/comments';
import { openDb } from '../store/db';
import { startChild } from './child';
import { size, pool } from './common';

const DECISIONS = size('BENCH_DECISIONS', 300, 3);
const SECONDS = size('BENCH_SECONDS', 20, 1);
const CONNECTIONS = size('BENCH_CONNECTIONS', 50, 1);
const SECRET = 'bench-secret-of-at-least-thirty-two-characters';
const taskQueue = 'bench-api';
const progress = (line: string) => process.stderr.write(`  … ${line}\n`);

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await probe()); ) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Load {
  route: string;
  requests: autocannon.Request[];
}

async function load(url: string, l: Load): Promise<autocannon.Result> {
  progress(`${l.route}: ${CONNECTIONS} clients for ${SECONDS} s`);
  return autocannon({ url, connections: CONNECTIONS, duration: SECONDS, requests: l.requests, timeout: 30 });
}

async function main() {
  const cfg = loadConfig();
  const dir = mkdtempSync(path.join(tmpdir(), 'juece-bench-api-'));
  chmodSync(dir, 0o755);
  const stops: [string, () => Promise<unknown>][] = [['the temporary folder', async () => rmSync(dir, { recursive: true, force: true })]];
  let failed = false;
  try {
    const [cli, natsBin, pgBin] = [await ensureTemporalCli(cfg), await ensureNatsServer(cfg), await ensurePostgres(cfg)];
    const temporal = await startDevServer({ cli, port: await freePort(), uiPort: await freePort(), namespace: 'default', dbFile: path.join(dir, 'temporal.db') });
    stops.push(['the Temporal dev server', () => temporal.stop()]);
    const nats = await startNats({ binary: natsBin, port: await freePort(), storeDir: path.join(dir, 'nats') });
    stops.push(['nats-server', () => nats.stop()]);
    const pg = await startPostgres({ binDir: pgBin, port: await freePort(), dataDir: path.join(dir, 'pg') });
    stops.push(['PostgreSQL', () => pg.stop()]);
    const db = await openDb({ url: pg.address });
    stops.push(['the record (PostgreSQL pool)', () => db.close()]);
    const env = {
      TEMPORAL_ADDRESS: temporal.address,
      NATS_URL: nats.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      JUECE_DATABASE_URL: pg.address,
      JUECE_JWT_SECRET: SECRET,
      JUECE_NOTICE_OUTBOX: 'off',
      JUECE_DATA_DIR: path.join(dir, 'data'),
    };
    progress('starting the worker (it bundles the workflows) and the API');
    const worker = await startChild('the worker', 'workers/main.ts', env, 'juece worker polling');
    stops.push(['the worker process', () => worker.stop()]);
    const apiPort = await freePort();
    const api = await startChild('the API', 'api/main.ts', { ...env, JUECE_API_PORT: String(apiPort) }, 'juece api on');
    stops.push(['the API process', () => api.stop()]);
    const url = `http://127.0.0.1:${apiPort}`;
    const nc = await connect({ servers: nats.address });
    stops.push(["the projector's NATS connection", () => nc.close()]);
    const projector = await startProjector({ nc, db });
    stops.push(['the projector', () => projector.stop()]);
    const client = await JueceClient.connect({ address: temporal.address, namespace: 'default', taskQueue });
    stops.push(['the Temporal client', () => client.close()]);

    // Seed: decisions of the transport bureau, every third with its consultation open (today, for 30 days).
    const ids = Array.from({ length: DECISIONS }, (_, i) => `load-${String(i).padStart(4, '0')}`);
    const open = ids.filter((_, i) => i % 3 === 0);
    const t0 = performance.now();
    await pool(
      ids.map((id, i) => async () => {
        const d = await client.startDecision(sampleProposal(id, { title: `示范市第${i + 1}号重大行政决策事项` }));
        if (i % 3 === 0) await d.openConsultation(sampleInput.openConsultation(shanghaiDate(Date.now())));
      }),
      10,
    );
    await until('the record holding every decision and open consultation', 180_000, async () => {
      const [r] = await db.query<{ d: string; c: string }>(
        "SELECT (SELECT count(*) FROM decisions WHERE decision_id LIKE 'load-%') AS d, (SELECT count(*) FROM consultations WHERE closes_at IS NOT NULL) AS c",
      );
      return Number(r!.d) === DECISIONS && Number(r!.c) === open.length;
    });
    await projector.idle(60_000);
    progress(`seeded ${DECISIONS} decisions (${open.length} with an open consultation) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

    const unit = await signToken(SECRET, { actor: sampleActors.undertakingUnit, authority: 'shifan-gov' });
    const auth = { authorization: `Bearer ${unit}` };
    const lists = [
      '/decisions?limit=20',
      '/decisions?step=publicParticipation&limit=20',
      '/decisions?step=expertReview&sort=-startedAt&limit=50&offset=50',
      '/decisions?status=inProgress&sort=title&limit=100&offset=100',
      '/decisions?kind=majorDecision&overdue=false&sort=decisionId&limit=20&offset=200',
    ];
    let n = 0;
    const consultation = open[0]!;
    const csrf = 'bench-csrf-token-0123456789abcdefghij';
    let sent = 0;
    const loads: Load[] = [
      { route: 'GET /decisions (filters, sorts, pages)', requests: [{ method: 'GET', headers: auth, setupRequest: (r) => ({ ...r, path: lists[n++ % lists.length]! }) }] },
      { route: 'GET /decisions/<id> (status)', requests: [{ method: 'GET', headers: auth, setupRequest: (r) => ({ ...r, path: `/decisions/${ids[n++ % ids.length]}` }) }] },
      {
        route: 'POST /public/consultations/…/comments',
        requests: [
          {
            method: 'POST',
            path: `/public/consultations/shifan-gov/${consultation}/comments`,
            headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `juece_csrf=${csrf}` },
            setupRequest: (r) => {
              const i = sent++;
              const form = new URLSearchParams({ _csrf: csrf, name: `市民${i}`, contact: `1380000${String(i).padStart(6, '0')}`, text: `第${i}条意见：建议公交票价调整分步实施，并对低收入群体给予优惠。` });
              return { ...r, body: form.toString() };
            },
          },
        ],
      },
    ];

    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
    console.log(`${DECISIONS} decisions (${open.length} consultations open); ${CONNECTIONS} concurrent clients, ${SECONDS} s a route; API, worker, dev server, NATS, PostgreSQL and autocannon on these cores\n`);
    console.log(`${'route'.padEnd(42)} ${'requests/s'.padStart(10)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'errors'.padStart(7)} ${'non-2xx'.padStart(8)}`);
    const bad: string[] = [];
    for (const l of loads) {
      const before = l.route.startsWith('POST') ? (await commentCounts(db, consultation)).received : 0;
      const r = await load(url, l);
      const wrong = r.errors + r.timeouts + r.non2xx;
      console.log(
        `${l.route.padEnd(42)} ${r.requests.average.toFixed(0).padStart(10)} ${`${r.latency.p50} ms`.padStart(8)} ${`${r.latency.p99} ms`.padStart(8)} ${String(r.errors + r.timeouts).padStart(7)} ${String(r.non2xx).padStart(8)}`,
      );
      if (wrong) bad.push(`${l.route}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx (${JSON.stringify(r.statusCodeStats)})`);
      if (l.route.startsWith('POST')) {
        // Every comment answered is stored, once; those still in flight when the time ran out may be stored unanswered.
        const stored = (await commentCounts(db, consultation)).received - before;
        const ok = stored >= r['2xx'] && stored <= sent;
        console.log(`${''.padEnd(42)} ${r['2xx']} comments answered 2xx, ${stored} stored (of ${sent} sent)${ok ? '' : ' MISMATCH'}`);
        if (!ok) bad.push(`comment intake: ${r['2xx']} answered 2xx, ${stored} stored, ${sent} sent`);
      }
    }
    if (bad.length) throw new Error(`the API failed under load:\n  ${bad.join('\n  ')}`);
  } catch (err) {
    failed = true;
    console.error(`bench: ${err instanceof Error ? err.stack : err}`);
  } finally {
    for (const [what, stop] of stops.reverse()) {
      const outcome = await Promise.race([stop().then(() => 'ok', (e: Error) => `failed: ${e.message}`), new Promise<string>((r) => setTimeout(() => r('still closing after 35 s'), 35_000).unref())]);
      if (outcome !== 'ok') console.error(`bench: stopping ${what}: ${outcome}`);
    }
  }
  process.exit(failed ? 1 : 0);
}

void main();
