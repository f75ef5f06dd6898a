/**
 * `juece catalog open | show | act | record`: an authority's annual catalog of major decision matters (决策事项年度目录,
 * Decree 713 art. 3; seed 004) over the HTTP API (/catalogs). Registered on the decision commands' program
 * (cli/decisions.ts), with its exit codes.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { CATALOG_ACTION_NAMES } from '../domain/catalog';

export interface CatalogCliContext {
  request(method: string, path: string, body?: unknown): Promise<any>;
  readInput(file: string): unknown;
  print(value: unknown, human: () => string): void;
  table(rows: Record<string, unknown>[], columns: [string, string][]): string;
}

const at = (authority: string, year: string) => `/catalogs/${encodeURIComponent(authority)}/${encodeURIComponent(year)}`;

export function registerCatalogCommand(cmd: Command, ctx: CatalogCliContext): void {
  const catalog = cmd.command('catalog').description("an authority's annual catalog of major decision matters (决策事项年度目录)");
  catalog
    .command('open')
    .description("open the year's catalog: juece catalog open <authority> <year> --name 示范市人民政府")
    .argument('<authority>')
    .argument('<year>')
    .requiredOption('--name <name>', "the authority's name as it signs notices")
    .action(async (authority: string, year: string, o: { name: string }) => {
      const r = await ctx.request('POST', '/catalogs', { authority: { code: authority, name: o.name }, year: Number(year) });
      ctx.print(r, () => `opened ${authority}'s ${year} catalog (workflow ${r.workflowId})`);
    });
  catalog
    .command('show')
    .description('the catalog: its items, approval, adjustments, decisions per item, off-catalog decisions, year-end lists')
    .argument('<authority>')
    .argument('<year>')
    .action(async (authority: string, year: string) => {
      const s = await ctx.request('GET', at(authority, year));
      ctx.print(s, () =>
        [
          `${s.authority.name} ${s.year} catalog: ${s.state}${s.documentNumber ? ` (${s.documentNumber}, published ${s.publishedOn})` : ''}`,
          s.approval ? `agreed by ${s.approval.agreedBy} on ${s.approval.agreedOn} (${s.approval.reference})` : '',
          ctx.table(
            s.items.map((i: any) => ({ ...i, decisions: i.decisions.join(',') })),
            [['itemId', 'item'], ['title', 'title'], ['undertakingUnit', 'undertaking unit'], ['plannedQuarter', 'Q'], ['status', 'status'], ['origin', 'origin'], ['decisions', 'decisions']],
          ),
          `${s.changes} adjustment(s); ${s.offCatalog.length} decision(s) off-catalog${s.offCatalog.length ? `: ${s.offCatalog.map((o: any) => `${o.decisionId} (${o.reason})`).join('; ')}` : ''}`,
          s.yearEnd ? `closed ${s.yearEnd.closedAt.slice(0, 10)} (${s.yearEnd.by}): never started: ${s.yearEnd.neverStarted.map((i: any) => i.itemId).join(', ') || '(none)'}` : '',
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });
  catalog
    .command('act')
    .description(`a catalog action: juece catalog act <authority> <year> <action> -f input.json (${CATALOG_ACTION_NAMES.join(', ')})`)
    .argument('<authority>')
    .argument('<year>')
    .argument('<action>')
    .requiredOption('-f, --file <file>', 'the input (JSON or YAML; - for stdin)')
    .option('--request-id <id>', 'repeat a request safely with the same id (default: a new one)')
    .action(async (authority: string, year: string, action: string, o: { file: string; requestId?: string }) => {
      const input = ctx.readInput(o.file) as Record<string, unknown>;
      const r = await ctx.request('POST', `${at(authority, year)}/actions/${encodeURIComponent(action)}`, { requestId: o.requestId ?? `cli-${randomUUID()}`, ...input });
      ctx.print(r, () => `#${r.seq} ${r.summary}`);
    });
  catalog
    .command('record')
    .description("the catalog's procedure record, its hash chain verified")
    .argument('<authority>')
    .argument('<year>')
    .action(async (authority: string, year: string) => {
      const r = await ctx.request('GET', `${at(authority, year)}/record`);
      ctx.print(r, () =>
        [
          ctx.table(
            r.entries.map((e: any) => ({ seq: e.seq, at: e.event.at.slice(0, 16).replace('T', ' '), type: e.event.type, summary: e.event.summary.slice(0, 70) })),
            [['seq', '#'], ['at', 'time (UTC)'], ['type', 'event'], ['summary', 'summary']],
          ),
          r.verification.ok ? `hash chain verified: ${r.verification.entries} entries` : `RECORD NOT VERIFIED: ${r.verification.reason ?? 'incomplete'}`,
        ].join('\n'),
      );
      if (!r.verification.ok) process.exitCode = 5;
    });
}
