/**
 * `juece start | submit | status | record | list | report | comments | catalog | watch`: the decision commands, over the HTTP API with a bearer
 * token (JUECE_API_URL, JUECE_TOKEN or --token), and `watch` over NATS. Tables for people, `--json` for scripts.
 * Exit codes: 0 done, 1 could not reach a server, 2 invalid input, 3 no valid token or not allowed, 4 not found,
 * 5 refused by the procedure (a step not open, a stale draft, a decision id already used, a decision already closed).
 */
import { Command, Option } from 'commander';
import { connect } from 'nats';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import YAML from 'yaml';
import { followDecisionEvents } from '../client/events';
import { STEPS, type StepName } from '../domain/procedure';
import { loadConfig } from '../infra/config';
import { DecisionSortSchema } from '../store/record';
import { registerCatalogCommand } from './catalog';
import { registerEnforcementCommand } from './enforcementImport';
import { registerReportCommand } from './report';

const EXIT: Record<number, number> = { 400: 2, 401: 3, 403: 3, 404: 4, 409: 5 };

class CliError extends Error {
  constructor(
    message: string,
    readonly exit: number,
  ) {
    super(message);
  }
}

interface Globals {
  api: string;
  token?: string;
  json: boolean;
}

function readInput(file: string): unknown {
  let text: string;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read ${file}: ${(err as Error).message}`, 2);
  }
  try {
    return /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}`, 2);
  }
}

