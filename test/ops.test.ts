/**
 * What an operator sees of running juece processes, on real servers: the worker's /metrics carries the Temporal SDK's
 * temporal_* metrics once it has run a workflow, and its /readyz answers 503 naming NATS while NATS is down; the API
 * counts the requests it served by route and status; the projector's lag goes up while its PostgreSQL is gone (503
 * naming PostgreSQL) and back to 0 once it has caught up, with the decisions' standing read from the record. Every
 * process logs JSON lines.
 */
import { Client, Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { JueceClient } from '../client';
import { sampleProposal } from '../client/sample';
import { eventMessageId, eventSubject, type ProcedureEvent } from '../domain/events';
import { freePort, startNats, startPostgres, type RunningServer } from '../infra/servers';
import { startApiHarness, syntheticEvent, uniqueId, until, type ApiHarness } from './helpers';

const root = path.resolve(__dirname, '..');
const temp = mkdtempSync(path.join(tmpdir(), 'juece-ops-'));
chmodSync(temp, 0o755); // the projector's PostgreSQL runs as its own user and keeps its cluster in here
let natsOptions: Parameters<typeof startNats>[0];
let nats: RunningServer;

beforeAll(async () => {
  natsOptions = { binary: inject('natsServerPath'), port: await freePort(), storeDir: path.join(temp, 'nats') };
  nats = await startNats(natsOptions);
});

afterAll(async () => {
  await nats?.stop();
  rmSync(temp, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  /** Every line it wrote to stdout so far. */
  lines: string[];
  stop(): Promise<number | null>;
}

/** A juece process (`workers/main.ts`, …) with these settings; resolves once it logged `ready`. */
async function juece(entry: string, env: Record<string, string>, ready: string): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, JUECE_WORKFLOW_BUNDLE: inject('workflowBundlePath'), JUECE_NOTICE_OUTBOX: 'off', TEMPORAL_ADDRESS: inject('temporalAddress'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let rest = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => {
    const parts = (rest + b).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (b: Buffer) => (err += b));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await Promise.race([
    until(`${entry} started`, 60_000, async () => lines.some((l) => l.includes(ready))),
    exited.then((code) => {
      throw new Error(`${entry} exited (${code}):\n${lines.join('\n')}\n${err}`);
    }),
  ]);
  return {
    child,
    lines,
    async stop() {
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
      if (code === 'hung') child.kill('SIGKILL');
      return code === 'hung' ? null : code;
    },
  };
}

const get = async (url: string) => {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, text, json: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
};

/** A sample of a metric in Prometheus text: its value, or undefined when the scrape has no such line. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('the worker process', () => {
  it('serves the SDK metrics after running a workflow, logs JSON lines, and is unready while NATS is down', async () => {
    const taskQueue = uniqueId('ops-tq');
    const port = await freePort();
    const ops = `http://127.0.0.1:${port}`;
    const worker = await juece('workers/main.ts', { NATS_URL: nats.address, TEMPORAL_TASK_QUEUE: taskQueue, JUECE_WORKER_METRICS_PORT: String(port) }, 'juece worker polling');
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      expect(await get(`${ops}/livez`)).toMatchObject({ status: 200, json: { status: 'live' } });
      const ready = await get(`${ops}/readyz`);
      expect(ready.status, ready.text).toBe(200);
      expect(ready.json).toMatchObject({ status: 'ready', failed: [], checks: { temporal: { ok: true }, nats: { ok: true }, worker: { ok: true } } });

      // A workflow task run: the decision answers its status query.
      const client = new JueceClient(new Client({ connection, namespace: 'default' }), taskQueue);
      const d = await client.startDecision(sampleProposal(uniqueId('ops')));
      expect((await d.status()).status).toBe('inProgress');
      await d.handle.terminate('ops test done');

      const metrics = await until('the SDK counted the workflow task', 20_000, async () => {
        const m = await get(`${ops}/metrics`);
        return m.text.includes(`temporal_workflow_task_execution_latency_count{`) && m.text;
      });
      expect(metrics).toMatch(new RegExp(`^temporal_workflow_task_execution_latency_count\\{[^}]*task_queue="${taskQueue}"[^}]*\\} [1-9]`, 'm'));
      expect(metrics).toMatch(/^temporal_worker_start\{[^}]*\} 1$/m);
      expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m); // and the process's own

      // NATS down: not ready, naming NATS; back: ready again.
      await nats.stop();
      const down = await until('the worker unready', 10_000, async () => {
        const r = await get(`${ops}/readyz`);
        return r.status === 503 && r;
      });
      expect(down.json).toMatchObject({ status: 'unready', failed: ['nats'], checks: { nats: { ok: false }, temporal: { ok: true } } });
      nats = await startNats(natsOptions);
      await until('the worker ready again', 20_000, async () => (await get(`${ops}/readyz`)).status === 200);
    } finally {
      await connection.close();
      expect(await worker.stop()).toBe(0);
    }
    // Every line a JSON object with level, time, process and message; the SDK's own lines among them, with their ids.
    const logged = worker.lines.filter((l) => l.trim()).map((l) => JSON.parse(l));
    for (const l of logged) expect(Object.keys(l)).toEqual(expect.arrayContaining(['level', 'time', 'process', 'message']));
    expect(new Set(logged.map((l) => l.process))).toEqual(new Set(['worker']));
    expect(logged).toContainEqual(expect.objectContaining({ level: 'info', message: expect.stringContaining('juece worker polling'), taskQueue }));
    expect(logged).toContainEqual(expect.objectContaining({ component: 'worker', taskQueue }));
  });
});

describe('the API', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness('ops-api');
  });
  afterAll(async () => h?.stop());

  it('counts the requests it served by route template and status, and is ready with its three servers', async () => {
    expect((await h.call('GET', '/health')).status).toBe(200);
    expect((await h.call('GET', '/health')).status).toBe(200);
    expect((await h.call('GET', '/decisions/ops-none', 'supervisor')).status).toBe(404);
    expect((await h.call('GET', '/decisions/ops-none')).status).toBe(401);
    expect((await h.call('GET', '/no-such-thing', 'supervisor')).status).toBe(404);

    const ready = await h.call('GET', '/readyz');
    expect(ready.status, ready.text).toBe(200);
    expect(ready.json).toMatchObject({ status: 'ready', failed: [], checks: { temporal: { ok: true }, nats: { ok: true }, postgres: { ok: true } } });
    expect((await h.call('GET', '/livez')).json).toEqual({ status: 'live' });

    const m = await h.call('GET', '/metrics');
    expect(m.status).toBe(200);
    expect(sample(m.text, 'juece_http_requests_total{method="GET",route="/health",status="200"}')).toBe(2);
    expect(sample(m.text, 'juece_http_requests_total{method="GET",route="/decisions/:id",status="404"}')).toBe(1);
    expect(sample(m.text, 'juece_http_requests_total{method="GET",route="/decisions/:id",status="401"}')).toBe(1);
    expect(sample(m.text, 'juece_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(sample(m.text, 'juece_http_request_duration_seconds_count{method="GET",route="/health",status="200"}')).toBe(2);
    expect(m.text).not.toContain('ops-none'); // route templates, never ids
  });
});

describe('the projector process', () => {
  it('shows its lag growing while its PostgreSQL is gone (503 naming it), and 0 once caught up', async () => {
    // A stream of its own: nothing but this test's events in it.
    const ownNats = await startNats({ binary: inject('natsServerPath'), port: await freePort(), storeDir: path.join(temp, 'nats-projector') });
    const pgOptions = { binDir: inject('postgresBinDir'), port: await freePort(), dataDir: path.join(temp, 'postgres') };
    let pg = await startPostgres(pgOptions);
    const port = await freePort();
    const ops = `http://127.0.0.1:${port}`;
    const projector = await juece(
      'projector/main.ts',
      { NATS_URL: ownNats.address, JUECE_DATABASE_URL: pg.address, JUECE_PROJECTOR_NAME: 'ops', JUECE_PROJECTOR_METRICS_PORT: String(port) },
      'juece projector: events from',
    );
    const nc: NatsConnection = await connect({ servers: ownNats.address });
    const decisionId = uniqueId('ops-lag');
    const publish = async (from: number, to: number) => {
      for (let seq = from; seq <= to; seq++) {
        const e: ProcedureEvent = {
          ...syntheticEvent(decisionId, seq, 'ops-gov'),
          standing: { status: 'inProgress', openSteps: ['publicParticipation', 'expertReview'], currentStep: 'expertReview', nextDeadline: null, overdue: seq >= 7 },
        };
        await nc.jetstream().publish(eventSubject(e), JSON.stringify(e), { msgID: eventMessageId(e) });
      }
    };
    const behind = async () => sample((await get(`${ops}/metrics`)).text, 'juece_projector_events_behind{consumer="ops"}');
    try {
      await publish(1, 5);
      await until('the five events recorded', 20_000, async () => (await behind()) === 0);
      let m = (await get(`${ops}/metrics`)).text;
      expect(sample(m, 'juece_decisions{kind="majorDecision",status="inProgress",step="expertReview"}')).toBe(1);
      expect(sample(m, 'juece_decisions_open_step{kind="majorDecision",step="publicParticipation"}')).toBe(1);
      expect(sample(m, 'juece_projector_events_total{outcome="recorded"}')).toBe(5);
      expect(m).not.toContain('juece_deadlines_overdue{');
      expect((await get(`${ops}/readyz`)).json).toMatchObject({ status: 'ready', failed: [] });

      // Gone as in an outage: a fast shutdown ends the projector's sessions (a smart one, SIGTERM, would wait for them).
      process.kill(Number(readFileSync(path.join(pgOptions.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGINT');
      await pg.stop();
      const down = await until('the projector unready', 10_000, async () => {
        const r = await get(`${ops}/readyz`);
        return r.status === 503 && r;
      });
      expect(down.json).toMatchObject({ status: 'unready', failed: ['postgres'], checks: { nats: { ok: true }, postgres: { ok: false } } });
      await publish(6, 9);
      await until('four events behind', 10_000, async () => (await behind()) === 4);

      // Its postmaster is gone (runuser may return before it): the cluster can start again.
      await until('PostgreSQL shut down', 30_000, async () => !existsSync(path.join(pgOptions.dataDir, 'postmaster.pid')));
      pg = await startPostgres(pgOptions);
      await until('ready again', 20_000, async () => (await get(`${ops}/readyz`)).status === 200);
      await until('caught up', 60_000, async () => (await behind()) === 0);
      m = (await get(`${ops}/metrics`)).text;
      expect(sample(m, 'juece_projector_events_total{outcome="recorded"}')).toBe(9);
      expect(sample(m, 'juece_deadlines_overdue{kind="majorDecision",step="expertReview"}')).toBe(1);
    } finally {
      await nc.close();
      expect(await projector.stop()).toBe(0);
      await pg.stop();
      await ownNats.stop();
    }
    const logged = projector.lines.filter((l) => l.trim()).map((l) => JSON.parse(l));
    expect(logged).toContainEqual(expect.objectContaining({ process: 'projector', level: 'warn', decisionId, kind: 'majorDecision' }));
  });
});
