/**
 * Scale-out on real engines (one Temporal dev server, one NATS and one PostgreSQL from globalSetup): two workers, two
 * API processes and two projectors, each keeping one partition of the record, all separate OS processes. Twenty
 * decisions and twenty enforcement cases go through both APIs by turns, request by request; one worker and one
 * projector are SIGKILLed in the middle (the projector started again, as a supervisor would) and the rest goes on.
 * Every decision and case completes, both workers took part, and the record holds each one's events exactly once, in
 * order, as in NATS and as its workflow counts them.
 */
import { Client, Connection } from '@temporalio/client';
import { AckPolicy, DeliverPolicy, connect, type NatsConnection } from 'nats';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureEventsStream } from '../activities/events';
import { signToken } from '../api/auth';
import { JueceClient } from '../client';
import { readDecisionEvents } from '../client/events';
import { retroactiveConsultation, sampleEnforcementActor, sampleInput, sampleLegalReviewCase, sampleNotice, sampleProposal, sampleSignIns } from '../client/sample';
import { EVENTS_STREAM, EVENTS_SUBJECT_PREFIX } from '../domain/events';
import { shanghaiDate } from '../domain/procedure';
import { freePort } from '../infra/servers';
import { openDb, type Db } from '../store/db';
import { recordOf, verifyRecord } from '../store/record';
import { createTestDatabase, expectWholeHistory, TEST_JWT_SECRET, uniqueId, until } from './helpers';

const root = path.resolve(__dirname, '..');
const DECISIONS = 20;
const CASES = 20;
/** Drivers at once (decisions and cases interleaved). */
const CONCURRENCY = 14;
/** The worker and the projector are killed once this many requests have been answered (of 340: 14 for each decision, 3 for each case). */
const KILL_AFTER = 120;

interface Proc {
  child: ChildProcess;
  exited: Promise<void>;
}
const procs: Proc[] = [];

/** A juece process (`script` under the repository) started with `env`, once it has printed `ready`. */
function start(name: string, script: string, env: Record<string, string>, ready: string): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc: Proc = { child, exited: new Promise((r) => child.once('exit', () => r())) };
  procs.push(proc);
  let out = '';
  child.stderr!.on('data', (b: Buffer) => {
    out += b;
    process.stderr.write(`[${name}] ${b}`);
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b;
      if (out.includes(ready)) resolve(proc);
    });
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${out}`)));
  });
}

async function kill(p: Proc, signal: NodeJS.Signals): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  await p.exited;
}

let nc: NatsConnection;
let connection: Connection;
let client: JueceClient;
let db: Db;
const taskQueue = uniqueId('scale');
const durable = uniqueId('proj-scale');
let env: Record<string, string>;
let apis: string[] = [];
const tokens: Record<string, string> = {};

beforeAll(async () => {
  nc = await connect({ servers: inject('natsUrl') });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new JueceClient(new Client({ connection, namespace: 'default' }), taskQueue);
  const url = await createTestDatabase('scale');
  env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    NATS_URL: inject('natsUrl'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    JUECE_DATABASE_URL: url,
    JUECE_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    JUECE_NOTICE_OUTBOX: 'off',
    JUECE_JWT_SECRET: TEST_JWT_SECRET,
    JUECE_PROJECTOR_NAME: durable,
    JUECE_PROJECTOR_PARTITIONS: '2',
  };
  for (const [who, p] of Object.entries(sampleSignIns())) tokens[who] = await signToken(TEST_JWT_SECRET, p);
  // The stream holds the earlier tests' events: the partitions' consumers start where these decisions do.
  const jsm = await nc.jetstreamManager();
  await ensureEventsStream(jsm);
  const startSeq = (await jsm.streams.info(EVENTS_STREAM)).state.last_seq + 1;
  for (const p of [0, 1]) {
    await jsm.consumers.add(EVENTS_STREAM, {
      durable_name: `${durable}-p${p}of2`,
      filter_subject: `${EVENTS_SUBJECT_PREFIX}.>`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq,
      ack_policy: AckPolicy.Explicit,
      ack_wait: 5 * 1_000_000_000,
      max_ack_pending: 1000,
    });
  }
  // Started together, as a deployment starts them: the four that open the record migrate it by turns.
  const ports = [await freePort(), await freePort()];
  await Promise.all([
    start('worker-0', 'workers/main.ts', env, 'juece worker polling'),
    start('worker-1', 'workers/main.ts', env, 'juece worker polling'),
    start('projector-0', 'projector/main.ts', { ...env, JUECE_PROJECTOR_PARTITION: '0' }, 'juece projector'),
    start('projector-1', 'projector/main.ts', { ...env, JUECE_PROJECTOR_PARTITION: '1' }, 'juece projector'),
    ...ports.map((port, i) => start(`api-${i}`, 'api/main.ts', { ...env, JUECE_API_PORT: String(port) }, 'juece api on')),
  ]);
  apis = ports.map((port) => `http://127.0.0.1:${port}`);
  db = await openDb({ url });
}, 120_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => kill(p, 'SIGTERM')));
  await db?.close();
  await connection?.close();
  await nc?.close();
});

