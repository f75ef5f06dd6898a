/**
 * An action on a decision that has ended, on the real dev server, NATS and PostgreSQL: the client raises
 * DecisionClosed with where it ended, the API answers 409 `{ error: 'closed', status }` (recorded as a refusal), the
 * NATS command answers code `closed`, and the CLI exits 5; past Temporal's retention (its workflow deleted) the record
 * still says how it ended. A decision that never existed is still 404.
 */
import type { NatsConnection } from 'nats';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../api/auth';
import type { RunningApi } from '../api/server';
import { DecisionClosed, type JueceClient } from '../client';
import { sampleInput, sampleProposal } from '../client/sample';
import { CommentIntake } from '../commands/commentIntake';
import { startCommandResponder, type CommandReply, type CommandResponder } from '../commands/nats';
import { shanghaiDate } from '../domain/procedure';
import type { Db } from '../store/db';
import { getDecision } from '../store/record';
import { eventCount, startApiHarness, TEST_JWT_SECRET, uniqueId, until, type ApiHarness } from './helpers';

let client: JueceClient;
let dev: ApiHarness;
let nc: NatsConnection;
let db: Db;
let api: RunningApi;
let responder: CommandResponder;
let call: ApiHarness['call'];
let cli: ApiHarness['cli'];

beforeAll(async () => {
  dev = await startApiHarness('closed');
  ({ client, nc, db, api, call, cli } = dev);
  responder = startCommandResponder({ nc, client, intake: new CommentIntake({ db }), db });
});

afterAll(async () => {
  await responder?.stop();
  await dev?.stop();
});

const withoutActor = ({ actor: _actor, ...rest }: Record<string, unknown>) => rest;
const act = async (id: string, who: string, action: string, input: Record<string, unknown>) => {
  const { status, json } = await call('POST', `/decisions/${id}/actions/${action}`, who, withoutActor(input));
  return { status, json };
};
const overNats = async (body: unknown) => (await nc.request('juece.commands.act', JSON.stringify(body), { timeout: 10_000 })).json<CommandReply>();

const files = mkdtempSync(path.join(tmpdir(), 'juece-closed-'));

/** Starts a decision over the API and withdraws it: its workflow completes with the status `withdrawn`. */
async function withdrawnDecision(prefix: string): Promise<string> {
  const proposal = sampleProposal(uniqueId(prefix));
  expect((await call('POST', '/decisions', 'undertakingUnit', proposal)).status).toBe(201);
  expect((await act(proposal.decisionId, 'head', 'withdraw', { requestId: uniqueId('req'), reason: '上级政策调整' })).status).toBe(200);
  expect((await client.decision(proposal.decisionId).result()).status).toBe('withdrawn');
  return proposal.decisionId;
}

