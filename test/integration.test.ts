/**
 * End to end on the real Temporal dev server (Temporal CLI, SQLite) and the real nats-server with JetStream,
 * both started by globalSetup: a decision's events arrive in NATS once each and in order, and decisions can be
 * found by where they stand through the custom search attributes.
 */
import { Client, Connection } from '@temporalio/client';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { JueceClient } from '../client';
import { readDecisionEvents } from '../client/events';
import { driveSampleDecision, sampleInput, sampleProposal } from '../client/sample';
import { shanghaiDate } from '../domain/procedure';
import { createWorker, type JueceWorker } from '../workers/worker';
import { uniqueId } from './helpers';

let connection: Connection;
let client: JueceClient;
let jw: JueceWorker;
let running: Promise<void>;
let nc: NatsConnection;

beforeAll(async () => {
  const taskQueue = uniqueId('it');
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new JueceClient(new Client({ connection, namespace: 'default' }), taskQueue);
  jw = await createWorker({
    temporalAddress: inject('temporalAddress'),
    namespace: 'default',
    taskQueue,
    natsUrl: inject('natsUrl'),
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  running = jw.worker.run();
  nc = await connect({ servers: inject('natsUrl') });
});

afterAll(async () => {
  jw?.worker.shutdown();
  await running;
  await jw?.close();
  await nc?.close();
  await connection?.close();
});

/** Polls until `fn` returns a value, for what the servers make visible eventually. */
async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('on the dev server with NATS JetStream', () => {
  it('publishes every event of a full decision to JetStream exactly once, in order', async () => {
    const proposal = sampleProposal(uniqueId('e2e'));
    const d = await client.startDecision(proposal);
    await driveSampleDecision(d, { openedOn: shanghaiDate(Date.now() - 31 * 86_400_000) });
    const final = await d.result();
    expect(final.status).toBe('published');

    const events = await eventually(async () => {
      const got = await readDecisionEvents(nc, proposal.authority.code, proposal.decisionId);
      return got.length >= final.history.length ? got : undefined;
    });
    expect(events.map((e) => e.seq)).toEqual(final.history.map((h) => h.seq));
    expect(events.map((e) => e.type)).toEqual(final.history.map((h) => h.type));
    expect(events.every((e) => e.decisionId === proposal.decisionId && e.workflowId === d.workflowId)).toBe(true);
    expect(events.find((e) => e.type === 'stepCompleted' && e.step === 'legalityReview')?.actor?.role).toBe('legalityReviewer');
  });

  it('finds decisions by the step they wait on, through the search attributes', async () => {
    const proposal = sampleProposal(uniqueId('sa'));
    const d = await client.startDecision(proposal);
    await d.openConsultation(sampleInput.openConsultation(shanghaiDate(Date.now() - 31 * 86_400_000)));
    await eventually(async () => ((await d.status()).history.some((e) => e.type === 'commentPeriodClosed') ? true : undefined));
    await d.completePublicParticipation(sampleInput.publicParticipationReport());
    await d.completeExpertReview(sampleInput.expertReview());
    await d.completeRiskAssessment(sampleInput.riskAssessment());

    const query = `JueceStep = "legalityReview" AND JueceAuthority = "${proposal.authority.code}" AND WorkflowId = "${d.workflowId}"`;
    const found = await eventually(async () => {
      for await (const wf of client.client.workflow.list({ query })) return wf;
      return undefined;
    });
    expect(found.workflowId).toBe(d.workflowId);
    expect(found.status.name).toBe('RUNNING');
    await d.handle.terminate('test done');
  });

  it('refuses to start the same decision twice', async () => {
    const proposal = sampleProposal(uniqueId('twice'));
    const d = await client.startDecision(proposal);
    await expect(client.startDecision(proposal)).rejects.toThrow(`Decision ${proposal.decisionId} already exists`);
    await d.handle.terminate('test done');
  });
});
