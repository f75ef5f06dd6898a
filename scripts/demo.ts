/**
 * The main job on embedded defaults (`npm start`): provisions and starts the Temporal dev server and NATS,
 * starts a worker and the projector (procedure record in PGlite, or JUECE_DATABASE_URL), and drives one sample
 * decision through every step, printing each event as NATS delivers it, then the record's verified hash chain.
 * Servers keep running afterwards so the history can be browsed in the Web UI; `--once` stops everything instead.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connect } from 'nats';
import { randomBytes } from 'node:crypto';
import { JueceClient } from '../client';
import { followDecisionEvents } from '../client/events';
import { retroactiveConsultation, driveSampleDecision, sampleActors, sampleProposal } from '../client/sample';
import { shanghaiDate, STEPS } from '../domain/procedure';
import type { DecisionStatus } from '../domain/schemas';
import { loadConfig, recordDbTarget } from '../infra/config';
import { devSecret, signToken } from '../api/auth';
import { startApi } from '../api/server';
import { CommentIntake } from '../commands/commentIntake';
import { startCommandResponder } from '../commands/nats';
import { startProjector } from '../projector/projector';
import { temporalEventSource } from '../projector/source';
import { openDb } from '../store/db';
import { verifyRecord } from '../store/record';
import { startLocalStack, untilInterrupted } from '../infra/stack';
import { createWorker } from '../workers/worker';
import { connectNats } from '../infra/nats';

const once = process.argv.includes('--once');
/** Events recorded in all (a status carries only the latest). */
const eventCount = (s: DecisionStatus) => s.events ?? s.history.length;
const say = (line: string) => console.log(line);

async function main() {
  const cfg = loadConfig();
  // Keep the terminal for the decision's own events; the worker speaks only of problems.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stack = await startLocalStack(cfg, say);
  const { temporal, nats } = stack;

  const jw = await createWorker({
    temporalAddress: temporal.address,
    namespace: cfg.namespace,
    taskQueue: cfg.taskQueue,
    natsUrl: nats.address,
    calendarDir: cfg.calendarDir,
    noticeOutbox: cfg.noticeOutbox,
  });
  const running = jw.worker.run();
  say(`Worker polling task queue "${cfg.taskQueue}"${cfg.noticeOutbox ? `; public notices also written to ${cfg.noticeOutbox}` : ''}`);
  const target = recordDbTarget(cfg);
  const db = await openDb(target);
  const projectorNats = await connectNats(nats.address, 'juece-projector');
  const client = await JueceClient.connect({ address: temporal.address, namespace: cfg.namespace, taskQueue: cfg.taskQueue });
  const projector = await startProjector({ nc: projectorNats, db, durable: cfg.projectorName, source: temporalEventSource(client.client, { taskQueue: cfg.taskQueue }), log: say });
  say(`Projector keeping the procedure record in ${'url' in target ? 'PostgreSQL' : `PGlite at ${target.dir}`}, repaired from the workflows if the stream loses an event`);

  const api = await startApi(cfg, { client, db, nats: projectorNats });
  const intake = new CommentIntake({ db });
  const responder = startCommandResponder({ nc: projectorNats, client, intake, db, log: say });
  say('Answering juece.commands.* over NATS (start, act, comments)');
  say(`HTTP API on ${api.url} (OpenAPI at ${api.url}/openapi.json${api.devTokens ? '; `npx juece token` prints a token for each role' : ''})`);
  const proposal = sampleProposal(`demo-${shanghaiDate(Date.now()).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`);
  const watcher = await connect({ servers: nats.address, name: 'juece-demo' });
  let printed = 0;
  const follow = await followDecisionEvents(watcher, proposal.authority.code, proposal.decisionId, (e) => {
    printed = e.seq;
    const step = e.step ? ` ${e.step} ${STEPS[e.step].term}` : '';
    const who = e.actor ? ` by ${e.actor.name} (${e.actor.organisation})` : '';
    const basis = e.basis ? ` [${e.basis}]` : '';
    say(`  #${String(e.seq).padStart(2)} ${e.type}${step}: ${e.summary}${who}${basis}`);
  });

  const decision = await client.startDecision(proposal);
  const uiUrl = `${stack.uiUrl}/namespaces/${cfg.namespace}/workflows/${decision.workflowId}`;
  say(`\nDecision "${proposal.title}"`);
  say(`  workflow id: ${decision.workflowId}`);
  say(`  history in the Web UI: ${uiUrl}\n`);
  // A consultation opens with its notice, today, and its 30 days cannot be skipped on a real server: the sample's was
  // held on the government portal 45 days ago, and is recorded after the fact (补录) with its original notice.
  const consultation = retroactiveConsultation();
  say(
    `The consultation was held elsewhere: ${consultation.retroactive.noticeReference} of ${consultation.retroactive.noticeDate} on ${consultation.retroactive.heldAt}, ` +
      'its 30-day period over; it is recorded as a retroactive record (补录), never as a consultation opened in the past.\n',
  );
  await driveSampleDecision(decision, { consultation });
  // Published and archived, the decision goes on into execution (reports, evaluation, suspension or stop).
  let final = await decision.status();
  for (let waited = 0; waited < 15_000; waited += 50) {
    final = await decision.status();
    if (final.history.some((e) => e.type === 'archived') && printed >= eventCount(final)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await follow.stop();
  await watcher.close();
  say(`\nDecision ${final.decisionId}: published and archived, now ${final.status}; ${eventCount(final)} procedure events.`);
  await projector.idle(60_000);
  const verified = await verifyRecord(db, 'majorDecision', final.decisionId);
  say(`Procedure record: ${verified.entries} entries, hash chain ${verified.ok ? 'verified' : `BROKEN at entry ${verified.brokenAt}: ${verified.reason}`}`);
  if (api.devTokens) {
    const token = await signToken(devSecret(cfg.dataDir), { actor: sampleActors.supervisor, authority: proposal.authority.code });
    const res = await fetch(`${api.url}/decisions/${final.decisionId}/record?format=html`, { headers: { authorization: `Bearer ${token}` } });
    say(`A supervisor reads it over the API: GET /decisions/${final.decisionId}/record?format=html → ${res.status} ${res.status === 200 ? '(a printable page)' : await res.text()}`);
  }
  say(`See its history at ${uiUrl}`);
  say(
    `The workspace: ${api.url}/app (${api.devTokens ? 'sign in as any sample actor, e.g. 吴督察 the supervisor for the dashboard, or 王敏 the office' : 'sign in with a token'}); ` +
      `this decision at ${api.url}/app/decisions/${final.decisionId}; the public's consultations at ${api.url}/public/consultations/${proposal.authority.code}`,
  );

  const shutdown = async () => {
    if (jw.worker.getState() === 'RUNNING') jw.worker.shutdown();
    await running;
    await jw.close();
    await api.stop();
    await responder.stop();
    await projector.stop();
    await projectorNats.close();
    await db.close();
    await client.close();
    await stack.stop();
  };
  if (once) {
    await shutdown();
    return;
  }
  say('\nThe servers keep running so you can browse the history. Press Ctrl-C to stop them.');
  await untilInterrupted();
  say('Stopping…');
  await shutdown();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
