/**
 * The HTTP API end to end: the API, a worker and the projector against the real dev server, NATS and PostgreSQL.
 * With a token for each role, a decision goes through every step to publication over HTTP; bad input, a wrong role,
 * another office, an unknown id and a closed step get 400/403/404/409; a supervisor reads the record back.
 */
import { connect, type NatsConnection } from 'nats';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import YAML from 'yaml';
import { signToken } from '../api/auth';
import { startApi, type RunningApi } from '../api/server';
import type { JueceClient } from '../client';
import { consultationAlreadyOver, sampleActors, sampleInput, sampleProposal } from '../client/sample';
import type { Actor } from '../domain/schemas';
import { loadConfig } from '../infra/config';
import { freePort } from '../infra/servers';
import { startProjector, type Projector } from '../projector/projector';
import { openDb, type Db } from '../store/db';
import { createTestDatabase, startDevHarness, uniqueId, type DevHarness } from './helpers';

const SECRET = 'test-secret-of-at-least-thirty-two-characters';
let client: JueceClient;
let dev: DevHarness;
let nc: NatsConnection;
let db: Db;
let projector: Projector;
let api: RunningApi;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  dev = await startDevHarness({ prefix: 'api' });
  client = dev.client;
  nc = await connect({ servers: inject('natsUrl') });
  db = await openDb({ url: await createTestDatabase('api') });
  projector = await startProjector({ nc, db, durable: uniqueId('proj-api') });
  const cfg = loadConfig({ ...process.env, JUECE_JWT_SECRET: SECRET, JUECE_API_PORT: String(await freePort()) });
  api = await startApi(cfg, { client, db, nats: nc });
  for (const [name, actor] of Object.entries(sampleActors)) tokens[name] = await signToken(SECRET, { actor, authority: 'shifan-gov' });
  const otherOffice: Actor = { id: 'u-edu-01', name: '周老师', role: 'undertakingUnit', organisation: '示范市教育局' };
  tokens.otherOffice = await signToken(SECRET, { actor: otherOffice, authority: 'shifan-gov' });
  tokens.expired = await signToken(SECRET, { actor: sampleActors.undertakingUnit, authority: 'shifan-gov' }, '-1m');
});

afterAll(async () => {
  await api?.stop();
  await projector?.stop();
  await db?.close();
  await dev?.stop();
  await nc?.close();
});

