/**
 * The HTTP API end to end: the API, a worker and the projector against the real dev server, NATS and PostgreSQL.
 * With a token for each role, a decision goes through every step to publication over HTTP; bad input, a wrong role,
 * another office, an unknown id and a closed step get 400/403/404/409; a supervisor reads the record back.
 */
import type { NatsConnection } from 'nats';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import YAML from 'yaml';
import { signToken } from '../api/auth';
import type { RunningApi } from '../api/server';
import type { JueceClient } from '../client';
import { retroactiveConsultation, sampleActors, sampleEnforcementCase, sampleInput, sampleProposal } from '../client/sample';
import { CommentIntake } from '../commands/commentIntake';
import { startCommandResponder, type CommandResponder } from '../commands/nats';
import type { Db } from '../store/db';
import { recordExists } from '../store/record';
import { eventCount, expectWholeHistory, startApiHarness, TEST_JWT_SECRET, uniqueId, type ApiHarness } from './helpers';

let client: JueceClient;
let dev: ApiHarness;
let nc: NatsConnection;
let db: Db;
let api: RunningApi;
let responder: CommandResponder;
let tokens: Record<string, string>;
let call: ApiHarness['call'];

beforeAll(async () => {
  dev = await startApiHarness('api');
  ({ client, nc, db, api, tokens, call } = dev);
  responder = startCommandResponder({ nc, client, intake: new CommentIntake({ db }), db });
  tokens.expired = await signToken(TEST_JWT_SECRET, { actor: sampleActors.undertakingUnit, authority: 'shifan-gov' }, '-1m');
});

afterAll(async () => {
  await responder?.stop();
  await dev?.stop();
});

/** Sends a body of `bytes` bytes with its length declared, and returns the status the server answers with. */
function oversizedPost(path: string, token: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, api.url);
    const req = http.request(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': bytes } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => {}); // the server may stop reading once it has answered
    req.end('x'.repeat(bytes));
    setTimeout(() => reject(new Error('no answer to an oversized body')), 10_000);
  });
}

/** A step result as the API takes it: the actor comes from the token. */
const withoutActor = (input: Record<string, unknown>) => {
  const { actor: _actor, ...rest } = input;
  return rest;
};

async function act(id: string, who: string, action: string, input: Record<string, unknown>) {
  return call('POST', `/decisions/${id}/actions/${action}`, who, withoutActor(input));
}

