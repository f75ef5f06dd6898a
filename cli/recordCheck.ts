/**
 * `juece record check [--repair] [--all] [--json]`: every procedure record against its workflow, for an operator.
 * Reads the record's database (JUECE_DATABASE_URL, or PGlite in the data folder: stop the projector first, PGlite
 * takes one process) and Temporal (TEMPORAL_ADDRESS) directly. Checks the records not yet settled (the workflow closed
 * and the record holds all of it), with --all every record, and the workflows Temporal lists that have no record at
 * all. Lists each record behind its workflow; with --repair fills it from the workflow's history, in order.
 * Exit codes: 0 every record complete, 1 a server could not be reached, 2 bad input, 5 records remain incomplete.
 */
import { Command, CommanderError } from 'commander';
import { JueceClient } from '../client';
import { loadConfig, recordDbTarget } from '../infra/config';
import { checkRecords, incompleteRecords, type CheckResult, type CheckTarget } from '../projector/repair';
import { temporalEventSource } from '../projector/source';
import { openDb } from '../store/db';

const program = new Command('juece record check')
  .description('check every procedure record against its workflow; with --repair, fill the missing events from the workflow')
  .option('--repair', "record the missing events from the workflow's history")
  .option('--all', 'also the records already settled (workflow closed, record complete)')
  .option('--json', 'one JSON document')
  .action(async (o: { repair?: boolean; all?: boolean; json?: boolean }) => {
    const cfg = loadConfig();
    const db = await openDb(recordDbTarget(cfg));
    const temporal = await JueceClient.connect({ address: cfg.temporalAddress, namespace: cfg.namespace, taskQueue: cfg.taskQueue });
    try {
      const source = temporalEventSource(temporal.client, { taskQueue: cfg.taskQueue });
      const rows = await db.query<{ kind: CheckTarget['kind']; decision_id: string; source_mark: string | null }>(
        `SELECT kind, decision_id, source_mark FROM decisions ${o.all ? '' : 'WHERE NOT settled'} ORDER BY kind, decision_id`,
      );
      const targets = new Map<string, CheckTarget>(rows.map((r) => [`${r.kind} ${r.decision_id}`, { kind: r.kind, decisionId: r.decision_id, mark: o.all ? null : r.source_mark }]));
      const all = await db.query<{ kind: string; decision_id: string }>('SELECT kind, decision_id FROM decisions');
      const known = new Set(all.map((r) => `${r.kind} ${r.decision_id}`));
      for (const w of await source.startedSince(new Date(0))) {
        const key = `${w.kind} ${w.decisionId}`;
        if (!known.has(key)) targets.set(key, { ...w, mark: null });
      }
      const list = [...targets.values()];
      const results: CheckResult[] = [];
      const started = Date.now();
      for (let i = 0; i < list.length; i += 50) {
        results.push(...(await checkRecords(db, source, list.slice(i, i + 50), { repair: Boolean(o.repair), graceMs: o.repair ? 2_000 : 0 })));
        if (!o.json && list.length > 50) process.stderr.write(`checked ${results.length} of ${list.length} (${Math.round((Date.now() - started) / 1000)} s)\n`);
      }
      const behind = results.filter((r) => r.published !== undefined && r.published > r.recorded);
      const incomplete = await incompleteRecords(db);
      if (o.json) {
        console.log(JSON.stringify({ checked: results.length, behind, incomplete }, null, 2));
      } else {
        for (const r of behind) {
          const what = `${r.kind} ${r.decisionId}: record ${r.recorded} of ${r.published} events its workflow published`;
          const done = r.repaired ? `; ${r.repaired} recorded from the workflow` : o.repair ? '' : ' (run with --repair to fill it)';
          console.log(`${what}${done}${r.lost.length ? `; events ${r.lost.join(', ')} lost beyond repair (not in the workflow's history)` : ''}`);
        }
        console.log(
          `${results.length} record(s) checked against their workflows: ${behind.length} behind, ${behind.reduce((n, r) => n + r.repaired, 0)} event(s) repaired; ` +
            (incomplete.length ? `${incomplete.length} record(s) still incomplete` : 'every record complete'),
        );
      }
      if (incomplete.length) process.exitCode = 5;
    } finally {
      await temporal.close();
      await db.close();
    }
  });

// Bad options exit 2 (bad input), as the header says; --help exits 0.
program.exitOverride();
program.parseAsync(process.argv).catch((err) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  console.error(`juece record check: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