async function call(method: string, path: string, who?: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** A step result as the API takes it: the actor comes from the token. */
const withoutActor = (input: Record<string, unknown>) => {
  const { actor: _actor, ...rest } = input;
  return rest;
};

async function act(id: string, who: string, action: string, input: Record<string, unknown>) {
  return call('POST', `/decisions/${id}/actions/${action}`, who, withoutActor(input));
}

async function untilOpen(id: string, step: string) {
  for (let i = 0; i < 200; i++) {
    if ((await call('GET', `/decisions/${id}`, 'undertakingUnit')).json.openSteps.includes(step)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${step} never opened`);
}

describe('the HTTP API', () => {
  it('carries a decision through every step over HTTP, with each role acting through its own token', async () => {
    expect((await call('GET', '/health')).json).toEqual({ ok: true });
    expect((await call('GET', '/openapi.json')).json.paths['/decisions/{id}/actions/completeLegalityReview']).toBeDefined();

    const proposal = sampleProposal(uniqueId('http'));
    const id = proposal.decisionId;
    expect(await call('POST', '/decisions', 'undertakingUnit', proposal)).toMatchObject({ status: 201, json: { decisionId: id, workflowId: `decision-${id}` } });
    expect((await act(id, 'undertakingUnit', 'openConsultation', sampleInput.openConsultation(consultationAlreadyOver()))).status).toBe(200);
    expect((await act(id, 'expert', 'submitExpertOpinion', sampleInput.expertOpinion())).status).toBe(200);
    expect((await act(id, 'undertakingUnit', 'completeExpertReview', sampleInput.completeExpertReview())).status).toBe(200);
    expect((await act(id, 'riskAssessor', 'completeRiskAssessment', sampleInput.riskAssessment())).status).toBe(200);
    for (let i = 0; i < 100 && !(await call('GET', `/decisions/${id}`, 'undertakingUnit')).json.history.some((e: { type: string }) => e.type === 'commentPeriodClosed'); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await act(id, 'undertakingUnit', 'completePublicParticipation', sampleInput.publicParticipationReport())).status).toBe(200);
    await untilOpen(id, 'legalityReview');
    expect((await act(id, 'undertakingUnit', 'requestLegalityReview', sampleInput.requestLegalityReview())).status).toBe(200);
    const review = sampleInput.legalityReview();
    const reviewed = await act(id, 'legalityReviewer', 'completeLegalityReview', review);
    expect(reviewed).toMatchObject({ status: 200, json: { step: 'legalityReview' } });
    // The same request id again: the same answer, recorded once.
    expect(await act(id, 'legalityReviewer', 'completeLegalityReview', review)).toEqual(reviewed);
    await untilOpen(id, 'collectiveDecision');
    expect((await act(id, 'meetingSecretary', 'recordCollectiveDecision', sampleInput.collectiveDecision())).status).toBe(200);
    await untilOpen(id, 'partyCommitteeReport');
    expect((await act(id, 'undertakingUnit', 'recordPartyCommitteeReport', sampleInput.partyCommitteeReport())).status).toBe(200);
    await untilOpen(id, 'publication');
    expect((await act(id, 'undertakingUnit', 'recordPublication', sampleInput.publication())).status).toBe(200);

    const status = (await call('GET', `/decisions/${id}`, 'head')).json;
    expect(status.history.filter((e: { type: string; step?: string }) => e.type === 'stepCompleted').map((e: { step: string }) => e.step)).toEqual([
      'expertReview', 'riskAssessment', 'publicParticipation', 'legalityReview', 'collectiveDecision', 'partyCommitteeReport', 'publication',
    ]);
    expect(status.history.filter((e: { type: string; actor?: { id: string } }) => e.type === 'stepCompleted' && e.actor?.id === sampleActors.legalityReviewer.id)).toHaveLength(1);

    // A supervisor reads the record back, its chain verified, and as a printable page; and may not act.
    let record;
    for (let i = 0; i < 100; i++) {
      record = (await call('GET', `/decisions/${id}/record`, 'supervisor')).json;
      if (record.entries.length >= status.history.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(record.verification).toMatchObject({ ok: true });
    expect(record.entries.map((e: { event: { type: string } }) => e.event.type).slice(0, status.history.length)).toEqual(status.history.map((e: { type: string }) => e.type));
    const page = await call('GET', `/decisions/${id}/record?format=html`, 'supervisor');
    expect(page.text).toContain('哈希链校验通过');
    expect(page.text).toContain(proposal.title);
    const listed = (await call('GET', '/decisions?status=inExecution', 'supervisor')).json.decisions.map((d: { decisionId: string }) => d.decisionId);
    expect(listed).toContain(id);
    expect((await act(id, 'supervisor', 'reportExecution', { requestId: uniqueId('req'), period: '一季度', summary: '—' })).status).toBe(403);
  });

  it('answers 400, 401, 403, 404 and 409 with the reason, and records every refusal', async () => {
    const proposal = sampleProposal(uniqueId('err'));
    const id = proposal.decisionId;

    const bad = await call('POST', '/decisions', 'undertakingUnit', { ...proposal, title: '', category: 'lottery' });
    expect(bad.status).toBe(400);
    expect(bad.json.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['title', 'category']));
    expect((await call('POST', '/decisions', 'undertakingUnit', '{"broken')).json).toMatchObject({ error: 'invalid', message: 'The body is not JSON.' });

    expect((await call('GET', '/decisions')).status).toBe(401);
    expect((await call('GET', '/decisions', 'expired')).status).toBe(401);
    const forged = tokens.undertakingUnit!.replace(/\.[^.]+$/, '.c2lnbmF0dXJl');
    expect((await fetch(`${api.url}/decisions`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);

    expect((await call('POST', '/decisions', 'expert', proposal)).status).toBe(403);
    expect((await call('POST', '/decisions', 'otherOffice', proposal)).status).toBe(403);
    expect((await call('POST', '/decisions', 'undertakingUnit', proposal)).status).toBe(201);
    expect((await call('GET', `/decisions/${id}`, 'otherOffice')).status).toBe(403);
    const wrongRole = await act(id, 'expert', 'openConsultation', sampleInput.openConsultation(consultationAlreadyOver()));
    expect(wrongRole).toMatchObject({ status: 403, json: { message: 'openConsultation is for undertakingUnit, not expert (art. 15).' } });
    expect((await call('GET', '/decisions/no-such-decision', 'supervisor')).status).toBe(404);
    expect((await act(id, 'undertakingUnit', 'approveEverything', { requestId: uniqueId('req') })).status).toBe(404);

    const closed = await act(id, 'undertakingUnit', 'recordPublication', sampleInput.publication());
    expect(closed.status).toBe(409);
    expect(closed.json.message).toContain('publication');
    const forgedActor = await call('POST', `/decisions/${id}/actions/withdraw`, 'undertakingUnit', { requestId: uniqueId('req'), reason: '—', actor: sampleActors.head });
    expect(forgedActor).toMatchObject({ status: 400, json: { issues: [{ path: 'actor' }] } });

    const refusals = await db.query<{ status: number; role: string | null }>('SELECT status, role FROM access_refusals ORDER BY id');
    expect(refusals.filter((r) => r.status === 403).length).toBeGreaterThanOrEqual(4);
    expect(refusals.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(3);
    expect(refusals.filter((r) => r.status === 409).length).toBeGreaterThanOrEqual(1);
    await client.decision(id).handle.terminate('test done');
  });
});

describe('the juece CLI over the API', () => {
  const root = path.resolve(__dirname, '..');
  const files = mkdtempSync(path.join(tmpdir(), 'juece-cli-'));
  const cli = async (who: string, ...args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/juece.js', ...args], {
        cwd: root,
        env: { ...process.env, JUECE_API_URL: api.url, JUECE_TOKEN: tokens[who], NATS_URL: inject('natsUrl') },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const file = (name: string, value: unknown) => {
    const f = path.join(files, name);
    writeFileSync(f, name.endsWith('.yaml') ? YAML.stringify(value) : JSON.stringify(value));
    return f;
  };

  it('starts from a YAML proposal, submits, shows status, list and record, follows events, and exits with a usable code', async () => {
    const proposal = sampleProposal(uniqueId('cli'));
    const id = proposal.decisionId;
    const watch = spawn(process.execPath, ['bin/juece.js', 'watch', proposal.authority.code, id], { cwd: root, env: { ...process.env, NATS_URL: inject('natsUrl') } });
    let watched = '';
    watch.stdout.on('data', (b: Buffer) => (watched += b));

    const started = await cli('undertakingUnit', 'start', '-f', file('proposal.yaml', proposal));
    expect(started).toMatchObject({ code: 0, stdout: `started ${id} (workflow decision-${id})\n` });
    const { requestId: _requestId, ...openInput } = withoutActor(sampleInput.openConsultation(consultationAlreadyOver()));
    const opened = await cli('undertakingUnit', 'submit', id, 'openConsultation', '-f', file('open.json', openInput));
    expect(opened.code).toBe(0);
    expect(opened.stdout).toMatch(/^#\d+ consultation opened on/);

    const status = await cli('undertakingUnit', 'status', id);
    expect(status.stdout).toContain(`${proposal.title} (${id})`);
    expect(status.stdout).toContain('open steps: publicParticipation 公众参与');
    const listed = JSON.parse((await cli('supervisor', 'list', '--json', '--authority', proposal.authority.code)).stdout) as { decisionId: string }[];
    for (let i = 0; i < 50 && !listed.some((d) => d.decisionId === id); i++) {
      await new Promise((r) => setTimeout(r, 100));
      listed.splice(0, listed.length, ...JSON.parse((await cli('supervisor', 'list', '--json')).stdout));
    }
    expect(listed.map((d) => d.decisionId)).toContain(id);
    const record = await cli('supervisor', 'record', id);
    expect(record.code).toBe(0);
    expect(record.stdout).toMatch(/hash chain verified: \d+ entries/);

    // Exit codes scripts can use: 2 bad input, 3 not allowed, 4 not found, 5 refused by the procedure.
    expect((await cli('undertakingUnit', 'start', '-f', file('bad.json', { ...proposal, title: '' }))).code).toBe(2);
    expect((await cli('undertakingUnit', 'start', '-f', path.join(files, 'missing.yaml'))).code).toBe(2);
    const forbidden = await cli('supervisor', 'submit', id, 'withdraw', '-f', file('w.json', { reason: '—' }));
    expect(forbidden).toMatchObject({ code: 3 });
    expect(forbidden.stderr).toContain('Supervisors read decisions');
    expect((await cli('supervisor', 'status', 'no-such-decision')).code).toBe(4);
    // The same file again is a new request (the CLI gives each a new id unless --request-id repeats one).
    const refused = await cli('undertakingUnit', 'submit', id, 'openConsultation', '-f', path.join(files, 'open.json'));
    expect(refused).toMatchObject({ code: 5 });
    expect(refused.stderr).toContain('The consultation is already open.');

    for (let i = 0; i < 50 && !watched.includes('consultationOpened'); i++) await new Promise((r) => setTimeout(r, 100));
    watch.kill('SIGINT');
    expect(watched).toMatch(/# +1 .* decisionStarted: /);
    expect(watched).toContain('consultationOpened publicParticipation 公众参与');
    await client.decision(id).handle.terminate('test done');
  });
});