/** Requests answered so far, in all; each goes to the next API in turn. */
let answered = 0;
let turn = 0;
let onAnswered = () => {};
async function call(method: string, route: string, who: string, body?: unknown): Promise<any> {
  const api = apis[turn++ % apis.length]!;
  const res = await fetch(`${api}${route}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} as ${who} on ${api}: ${res.status} ${text}`);
  if (method === 'POST') {
    answered++;
    onAnswered();
  }
  return JSON.parse(text);
}
const withoutActor = ({ actor: _a, ...rest }: { actor?: unknown; [k: string]: unknown }) => rest;
const act = (id: string, who: string, action: string, input: { actor?: unknown; [k: string]: unknown }) =>
  call('POST', `/decisions/${id}/actions/${action}`, who, withoutActor(input));
const waitFor = (what: string, probe: () => Promise<boolean>) => until(what, 90_000, async () => (await probe().catch(() => false)) || undefined);
const statusOf = (id: string) => call('GET', `/decisions/${id}`, 'undertakingUnit');
const stepOpen = (id: string, step: string) => waitFor(`${id}: ${step} open`, async () => (await statusOf(id)).openSteps.includes(step));

/** A decision through every step to the stop of its execution, over HTTP (16 requests). */
async function decision(i: number): Promise<string> {
  const proposal = sampleProposal(uniqueId(`scale-d${i}`));
  const id = proposal.decisionId;
  await call('POST', '/decisions', 'undertakingUnit', proposal);
  await act(id, 'undertakingUnit', 'openConsultation', sampleInput.openConsultation(retroactiveConsultation()));
  await act(id, 'undertakingUnit', 'assignExperts', sampleInput.assignExperts());
  await act(id, 'expert', 'submitExpertOpinion', sampleInput.expertOpinion());
  await act(id, 'undertakingUnit', 'completeExpertReview', sampleInput.completeExpertReview());
  await act(id, 'riskAssessor', 'completeRiskAssessment', sampleInput.riskAssessment());
  await waitFor(`${id}: comment period closed`, async () => (await statusOf(id)).history.some((e: { type: string }) => e.type === 'commentPeriodClosed'));
  await act(id, 'undertakingUnit', 'completePublicParticipation', sampleInput.publicParticipationReport());
  await stepOpen(id, 'legalityReview');
  await act(id, 'undertakingUnit', 'requestLegalityReview', sampleInput.requestLegalityReview());
  await act(id, 'legalityReviewer', 'assignLegalityReviewer', sampleInput.assignLegalityReviewer());
  await act(id, 'legalityReviewer', 'completeLegalityReview', sampleInput.legalityReview());
  await stepOpen(id, 'collectiveDecision');
  await act(id, 'meetingSecretary', 'recordCollectiveDecision', sampleInput.collectiveDecision());
  await stepOpen(id, 'partyCommitteeReport');
  await act(id, 'undertakingUnit', 'recordPartyCommitteeReport', sampleInput.partyCommitteeReport());
  await stepOpen(id, 'publication');
  await act(id, 'undertakingUnit', 'recordPublication', sampleInput.publication());
  await stepOpen(id, 'execution');
  await act(id, 'head', 'stopExecution', { requestId: uniqueId('req'), reason: '测试结束', procedureReference: '测试' });
  return id;
}

/**
 * An enforcement case: its legal review over HTTP (submitted, passed, decided: 3 requests), then its publication,
 * which the API does not carry (the notice published, then taken down), with the Temporal client.
 */
async function enforcementCase(i: number): Promise<string> {
  const caseId = uniqueId(`scale-c${i}`);
  const { submittedBy: _s, ...body } = sampleLegalReviewCase(caseId);
  await call('POST', '/enforcement-reviews', 'enforcementOffice', body);
  await call('POST', `/enforcement-reviews/${caseId}/actions/completeLegalReview`, 'enforcementReviewer', {
    requestId: uniqueId('req'),
    round: 1,
    result: 'passed',
    reasons: [],
    reference: '示市监法审〔2026〕9号',
  });
  await call('POST', `/enforcement-reviews/${caseId}/actions/decideEnforcement`, 'enforcementOffice', {
    requestId: uniqueId('req'),
    documentNumber: '示市监罚〔2026〕21号',
    decidedOn: shanghaiDate(Date.now()),
  });
  const e = client.enforcement(caseId);
  // The review continues as new into the publication: its deadline is set there.
  await waitFor(`${caseId}: publication deadline`, async () => Boolean((await e.status()).deadline));
  await e.publishNotice(sampleNotice());
  await waitFor(`${caseId}: deadline met`, async () => (await e.status()).history.some((h) => h.type === 'deadlineMet'));
  await e.takeDownNotice({ requestId: uniqueId('req'), actor: sampleEnforcementActor, reason: 'revoked', reference: '测试结束' });
  return caseId;
}