/** Polls until `fn` gives a value, for what the projector makes visible eventually. */
async function until<T>(what: string, fn: () => Promise<T | undefined | false>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not so in time`);
}

/** `kind/id` of each decision the list answers. */
async function listed(query: string, who = 'supervisor'): Promise<string[]> {
  const r = await call('GET', `/decisions?${query}`, who);
  expect(r.status, query).toBe(200);
  return r.json.decisions.map((d: { kind: string; decisionId: string }) => `${d.kind}/${d.decisionId}`);
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
    expect((await act(id, 'undertakingUnit', 'openConsultation', sampleInput.openConsultation(retroactiveConsultation()))).status).toBe(200);
    expect((await act(id, 'undertakingUnit', 'assignExperts', sampleInput.assignExperts())).status).toBe(200);
    expect((await act(id, 'expert', 'submitExpertOpinion', sampleInput.expertOpinion())).status).toBe(200);
    expect((await act(id, 'undertakingUnit', 'completeExpertReview', sampleInput.completeExpertReview())).status).toBe(200);
    expect((await act(id, 'riskAssessor', 'completeRiskAssessment', sampleInput.riskAssessment())).status).toBe(200);
    for (let i = 0; i < 100 && !(await call('GET', `/decisions/${id}`, 'undertakingUnit')).json.history.some((e: { type: string }) => e.type === 'commentPeriodClosed'); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await act(id, 'undertakingUnit', 'completePublicParticipation', sampleInput.publicParticipationReport())).status).toBe(200);
    await untilOpen(id, 'legalityReview');
    expect((await act(id, 'undertakingUnit', 'requestLegalityReview', sampleInput.requestLegalityReview())).status).toBe(200);
    expect((await act(id, 'legalityReviewer', 'assignLegalityReviewer', sampleInput.assignLegalityReviewer())).status).toBe(200);
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

    // The status: the workflow's latest events, the count of all of them, and the comment store's counts.
    const status = (await call('GET', `/decisions/${id}`, 'head')).json;
    expect(status.history.length).toBeLessThanOrEqual(50);
    expect(status.comments).toEqual({ received: 0, groups: 0, campaigns: 0 });

    // A supervisor reads the whole record back, its chain verified, and as a printable page; and may not act.
    let record;
    for (let i = 0; i < 100; i++) {
      record = (await call('GET', `/decisions/${id}/record`, 'supervisor')).json;
      if (record.entries.length >= eventCount(status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(record.verification).toMatchObject({ ok: true, kind: 'majorDecision' });
    const events = record.entries.map((e: { event: { seq: number; type: string; step?: string; actor?: { id: string } } }) => e.event).slice(0, eventCount(status));
    expectWholeHistory(events, status);
    const completed = events.filter((e: { type: string }) => e.type === 'stepCompleted');
    expect(completed.map((e: { step?: string }) => e.step)).toEqual([
      'expertReview', 'riskAssessment', 'publicParticipation', 'legalityReview', 'collectiveDecision', 'partyCommitteeReport', 'publication',
    ]);
    expect(completed.filter((e: { actor?: { id: string } }) => e.actor?.id === sampleActors.legalityReviewer.id)).toHaveLength(1);
    const page = await call('GET', `/decisions/${id}/record?format=html`, 'supervisor');
    expect(page.text).toContain('哈希链校验通过');
    expect(page.text).toContain(proposal.title);
    expect(await until('listed in execution', async () => (await listed('status=inExecution')).includes(`majorDecision/${id}`))).toBe(true);
    expect((await act(id, 'supervisor', 'reportExecution', { requestId: uniqueId('req'), period: '一季度', summary: '—' })).status).toBe(403);

    // The record's health, for supervisors only: each projector's figures, and no record known to be incomplete.
    const health = await until('the projector reported', async () => {
      const h = (await call('GET', '/records/health', 'supervisor')).json;
      return h.projectors.length && h.projectors[0].figures.applied >= eventCount(status) ? h : undefined;
    });
    expect(health.projectors[0].figures).toMatchObject({ repaired: 0, unrepairable: 0, streamLosses: 0, gapsOpen: 0 });
    expect(health.incomplete).toEqual([]);
    expect((await call('GET', '/records/health', 'undertakingUnit')).status).toBe(403);
  });

  it('lists decisions and cases by kind and by where their workflow says they stand, and never starts a used id again', async () => {
    const withdrawn = sampleProposal(uniqueId('wd'));
    const waiting = sampleProposal(uniqueId('wait'));
    const caseId = uniqueId('case');
    for (const p of [withdrawn, waiting]) expect((await call('POST', '/decisions', 'undertakingUnit', p)).status).toBe(201);
    expect((await act(withdrawn.decisionId, 'undertakingUnit', 'openConsultation', sampleInput.openConsultation(retroactiveConsultation()))).status).toBe(200);
    await until('the consultation notice out', async () => (await call('GET', `/decisions/${withdrawn.decisionId}`, 'head')).json.history.some((e: { type: string }) => e.type === 'noticePublished'));
    expect((await act(withdrawn.decisionId, 'head', 'withdraw', { requestId: uniqueId('req'), reason: '上级政策调整' })).status).toBe(200);
    const enforcement = await client.recordEnforcementDecision(sampleEnforcementCase(caseId));

    await until('withdrawn in the record', async () => (await listed('status=withdrawn')).includes(`majorDecision/${withdrawn.decisionId}`));
    await until('the case in the record', async () => (await listed('kind=enforcement')).includes(`enforcement/${caseId}`));
    expect(await listed('status=inProgress&kind=majorDecision')).toEqual(expect.arrayContaining([`majorDecision/${waiting.decisionId}`]));
    expect(await listed('status=inProgress')).not.toContain(`majorDecision/${withdrawn.decisionId}`);
    expect(await listed('status=inExecution')).not.toContain(`majorDecision/${withdrawn.decisionId}`);
    expect(await listed('kind=enforcement&status=awaitingPublication')).toContain(`enforcement/${caseId}`);
    expect(await listed('kind=majorDecision')).not.toContain(`enforcement/${caseId}`);
    // An office sees only what it undertakes, whatever the filter.
    expect(await listed('status=withdrawn', 'otherOffice')).not.toContain(`majorDecision/${withdrawn.decisionId}`);

    // A used id is refused before anything reaches Temporal or the record: a closed decision's, a case's.
    const closed = await client.decision(withdrawn.decisionId).result();
    const entries = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM record_entries WHERE decision_id = $1', [withdrawn.decisionId]))[0]!.n);
    await until('the withdrawn decision wholly recorded', async () => (await entries()) === eventCount(closed));
    const before = await entries();
    const again = await call('POST', '/decisions', 'undertakingUnit', withdrawn);
    expect(again).toMatchObject({ status: 409, json: { error: 'refused', message: `decision id ${withdrawn.decisionId} is already used by a major decision; a decision id is never reused.` } });
    const asCase = await call('POST', '/decisions', 'undertakingUnit', sampleProposal(caseId));
    expect(asCase).toMatchObject({ status: 409, json: { message: `decision id ${caseId} is already used by an enforcement case; a decision id is never reused.` } });
    await expect(client.decision(caseId).status()).rejects.toThrow(/not found/i);
    expect(await recordExists(db, caseId)).toEqual(['enforcement']);
    const overNats = (await nc.request('juece.commands.startDecision', JSON.stringify({ proposal: withdrawn }), { timeout: 10_000 })).json<{ ok: boolean; error?: { code: string; message: string } }>();
    expect(overNats).toMatchObject({ ok: false, error: { code: 'refused', message: expect.stringContaining('never reused') } });
    await new Promise((r) => setTimeout(r, 500)); // anything stray would reach the record by now
    expect(await entries()).toBe(before);
    expect(await recordExists(db, withdrawn.decisionId)).toEqual(['majorDecision']);

    await enforcement.handle.terminate('test done');
    await client.decision(waiting.decisionId).handle.terminate('test done');
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
    const wrongRole = await act(id, 'expert', 'openConsultation', sampleInput.openConsultation(retroactiveConsultation()));
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
  const cli = (who: string, ...args: string[]) => dev.cli(who, ...args);

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
    const { requestId: _requestId, ...openInput } = withoutActor(sampleInput.openConsultation(retroactiveConsultation()));
    const opened = await cli('undertakingUnit', 'submit', id, 'openConsultation', '-f', file('open.json', openInput));
    expect(opened.code).toBe(0);
    expect(opened.stdout).toMatch(/^#\d+ consultation opened on/);

    const status = await cli('undertakingUnit', 'status', id);
    expect(status.stdout).toContain(`${proposal.title} (${id})`);
    expect(status.stdout).toContain('open steps: publicParticipation 公众参与');
    expect(status.stdout).toContain('comments: 0 received, 0 distinct, 0 campaigns');
    // The count of all events (the status carries only the latest), as the API gave it a moment later or fewer.
    const shown = Number(/\n(\d+) procedure events/.exec(status.stdout)?.[1]);
    const statusJson = JSON.parse((await cli('undertakingUnit', 'status', id, '--json')).stdout);
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(statusJson.events ?? statusJson.history.length);
    const listed = JSON.parse((await cli('supervisor', 'list', '--json', '--authority', proposal.authority.code)).stdout) as { decisionId: string }[];
    for (let i = 0; i < 50 && !listed.some((d) => d.decisionId === id); i++) {
      await new Promise((r) => setTimeout(r, 100));
      listed.splice(0, listed.length, ...JSON.parse((await cli('supervisor', 'list', '--json')).stdout));
    }
    expect(listed.map((d) => d.decisionId)).toContain(id);
    const byKind = await cli('supervisor', 'list', '--kind', 'majorDecision', '--status', 'inProgress');
    expect(byKind.code).toBe(0);
    expect(byKind.stdout.split('\n').find((l) => l.startsWith(id))).toMatch(/majorDecision .*inProgress/);
    expect((await cli('supervisor', 'list', '--kind', 'enforcement', '--json')).stdout).not.toContain(id);
    expect((await cli('supervisor', 'list', '--kind', 'decision')).code).toBe(2);
    expect((await cli('supervisor', 'list', '--status', 'adopted')).code).toBe(2);
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
    // The same proposal again: its id is in the record, so it is never started again.
    const reused = await cli('undertakingUnit', 'start', '-f', path.join(files, 'proposal.yaml'));
    expect(reused).toMatchObject({ code: 5 });
    expect(reused.stderr).toContain(`decision id ${id} is already used by a major decision; a decision id is never reused.`);
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

describe('hostile and malformed input, at every way in', () => {
  it('answers each with a clear error and changes nothing', async () => {
    const proposal = sampleProposal(uniqueId('hostile'));
    const id = proposal.decisionId;
    expect((await call('POST', '/decisions', 'undertakingUnit', proposal)).status).toBe(201);
    expect((await act(id, 'undertakingUnit', 'openConsultation', sampleInput.openConsultation(retroactiveConsultation()))).status).toBe(200);
    // Once the consultation's notice is out and its (past) period closed, nothing happens until someone acts.
    const settled = async () => (await client.decision(id).status()).history.map((e) => e.type);
    for (let i = 0; i < 100; i++) {
      const types = await settled();
      if (types.includes('noticePublished') && types.includes('commentPeriodClosed')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const historyBefore = eventCount(await client.decision(id).status());
    const decisionsBefore = await db.query('SELECT count(*) AS n FROM decisions');
    const commentsBefore = await db.query('SELECT count(*) AS n FROM comments');

    const strings = {
      nul: 'abc\u0000def',
      loneSurrogate: 'abc\ud800def',
      control: 'bell\u0007',
      huge: '长'.repeat(20_001),
      empty: '   ',
    };
    const injections = ["'; DROP TABLE decisions; --", '<script>alert(1)</script>', '../../etc/passwd', '{{7*7}}${7*7}', '$(rm -rf /)'];

    // POST /decisions: wrong types, bad strings, ids that are not ids, unknown fields, not an object.
    const proposals: [string, unknown, string][] = [
      ['not an object', [proposal], '(body)'],
      ['wrong type', { ...proposal, title: 42 }, 'title'],
      ['NUL in a title', { ...proposal, decisionId: uniqueId('x'), title: strings.nul }, 'title'],
      ['lone surrogate', { ...proposal, decisionId: uniqueId('x'), title: strings.loneSurrogate }, 'title'],
      ['control character', { ...proposal, decisionId: uniqueId('x'), title: strings.control }, 'title'],
      ['oversized', { ...proposal, decisionId: uniqueId('x'), title: strings.huge }, 'title'],
      ['blank', { ...proposal, decisionId: uniqueId('x'), title: strings.empty }, 'title'],
      ['unknown field', { ...proposal, decisionId: uniqueId('x'), isAdmin: true }, ''],
      ...injections.map((inj): [string, unknown, string] => [`injection as id: ${inj}`, { ...proposal, decisionId: inj }, 'decisionId']),
    ];
    for (const [what, body, field] of proposals) {
      const r = await call('POST', '/decisions', 'undertakingUnit', body);
      expect(r.status, what).toBe(400);
      expect(r.json.error, what).toBe('invalid');
      if (field && field !== '(body)') expect(r.json.issues.map((i: { path: string }) => i.path), what).toContain(field);
    }
    // Injection strings as free text are text, stored as written, never executed.
    const weird = { ...proposal, decisionId: uniqueId('inj'), title: injections.join(' ') };
    expect((await call('POST', '/decisions', 'undertakingUnit', weird)).status).toBe(201);
    expect((await client.decision(weird.decisionId).status()).title).toBe(injections.join(' '));
    await client.decision(weird.decisionId).handle.terminate('test done');

    // Actions: bad dates, wrong types, unknown fields, forged actors.
    const actions: [string, string, Record<string, unknown>][] = [
      ['impossible date', 'scheduleHearing', { ...withoutActor(sampleInput.openConsultation('2026-02-30')) }],
      ['wrong type', 'completeExpertReview', { requestId: uniqueId('req'), summary: ['not', 'text'] }],
      ['unknown field', 'withdraw', { requestId: uniqueId('req'), reason: '—', sql: "' OR 1=1 --" }],
      ['negative period', 'openConsultation', { ...withoutActor(sampleInput.openConsultation(retroactiveConsultation())), periodDays: -5 }],
      ['request id too short', 'withdraw', { requestId: 'x', reason: '—' }],
      ['NUL', 'withdraw', { requestId: uniqueId('req'), reason: strings.nul }],
    ];
    for (const [what, action, body] of actions) {
      const r = await call('POST', `/decisions/${id}/actions/${action}`, 'undertakingUnit', body);
      expect(r.status, what).toBe(400);
      expect(r.json.issues.length, what).toBeGreaterThan(0);
    }
    expect(await oversizedPost(`/decisions/${id}/actions/openConsultation`, tokens.undertakingUnit!, 2 ** 20 + 10)).toBe(413);

    // Comments: not a list, too many, malformed entries; nothing stored.
    for (const comments of ['text', Array.from({ length: 5001 }, (_, i) => ({ submitter: `s${i}`, text: 't' })), [{ submitter: 's', text: strings.loneSurrogate }], [{ submitter: 's', text: 'ok', score: 5 }]]) {
      expect((await call('POST', `/decisions/${id}/comments`, 'undertakingUnit', { comments })).status).toBe(400);
    }

    // Queries.
    for (const q of ['limit=-1', 'limit=abc', 'step=approval', 'overdue=maybe', 'orderBy=1', 'status=adopted', "status=stopped'--", 'kind=decision']) {
      expect((await call('GET', `/decisions?${q}`, 'supervisor')).status, q).toBe(400);
    }

    // Tokens: unsigned, signed with another key, a role that does not exist, claims missing, expired.
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = { sub: 'x', name: 'x', role: 'supervisor', org: 'x', authority: 'shifan-gov', iss: 'juece', aud: 'juece-api', exp: Math.floor(Date.now() / 1000) + 600 };
    const bad = {
      unsigned: `${b64({ alg: 'none' })}.${b64(claims)}.`,
      otherKey: await signToken('another-secret-of-at-least-thirty-two-chars', { actor: sampleActors.supervisor, authority: 'shifan-gov' }),
      forgedRole: tokens.undertakingUnit!.replace(/^([^.]+)\.([^.]+)\./, (_m, h) => `${h}.${b64({ ...claims, role: 'admin' })}.`),
      expired: tokens.expired!,
    };
    const { SignJWT } = await import('jose');
    const noClaims = await new SignJWT({ role: 'headOfGovernment' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('juece').setAudience('juece-api').sign(new TextEncoder().encode(TEST_JWT_SECRET));
    for (const [what, token] of Object.entries({ ...bad, noClaims })) {
      const r = await fetch(`${api.url}/decisions/${id}`, { headers: { authorization: `Bearer ${token}` } });
      expect(r.status, what).toBe(401);
    }

    // NATS commands: the same kinds of input.
    const nats = async (subject: string, body: unknown) => (await nc.request(`juece.commands.${subject}`, JSON.stringify(body), { timeout: 10_000 })).json<{ ok: boolean; error?: { code: string } }>();
    for (const [what, body] of proposals) expect((await nats('startDecision', { proposal: body })).error?.code, what).toBe('invalid');
    for (const [what, action, input] of actions) expect((await nats('act', { decisionId: id, action, input: { ...input, actor: sampleActors.undertakingUnit } })).error?.code, what).toBe('invalid');

    // Updates sent straight to the workflow, past the client's checks: its validators refuse them unrecorded.
    const raw: [string, unknown][] = [
      ['openConsultation', { periodDays: 'many' }],
      ['withdraw', { requestId: uniqueId('req'), actor: { ...sampleActors.head, role: 'admin' }, reason: 'x' }],
      ['withdraw', { requestId: uniqueId('req'), actor: sampleActors.head, reason: strings.nul }],
    ];
    for (const [update, args] of raw) {
      const refused = await client.decision(id).handle.executeUpdate(update, { args: [args] }).then(() => undefined, (err: Error) => err);
      expect((refused?.cause as Error | undefined)?.message, update).toMatch(/Invalid|must|expected/);
    }

    // Nothing changed.
    expect(eventCount(await client.decision(id).status())).toBe(historyBefore);
    expect(await db.query('SELECT count(*) AS n FROM comments')).toEqual(commentsBefore);
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 50)); // let the projector see anything stray
    expect(Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM decisions'))[0]!.n)).toBeLessThanOrEqual(Number((decisionsBefore[0] as { n: string }).n) + 1); // the one with injection strings as its title
    await client.decision(id).handle.terminate('test done');
  });
});