async function request(g: Globals, method: string, path: string, body?: unknown, raw = false): Promise<any> {
  if (!g.token) throw new CliError('No token: set JUECE_TOKEN or pass --token (on embedded defaults, `juece token` prints one per role).', 3);
  let res: Response;
  try {
    res = await fetch(`${g.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${g.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new CliError(`Cannot reach the juece API at ${g.api}: ${(err as Error).cause ?? (err as Error).message}`, 1);
  }
  // Raw bytes (a CSV keeps its byte-order mark, which decoding as text would drop).
  if (raw && res.ok) return Buffer.from(await res.arrayBuffer());
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  if (!res.ok) {
    const issues = Array.isArray(json?.issues) && json.issues.length ? `\n${json.issues.map((i: { path: string; message: string }) => `  ${i.path || '(body)'}: ${i.message}`).join('\n')}` : '';
    throw new CliError(`${json?.message ?? text}${issues}`, EXIT[res.status] ?? 1);
  }
  return json;
}

function table(rows: Record<string, unknown>[], columns: [string, string][]): string {
  const cells = rows.map((r) => columns.map(([key]) => String(r[key] ?? '')));
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u1100-\uffff]/.test(ch) ? 2 : 1), 0);
  const widths = columns.map(([, title], i) => Math.max(width(title), ...cells.map((c) => width(c[i]!))));
  const line = (values: string[]) => values.map((v, i) => v + ' '.repeat(widths[i]! - width(v))).join('  ').trimEnd();
  return [line(columns.map(([, t]) => t)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** What a list may be sorted by, as the API takes it. */
const SORTS = [...DecisionSortSchema.options];
/** `1-20 of 57 decision(s)`: where this page is in the whole list. */
const pageLine = (r: { total: number; offset: number }, shown: number, what: string) => `${r.offset + 1}-${r.offset + shown} of ${r.total} ${what}(s)`;

const stepLabel = (s: string) => (s in STEPS ? `${s} ${STEPS[s as StepName].term}` : s);

export function program(): Command {
  const cfg = (() => {
    try {
      return loadConfig();
    } catch (err) {
      throw new CliError((err as Error).message, 2);
    }
  })();
  const cmd = new Command('juece')
    .addOption(new Option('--api <url>', 'the juece API').env('JUECE_API_URL').default(`http://${cfg.apiHost}:${cfg.apiPort}`))
    .addOption(new Option('--token <jwt>', 'bearer token').env('JUECE_TOKEN'))
    .option('--json', 'print JSON for scripts', false)
    .showHelpAfterError()
    .exitOverride();
  const g = (): Globals => cmd.opts<Globals>();
  const print = (value: unknown, human: () => string) => console.log(g().json ? JSON.stringify(value, null, 2) : human());

  cmd
    .command('start')
    .description('start a decision from a proposal file (JSON or YAML; - for stdin)')
    .requiredOption('-f, --file <file>', 'the proposal')
    .action(async (o: { file: string }) => {
      const r = await request(g(), 'POST', '/decisions', readInput(o.file));
      print(r, () => `started ${r.decisionId} (workflow ${r.workflowId})`);
    });

  cmd
    .command('submit')
    .description("submit a step's result: juece submit <decisionId> <action> -f result.json (the actor is the token's holder)")
    .argument('<decisionId>')
    .argument('<action>', 'e.g. completeLegalityReview')
    .requiredOption('-f, --file <file>', 'the result (JSON or YAML; - for stdin)')
    .option('--request-id <id>', 'repeat a request safely with the same id (default: a new one)')
    .action(async (decisionId: string, action: string, o: { file: string; requestId?: string }) => {
      const input = readInput(o.file) as Record<string, unknown>;
      const body = { requestId: o.requestId ?? `cli-${randomUUID()}`, ...input };
      const r = await request(g(), 'POST', `/decisions/${encodeURIComponent(decisionId)}/actions/${encodeURIComponent(action)}`, body);
      print(r, () => `#${r.seq} ${r.summary}`);
    });

  cmd
    .command('status')
    .description("a decision's status, open steps and deadline")
    .argument('<decisionId>')
    .action(async (decisionId: string) => {
      const s = await request(g(), 'GET', `/decisions/${encodeURIComponent(decisionId)}`);
      print(s, () => {
        const deadline = [...s.history].reverse().find((e: { deadline?: unknown }) => e.deadline)?.deadline;
        return [
          `${s.title} (${s.decisionId})`,
          `authority: ${s.authority.name}   undertaking unit: ${s.undertakingUnit}`,
          `status: ${s.status}   draft: v${s.draft.version}   rules: ${s.ruleSet.id} v${s.ruleSet.version}`,
          `open steps: ${s.openSteps.map(stepLabel).join(', ') || '(none)'}`,
          deadline ? `last deadline: ${deadline.term} ${deadline.date}${deadline.provisional ? ' (provisional)' : ''}` : '',
          s.comments ? `comments: ${s.comments.received} received, ${s.comments.groups} distinct, ${s.comments.campaigns} campaigns` : '',
          // The status carries only the latest events; `events` counts them all (older workflows: the history is whole).
          `${s.events ?? s.history.length} procedure events`,
        ]
          .filter(Boolean)
          .join('\n');
      });
    });

  cmd
    .command('record')
    .description("a decision's procedure record, with its hash chain verified")
    .argument('<decisionId>')
    .action(async (decisionId: string) => {
      const r = await request(g(), 'GET', `/decisions/${encodeURIComponent(decisionId)}/record`);
      print(r, () =>
        [
          table(
            r.entries.map((e: { seq: number; event: any }) => ({
              seq: e.seq,
              at: e.event.at.slice(0, 16).replace('T', ' '),
              step: e.event.step ?? '',
              type: e.event.type,
              summary: e.event.summary.slice(0, 60),
              basis: e.event.basis ?? '',
            })),
            [['seq', '#'], ['at', 'time (UTC)'], ['step', 'step'], ['type', 'event'], ['summary', 'summary'], ['basis', 'basis']],
          ),
          !r.verification.chainOk
            ? `HASH CHAIN BROKEN at entry ${r.verification.brokenAt}: ${r.verification.reason}`
            : r.verification.ok
              ? `hash chain verified: ${r.verification.entries} entries, all its workflow published`
              : `RECORD NOT VERIFIED: the hash chain holds over ${r.verification.entries} entries, but ${r.verification.reason}`,
        ].join('\n'),
      );
      if (!r.verification.ok) process.exitCode = 5;
    });

  cmd
    .command('list')
    .description('decisions and enforcement cases you may see, by kind, authority, open step, status or overdue deadline')
    .addOption(new Option('--kind <kind>', 'major decisions, enforcement cases or annual catalogs').choices(['majorDecision', 'enforcement', 'catalog']))
    .option('--authority <code>')
    .option('--step <step>')
    .option('--status <status>', 'e.g. inProgress, withdrawn, rejected, deferred, inExecution, suspended, stopped; published, takenDown')
    .option('--overdue', 'only decisions past a deadline')
    .addOption(new Option('--sort <field>', 'order by a field, `-` before it for descending (default: nearest deadline first)').choices(SORTS))
    .option('--limit <n>', 'at most this many', '100')
    .option('--offset <n>', 'skip this many')
    .action(async (o: { kind?: string; authority?: string; step?: string; status?: string; overdue?: boolean; sort?: string; limit: string; offset?: string }) => {
      const q = new URLSearchParams(
        Object.entries({ kind: o.kind, authority: o.authority, step: o.step, status: o.status, overdue: o.overdue ? 'true' : undefined, sort: o.sort, limit: o.limit, offset: o.offset }).filter(
          (e): e is [string, string] => e[1] !== undefined,
        ),
      );
      const r = await request(g(), 'GET', `/decisions?${q}`);
      print(r.decisions, () =>
        r.decisions.length
          ? `${table(
              r.decisions.map((d: any) => ({ ...d, openSteps: d.openSteps.join(','), nextDeadline: d.nextDeadline?.slice(0, 10) ?? '', overdue: d.overdue ? 'OVERDUE' : '' })),
              [['decisionId', 'id'], ['kind', 'kind'], ['title', 'title'], ['status', 'status'], ['openSteps', 'open steps'], ['nextDeadline', 'deadline'], ['overdue', '']],
            )}\n${pageLine(r, r.decisions.length, 'decision')}`
          : `(no decisions; ${r.total} in all)`,
      );
    });

  cmd
    .command('assignments')
    .description('what you are asked to do: the decisions on which you are an expert asked or the reviewer named, nearest deadline first')
    .addOption(new Option('--sort <field>', 'order by a field, `-` before it for descending (default: nearest deadline first)').choices(SORTS))
    .option('--limit <n>', 'at most this many', '100')
    .option('--offset <n>', 'skip this many')
    .action(async (o: { sort?: string; limit: string; offset?: string }) => {
      const q = new URLSearchParams(Object.entries({ sort: o.sort, limit: o.limit, offset: o.offset }).filter((e): e is [string, string] => e[1] !== undefined));
      const r = await request(g(), 'GET', `/assignments?${q}`);
      print(r.assignments, () =>
        r.assignments.length
          ? `${table(
              r.assignments.map((d: any) => ({ ...d, steps: d.steps.join(','), nextDeadline: d.nextDeadline?.slice(0, 10) ?? '', overdue: d.overdue ? 'OVERDUE' : '' })),
              [['decisionId', 'id'], ['title', 'title'], ['steps', 'asked for'], ['nextDeadline', 'deadline'], ['overdue', '']],
            )}\n${pageLine(r, r.assignments.length, 'assignment')}`
          : '(nothing asked of you)',
      );
    });

  registerCatalogCommand(cmd, { request: (method, path, body) => request(g(), method, path, body), readInput, print, table });
  // Legal review of major enforcement decisions (重大执法决定法制审核).
  const review = cmd.command('review').description('legal review of a major enforcement decision: start | submit | status');
  review
    .command('start')
    .description('submit a proposed major enforcement decision with its materials (JSON or YAML; - for stdin; the submitter is the token holder)')
    .requiredOption('-f, --file <file>', 'the case: caseId, authority, office, legalBody, kind, title, grounds, materials')
    .action(async (o: { file: string }) => {
      const r = await request(g(), 'POST', '/enforcement-reviews', readInput(o.file));
      print(r, () => `submitted ${r.caseId} for legal review (workflow ${r.workflowId})`);
    });
  review
    .command('submit')
    .description('juece review submit <caseId> <action> -f input.json: resubmitForLegalReview, completeLegalReview, decideEnforcement, withdrawLegalReview')
    .argument('<caseId>')
    .argument('<action>')
    .requiredOption('-f, --file <file>', 'the input (JSON or YAML; - for stdin)')
    .option('--request-id <id>', 'repeat a request safely with the same id (default: a new one)')
    .action(async (caseId: string, action: string, o: { file: string; requestId?: string }) => {
      const body = { requestId: o.requestId ?? `cli-${randomUUID()}`, ...(readInput(o.file) as Record<string, unknown>) };
      const r = await request(g(), 'POST', `/enforcement-reviews/${encodeURIComponent(caseId)}/actions/${encodeURIComponent(action)}`, body);
      print(r, () => `#${r.seq} ${r.summary}`);
    });
  review
    .command('status')
    .description("a case's review rounds, opinions and time limit (or, once decided, its publication)")
    .argument('<caseId>')
    .action(async (caseId: string) => {
      const s = await request(g(), 'GET', `/enforcement-reviews/${encodeURIComponent(caseId)}`);
      print(s, () =>
        s.stage === 'legalReview'
          ? [
              `${s.title} (${s.caseId}): ${s.state}, ${s.office} → ${s.legalBody}`,
              table(
                s.rounds.map((r: Record<string, any>) => ({ ...r, due: r.deadline?.date, reasons: (r.reasons ?? []).join('; ') })),
                [['round', 'round'], ['submittedOn', 'submitted'], ['due', 'due'], ['result', 'result'], ['reviewedOn', 'reviewed'], ['reasons', 'reasons']],
              ),
            ].join('\n')
          : `${s.caseId}: decided, in publication: ${s.state}${s.deadline ? `, due ${s.deadline.date}` : ''}`,
      );
    });

  registerEnforcementCommand(cmd, {
    post: (path, body) => request(g(), 'POST', path, body),
    // Unreachable, or the server's own error: the batch is sent again (a case it started is then alreadyRecorded).
    retryable: (err) => err instanceof CliError && err.exit === 1,
    json: () => g().json,
    invalid: (message) => new CliError(message, 2),
  });

  registerReportCommand(cmd, { get: (path, raw) => request(g(), 'GET', path, undefined, raw), json: () => g().json, table });

  cmd
    .command('comments')
    .description("a decision's comment groups (identical texts), largest first, with their answers in the adoption report")
    .argument('<decisionId>')
    .option('--campaigns', 'only campaigns (a text sent by 20 submitters or more)')
    .option('--unanswered', 'only groups not yet answered in the adoption report')
    .option('--limit <n>', 'at most this many', '100')
    .option('--offset <n>', 'skip this many', '0')
    .option('--answer <file>', 'first answer groups: [{ groupId, adopted, reason }, ...] (JSON or YAML; - for stdin)')
    .action(async (decisionId: string, o: { campaigns?: boolean; unanswered?: boolean; limit: string; offset: string; answer?: string }) => {
      const base = `/decisions/${encodeURIComponent(decisionId)}/comments`;
      let answered: { answered: number; unanswered: number } | undefined;
      if (o.answer) {
        const input = readInput(o.answer);
        answered = await request(g(), 'POST', `${base}/adoption`, Array.isArray(input) ? { answers: input } : input);
      }
      const q = new URLSearchParams({ limit: o.limit, offset: o.offset });
      if (o.campaigns) q.set('campaign', 'true');
      if (o.unanswered) q.set('answered', 'false');
      const r = await request(g(), 'GET', `${base}/groups?${q}`);
      const short = (t: string | null, n: number) => (t ? ([...t].length > n ? `${[...t].slice(0, n - 1).join('')}…` : t) : '');
      print(answered ? { ...r, adoption: answered } : r, () =>
        [
          answered ? `answered ${answered.answered} group(s); ${answered.unanswered} still unanswered` : '',
          r.groups.length
            ? table(
                r.groups.map((x: any) => ({
                  ...x,
                  campaign: x.campaign ? '集中' : '',
                  answer: x.adopted === null ? '—' : x.adopted ? '采纳' : '未采纳',
                  text: short(x.text.replace(/\s+/g, ' '), 40),
                  reason: short(x.reason, 30),
                })),
                [['groupId', 'group'], ['comments', 'submitters'], ['campaign', 'campaign'], ['text', 'text'], ['answer', 'adopted'], ['reason', 'reason']],
              )
            : '(no comment groups)',
          `${r.groups.length ? `${r.offset + 1}-${r.offset + r.groups.length}` : '0'} of ${r.total} ${o.campaigns ? 'campaign' : 'group'}(s)${o.unanswered ? ' unanswered' : ''}`,
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });

  cmd
    .command('watch')
    .description("follow a decision's events live from NATS (Ctrl-C to stop)")
    .argument('<authority>', 'the authority code, e.g. shifan-gov')
    .argument('<decisionId>')
    .action(async (authority: string, decisionId: string) => {
      let nc;
      try {
        nc = await connect({ servers: cfg.natsServers, name: 'juece-watch' });
      } catch (err) {
        throw new CliError(`Cannot reach NATS at ${cfg.natsUrl}: ${(err as Error).message}`, 1);
      }
      const follow = await followDecisionEvents(nc, authority, decisionId, (e) =>
        console.log(g().json ? JSON.stringify(e) : `#${String(e.seq).padStart(3)} ${e.at.slice(0, 19).replace('T', ' ')} ${e.type}${e.step ? ` ${stepLabel(e.step)}` : ''}: ${e.summary}`),
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await follow.stop();
      await nc.close();
    });
  return cmd;
}

export async function run(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv, { from: 'user' });
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message: string };
    if (!(err instanceof CliError) && typeof e.code === 'string' && e.code.startsWith('commander.')) {
      process.exitCode = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
      return;
    }
    console.error(`juece: ${e.message}`);
    process.exitCode = err instanceof CliError ? err.exit : 1;
  }
}

if (require.main === module) void run(process.argv.slice(2));