/** Runs `jobs` with at most `c` at once. */
async function pool<T>(jobs: (() => Promise<T>)[], c: number): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

const recordedCount = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM record_entries'))[0]!.n);

describe('scale-out', () => {
  it('runs 20 decisions and 20 cases through two workers, two APIs and two projector partitions, one worker and one projector killed mid-run', async () => {
    const [worker0, , , projector1] = procs as [Proc, Proc, Proc, Proc];
    const workerPids = procs.slice(0, 2).map((p) => p.child.pid!);
    let killed: Promise<number> | undefined;
    onAnswered = () => {
      if (answered < KILL_AFTER || killed) return;
      killed = (async () => {
        const recordedAtKill = await recordedCount();
        await Promise.all([kill(worker0, 'SIGKILL'), kill(projector1, 'SIGKILL')]);
        // Partition 1 waits in its consumer while its projector is down; its successor resumes it.
        await new Promise((r) => setTimeout(r, 2_000));
        await start('projector-1 again', 'projector/main.ts', { ...env, JUECE_PROJECTOR_PARTITION: '1' }, 'juece projector');
        return recordedAtKill;
      })();
    };
    const jobs = Array.from({ length: DECISIONS + CASES }, (_, j) => (j % 2 === 0 ? () => decision(j / 2) : () => enforcementCase((j - 1) / 2)));
    const ids = await pool(jobs, CONCURRENCY);
    expect(killed, 'the kill came mid-run').toBeDefined();
    const recordedAtKill = await killed!;
    const decisionIds = ids.filter((_, j) => j % 2 === 0);
    const caseIds = ids.filter((_, j) => j % 2 === 1);

    const finals = [
      ...(await Promise.all(decisionIds.map(async (id) => ({ kind: 'majorDecision' as const, id, authority: 'shifan-gov', final: await client.decision(id).result() })))),
      ...(await Promise.all(caseIds.map(async (id) => ({ kind: 'enforcement' as const, id, authority: 'shifan-amr', final: await client.enforcement(id).result() })))),
    ];
    expect(finals.filter((f) => f.kind === 'majorDecision').map((f) => (f.final as { status: string }).status)).toEqual(Array(DECISIONS).fill('stopped'));
    expect(finals.filter((f) => f.kind === 'enforcement').map((f) => (f.final as { state: string }).state)).toEqual(Array(CASES).fill('takenDown'));

    // Each one's events, as its workflow counts them: a decision says how many in all; a case's history is all of them.
    const counted = finals.map((f) => {
      const history = f.final.history;
      return { ...f, status: { history, events: (f.final as { events?: number }).events ?? history.at(-1)!.seq } };
    });
    const total = counted.reduce((n, c) => n + c.status.events, 0);
    expect(recordedAtKill).toBeLessThan(total);
    const ours = async () =>
      Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM record_entries WHERE decision_id = ANY($1)', [ids]))[0]!.n);
    await until('every event in the record', 60_000, async () => (await ours()) >= total);
    expect(await ours()).toBe(total);

    for (const c of counted) {
      const record = (await recordOf(db, c.kind, c.id)).map((r) => r.event);
      expectWholeHistory(record, c.status);
      expect(record, `${c.kind} ${c.id}: the record holds what NATS holds`).toEqual(await readDecisionEvents(nc, c.authority, c.id));
      expect(await verifyRecord(db, c.kind, c.id)).toMatchObject({ ok: true, entries: c.status.events });
    }

    // Both partitions kept part of the record, each passing the other's events on.
    const figures = () =>
      db.query<{ name: string; stats: { applied: number; otherPartitions: number } }>('SELECT name, stats FROM projector_status WHERE name = ANY($1) ORDER BY name', [
        [`${durable}-p0of2`, `${durable}-p1of2`],
      ]);
    const status = await until('both partitions saved their figures', 10_000, async () => {
      const rows = await figures();
      return rows.length === 2 && rows.every((r) => r.stats.applied > 0) && rows;
    });
    for (const s of status) expect(s.stats.applied, s.name).toBeGreaterThan(0);
    for (const s of status) expect(s.stats.otherPartitions, s.name).toBeGreaterThan(0);

    // Both workers took tasks (their identity is pid@host in the histories).
    const identities = new Set<string>();
    for (const id of [...decisionIds.map((d) => `decision-${d}`), ...caseIds.map((c) => `enforcement-${c}`)]) {
      for (const ev of (await client.client.workflow.getHandle(id).fetchHistory()).events ?? []) {
        const who = ev.workflowTaskStartedEventAttributes?.identity ?? ev.activityTaskStartedEventAttributes?.identity;
        if (who) identities.add(who.split('@')[0]!);
      }
    }
    for (const pid of workerPids) expect([...identities], `worker ${pid} took tasks`).toContain(String(pid));
  }, 240_000);
});
