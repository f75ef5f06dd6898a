/**
 * Benchmark (run on demand: `npm run bench:comments`): one consultation's comments at millions (公开征求意见, arts.
 * 15, 18), on a real PostgreSQL started here in a temporary folder. BENCH_COMMENTS comments (bench/commentMix.ts:
 * campaigns, common texts, comments of their own, resubmissions) go through the store's own ingest in batches of
 * 5,000; at every slice it prints the intake rate of that slice (the growth curve), the database's size, and the time
 * of what is read at that size: the public counts (the consultation page, a decision's status), the adoption report's
 * groups as the API and the public page ask them (the first page with its total, the campaigns, what is unanswered, a
 * page halfway down) and the whole adoption report, streamed (every group once). At the end the store's counts must be
 * those the generator knows (received, groups, campaigns, the largest campaign), or it fails.
 * Sizes: BENCH_COMMENTS (default 1,000,000), BENCH_SLICES (default 10).
 */
import { chmodSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../infra/config';
import { ensurePostgres } from '../infra/provision';
import { freePort, startPostgres, type RunningServer } from '../infra/servers';
import { adoptionReportGroups, CAMPAIGN_MIN_SUBMITTERS, commentCounts, commentGroups, ingestComments, MAX_BATCH, normalizeComment, recordAdoption } from '../store/comments';
import { openDb, type Db } from '../store/db';
import { campaignText, commentAt, Expected } from './commentMix';
import { size } from './common';

const COMMENTS = size('BENCH_COMMENTS', 1_000_000, MAX_BATCH);
const SLICES = size('BENCH_SLICES', 10, 1);
const decisionId = 'bench-consultation';
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const mib = (bytes: number) => `${fmt(bytes / 2 ** 20)} MiB`;

/** Median of three runs of `fn`, in ms, and its last answer. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const times: number[] = [];
  let value!: T;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    value = await fn();
    times.push(performance.now() - t);
  }
  return { ms: times.sort((a, b) => a - b)[1]!, value };
}

async function sizes(db: Db): Promise<string> {
  const [r] = await db.query<{ db: string; comments: string; groups: string }>(
    "SELECT pg_database_size(current_database()) AS db, pg_total_relation_size('comments') AS comments, pg_total_relation_size('comment_groups') AS groups",
  );
  return `${mib(Number(r!.db))} (comments ${mib(Number(r!.comments))}, groups ${mib(Number(r!.groups))})`;
}

/** What is read at this size, each the median of three. */
async function reads(db: Db, groups: number): Promise<string[]> {
  const counts = await timed(() => commentCounts(db, decisionId));
  const first = await timed(() => commentGroups(db, decisionId, { limit: 100 }));
  const campaigns = await timed(() => commentGroups(db, decisionId, { campaign: true, limit: 100 }));
  const unanswered = await timed(() => commentGroups(db, decisionId, { answered: false, limit: 1 }));
  const halfway = await timed(() => commentGroups(db, decisionId, { limit: 100, offset: Math.floor(groups / 2) }));
  const rss0 = process.memoryUsage().rss;
  const t = performance.now();
  let report = 0;
  let rss = 0;
  for await (const g of adoptionReportGroups(db, decisionId)) {
    report++;
    if (report % 10_000 === 0) rss = Math.max(rss, process.memoryUsage().rss - rss0);
  }
  const reportMs = performance.now() - t;
  if (report !== groups) fail('groups in the streamed adoption report', report, groups);
  return [
    `counts ${counts.ms.toFixed(1)} ms`,
    `first page ${first.ms.toFixed(1)} ms`,
    `campaigns ${campaigns.ms.toFixed(1)} ms`,
    `unanswered total ${unanswered.ms.toFixed(1)} ms`,
    `page at ${fmt(Math.floor(groups / 2))} ${halfway.ms.toFixed(0)} ms`,
    `whole report streamed, ${fmt(report)} groups ${fmt(reportMs)} ms (+${mib(rss)} RSS at most)`,
  ];
}

function fail(what: string, got: unknown, want: unknown): never {
  throw new Error(`${what}: the store gives ${JSON.stringify(got)}, the generated comments ${JSON.stringify(want)}`);
}

async function main() {
  const cfg = loadConfig();
  const dir = mkdtempSync(path.join(tmpdir(), 'juece-bench-comments-'));
  chmodSync(dir, 0o755);
  const free = statfsSync(dir);
  const servers: RunningServer[] = [];
  try {
    const pgServer = await startPostgres({ binDir: await ensurePostgres(cfg), port: await freePort(), dataDir: path.join(dir, 'pg') });
    servers.push(pgServer);
    const db = await openDb({ url: pgServer.address });
    await db.query("INSERT INTO consultations (decision_id, authority, closes_at) VALUES ($1, 'bench', '2099-01-01T00:00:00Z')", [decisionId]);
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}; ${mib(free.bavail * free.bsize)} free in ${tmpdir()}`);
    console.log(`${fmt(COMMENTS)} comments for one consultation through ingestComments, batches of ${fmt(MAX_BATCH)}, PostgreSQL\n`);

    const expected = new Expected();
    const slice = Math.ceil(COMMENTS / SLICES / MAX_BATCH) * MAX_BATCH;
    const t0 = performance.now();
    let ingestMs = 0;
    let sliceMs = 0;
    let sliceStart = 0;
    let lastSay = t0;
    for (let i = 0; i < COMMENTS; ) {
      const n = Math.min(MAX_BATCH, COMMENTS - i);
      const batch = Array.from({ length: n }, (_, k) => commentAt(i + k));
      for (let k = 0; k < n; k++) expected.add(i + k);
      const t = performance.now();
      await ingestComments(db, decisionId, batch);
      const ms = performance.now() - t;
      ingestMs += ms;
      sliceMs += ms;
      i += n;
      if (performance.now() - lastSay > 10_000) {
        lastSay = performance.now();
        process.stderr.write(`  … ${fmt(i)} of ${fmt(COMMENTS)} comments\n`);
      }
      if (i % slice === 0 || i === COMMENTS) {
        const e = expected.counts(CAMPAIGN_MIN_SUBMITTERS);
        console.log(`${fmt(sliceStart).padStart(11)}-${fmt(i).padEnd(11)} intake ${fmt(((i - sliceStart) / sliceMs) * 1000).padStart(6)}/s (last batch ${ms.toFixed(0)} ms), db ${await sizes(db)}`);
        console.log(`${''.padStart(24)}${(await reads(db, e.groups)).join(', ')}`);
        sliceStart = i;
        sliceMs = 0;
      }
    }
    console.log(`\nintake overall: ${fmt((COMMENTS / ingestMs) * 1000)}/s (${fmt(COMMENTS)} in ${(ingestMs / 1000).toFixed(1)} s of ingest, ${((performance.now() - t0) / 1000).toFixed(0)} s with the reads)`);

    // Dedup and grouping at the end: what the generator knows the store must hold.
    const want = expected.counts(CAMPAIGN_MIN_SUBMITTERS);
    const got = await commentCounts(db, decisionId);
    if (got.received !== want.received || got.groups !== want.groups || got.campaigns !== want.campaigns) fail('counts', got, want);
    const [rows] = await db.query<{ comments: string; groups: string; summed: string }>(
      'SELECT (SELECT count(*) FROM comments WHERE decision_id = $1) AS comments, (SELECT count(*) FROM comment_groups WHERE decision_id = $1) AS groups, (SELECT sum(comments) FROM comment_groups WHERE decision_id = $1) AS summed',
      [decisionId],
    );
    const table = { comments: Number(rows!.comments), groups: Number(rows!.groups), summed: Number(rows!.summed) };
    if (table.comments !== want.received || table.groups !== want.groups || table.summed !== want.received) fail('rows', table, { comments: want.received, groups: want.groups, summed: want.received });
    const top = (await commentGroups(db, decisionId, { limit: 1 })).groups[0]!;
    const biggest = Math.max(...expected.campaign);
    if (normalizeComment(top.text) !== normalizeComment(campaignText(0)) || top.comments !== biggest || !top.campaign) {
      fail('the largest group', { text: top.text, comments: top.comments }, { text: campaignText(0), comments: biggest });
    }
    // An answer in the adoption report leaves one group fewer unanswered.
    await recordAdoption(db, decisionId, [{ groupId: top.groupId, adopted: true, reason: '已调整施工时段' }]);
    const unanswered = (await commentGroups(db, decisionId, { answered: false, limit: 1 })).total;
    if (unanswered !== want.groups - 1) fail('unanswered groups', unanswered, want.groups - 1);
    console.log(
      `checked: ${fmt(want.received)} received of ${fmt(COMMENTS)} sent (${fmt(COMMENTS - want.received)} resubmissions folded away), ${fmt(want.groups)} groups, ${fmt(want.campaigns)} campaigns, the largest ${fmt(biggest)}; one answered, ${fmt(unanswered)} unanswered`,
    );
    await db.close();
  } finally {
    for (const s of servers.reverse()) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench: ${err instanceof Error ? err.stack : err}`);
    process.exit(1);
  },
);