describe('an action on a closed decision', () => {
  it('is refused with 409 and where the decision ended, over the client, the API, NATS and the CLI', async () => {
    const id = await withdrawnDecision('closed');
    const opening = sampleInput.openConsultation(shanghaiDate(Date.now()));

    // The client: a typed refusal naming the final status, not the server's "workflow execution already completed".
    const refused = await client.decision(id).openConsultation(opening).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(DecisionClosed);
    expect(refused).toMatchObject({ id, status: 'withdrawn', message: `${id} is closed (withdrawn): it takes no more actions.` });

    // The API: 409 with the status, recorded among the refusals.
    const before = (await db.query('SELECT count(*) AS n FROM access_refusals WHERE status = 409'))[0]!.n;
    const http = await act(id, 'undertakingUnit', 'openConsultation', opening);
    expect(http).toEqual({ status: 409, json: { error: 'closed', status: 'withdrawn', message: `${id} is closed (withdrawn): it takes no more actions.` } });
    expect(Number((await db.query('SELECT count(*) AS n FROM access_refusals WHERE status = 409'))[0]!.n)).toBe(Number(before) + 1);
    expect((await act(id, 'head', 'withdraw', { requestId: uniqueId('req'), reason: '再次撤回' })).json).toMatchObject({ error: 'closed', status: 'withdrawn' });
    // Reading it is as before.
    expect((await call('GET', `/decisions/${id}`, 'supervisor')).json).toMatchObject({ decisionId: id, status: 'withdrawn' });

    // NATS: code closed, with the status.
    expect(await overNats({ decisionId: id, action: 'openConsultation', input: opening })).toEqual({
      ok: false,
      error: { code: 'closed', status: 'withdrawn', message: `${id} is closed (withdrawn): it takes no more actions.` },
    });

    // The CLI: exit 5 (refused by the procedure), the reason on stderr.
    const file = path.join(files, 'open.json');
    const { requestId: _requestId, ...input } = withoutActor(opening);
    writeFileSync(file, JSON.stringify(input));
    const shown = await cli('undertakingUnit', 'submit', id, 'openConsultation', '-f', file);
    expect(shown).toMatchObject({ code: 5, stdout: '' });
    expect(shown.stderr).toBe(`juece: ${id} is closed (withdrawn): it takes no more actions.\n`);

    // A decision that never existed is still not found.
    expect((await act('no-such-decision', 'undertakingUnit', 'openConsultation', opening)).status).toBe(404);
    expect(await overNats({ decisionId: 'no-such-decision', action: 'openConsultation', input: opening })).toMatchObject({ ok: false, error: { code: 'notFound' } });
    expect(await cli('undertakingUnit', 'submit', 'no-such-decision', 'openConsultation', '-f', file)).toMatchObject({ code: 4 });
  });

  it('names how a workflow ended that gave no result (terminated)', async () => {
    const proposal = sampleProposal(uniqueId('term'));
    expect((await call('POST', '/decisions', 'undertakingUnit', proposal)).status).toBe(201);
    await until('the decision in the record', 20_000, async () => getDecision(db, 'majorDecision', proposal.decisionId));
    await client.decision(proposal.decisionId).handle.terminate('test: terminated by an operator');
    const http = await act(proposal.decisionId, 'undertakingUnit', 'openConsultation', sampleInput.openConsultation(shanghaiDate(Date.now())));
    expect(http).toMatchObject({ status: 409, json: { error: 'closed', status: 'terminated' } });
  });

  it('is answered from the record once Temporal no longer has the workflow (past its retention)', async () => {
    const id = await withdrawnDecision('gone');
    const final = await client.decision(id).result();
    await until('the withdrawal in the record', 20_000, async () => (await getDecision(db, 'majorDecision', id))?.events === eventCount(final));
    // What the namespace's retention does in the end: the closed workflow and its history are deleted.
    await client.client.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: `decision-${id}` } });
    await until('the workflow deleted', 90_000, async () => client.decision(id).handle.describe().then(() => false, (err) => err instanceof WorkflowNotFoundError));

    const opening = sampleInput.openConsultation(shanghaiDate(Date.now()));
    expect(await act(id, 'undertakingUnit', 'openConsultation', opening)).toEqual({
      status: 409,
      json: { error: 'closed', status: 'withdrawn', message: `${id} is closed (withdrawn): it takes no more actions.` },
    });
    expect(await overNats({ decisionId: id, action: 'openConsultation', input: opening })).toMatchObject({ ok: false, error: { code: 'closed', status: 'withdrawn' } });
    // Another office still may not learn about it by acting.
    const other = await signToken(TEST_JWT_SECRET, { actor: { id: 'u-edu-01', name: '周老师', role: 'undertakingUnit', organisation: '示范市教育局' }, authority: 'shifan-gov' });
    const res = await fetch(`${api.url}/decisions/${id}/actions/openConsultation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json' },
      body: JSON.stringify(withoutActor(opening)),
    });
    expect(res.status).toBe(403);
  });
});
