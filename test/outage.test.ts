/**
 * NATS going away in the middle of a decision, on the real dev server and a nats-server of this test's own: the
 * procedure goes on, the event publications wait and retry, and once NATS is back every event is in the stream
 * exactly once and in order.
 */
import { connect } from 'nats';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JueceClient } from '../client';
import { readDecisionEvents } from '../client/events';
import { commentPeriodClosed, retroactiveConsultation, sampleActors, sampleInput, sampleProposal, stepOpen } from '../client/sample';
import { freePort, startNats, type RunningServer } from '../infra/servers';
import { expectWholeHistory, startDevHarness, uniqueId, type DevHarness } from './helpers';

let client: JueceClient;
let dev: DevHarness;
let nats: RunningServer;
let natsOptions: Parameters<typeof startNats>[0];

beforeAll(async () => {
  natsOptions = { binary: inject('natsServerPath'), port: await freePort(), storeDir: mkdtempSync(path.join(tmpdir(), 'juece-nats-')) };
  nats = await startNats(natsOptions);
  dev = await startDevHarness({ prefix: 'outage', natsUrl: nats.address });
  client = dev.client;
});

afterAll(async () => {
  await dev?.stop();
  await nats?.stop();
});

describe('with NATS stopped and restarted in the middle of a decision', () => {
  it('loses, duplicates and reorders no event', async () => {
    const proposal = sampleProposal(uniqueId('outage'));
    const d = await client.startDecision(proposal);
    await d.openConsultation(sampleInput.openConsultation(retroactiveConsultation()));
    await d.assignExperts(sampleInput.assignExperts());
    await d.submitExpertOpinion(sampleInput.expertOpinion());

    await nats.stop();
    // The procedure does not wait for NATS: the steps are taken, their events wait to be published.
    await d.completeExpertReview(sampleInput.completeExpertReview());
    await d.completeRiskAssessment(sampleInput.riskAssessment());
    await commentPeriodClosed(d);
    await d.completePublicParticipation(sampleInput.publicParticipationReport());
    await new Promise((r) => setTimeout(r, 3000));
    nats = await startNats(natsOptions);

    await stepOpen(d, 'legalityReview');
    await d.requestLegalityReview(sampleInput.requestLegalityReview());
    await d.assignLegalityReviewer(sampleInput.assignLegalityReviewer());
    await d.completeLegalityReview(sampleInput.legalityReview());
    await stepOpen(d, 'collectiveDecision');
    await d.recordCollectiveDecision(sampleInput.collectiveDecision());
    await stepOpen(d, 'partyCommitteeReport');
    await d.recordPartyCommitteeReport(sampleInput.partyCommitteeReport());
    await stepOpen(d, 'publication');
    await d.recordPublication(sampleInput.publication());
    await d.stopExecution({ requestId: uniqueId('req'), actor: sampleActors.head, reason: '测试结束', procedureReference: '测试' });
    // The workflow finishes only once every event it recorded is published.
    const final = await d.result();

    const nc = await connect({ servers: nats.address });
    try {
      const events = await readDecisionEvents(nc, proposal.authority.code, proposal.decisionId);
      expectWholeHistory(events, final);
      expect(new Set(events.map((e) => e.seq)).size).toBe(events.length);
      expect(events.some((e) => e.type === 'stepCompleted' && e.step === 'riskAssessment')).toBe(true);
    } finally {
      await nc.close();
    }
  });
});
