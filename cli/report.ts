/**
 * `juece report --year 2026 [--authority X] [--unit U] [--csv | --json]`: the annual compliance figures over the
 * HTTP API (GET /reports/compliance). A table by default; --csv writes the API's CSV (UTF-8 with a BOM, for Excel);
 * --json the report as the API gives it. Registered on the decision commands' program (cli/decisions.ts).
 */
import type { Command } from 'commander';
import { definition, targetText, type ComplianceReport } from '../domain/compliance';
import { beijingTime, countText, meetsText, percent, unitName } from '../api/reportPage';

export interface ReportCliContext {
  /** GET `path` over the API: parsed JSON, or the raw bytes. */
  get(path: string, raw?: boolean): Promise<unknown>;
  json(): boolean;
  table(rows: Record<string, unknown>[], columns: [string, string][]): string;
}

export function registerReportCommand(cmd: Command, ctx: ReportCliContext): void {
  cmd
    .command('report')
    .description('the annual compliance figures per authority and undertaking unit, from the procedure record (--csv for Excel, --json for scripts)')
    .requiredOption('--year <year>', 'the calendar year (Beijing time)')
    .option('--authority <code>', 'one deciding authority')
    .option('--unit <name>', 'one undertaking unit')
    .option('--csv', 'print the CSV (UTF-8 with a BOM) instead of a table')
    .action(async (o: { year: string; authority?: string; unit?: string; csv?: boolean }) => {
      const q = new URLSearchParams(
        Object.entries({ year: o.year, authority: o.authority, undertakingUnit: o.unit, format: o.csv ? 'csv' : 'json' }).filter(
          (e): e is [string, string] => e[1] !== undefined,
        ),
      );
      if (o.csv) {
        process.stdout.write((await ctx.get(`/reports/compliance?${q}`, true)) as Buffer);
        return;
      }
      const r = (await ctx.get(`/reports/compliance?${q}`)) as ComplianceReport;
      if (ctx.json()) return console.log(JSON.stringify(r, null, 2));
      console.log(humanReport(r, ctx.table));
    });
}

/** One table per section: each row's figures with count, base, rate, target and the ids behind them. */
export function humanReport(r: ComplianceReport, table: ReportCliContext['table']): string {
  const section = (title: string, rows: ComplianceReport['decisions']) => {
    const lines = rows.flatMap((row) =>
      row.figures.map((f) => {
        const ids = f.ids.join(' ');
        return {
          authority: row.authority,
          unit: unitName(row),
          figure: definition(f.key).label,
          count: countText(f),
          of: f.of ?? '',
          rate: percent(f.rate),
          target: targetText(definition(f.key).target),
          meets: meetsText(f),
          ids: ids.length > 60 ? `${ids.slice(0, 57)}...` : ids,
        };
      }),
    );
    return [
      `${title}`,
      lines.length
        ? table(lines, [['authority', '决策机关'], ['unit', '承办单位'], ['figure', '指标'], ['count', '数量'], ['of', '基数'], ['rate', '比率'], ['target', '目标'], ['meets', '达标'], ['ids', '编号']])
        : '(none)',
    ].join('\n');
  };
  return [
    `${r.year}年度合规情况统计 (${r.authority ?? 'all authorities'}${r.undertakingUnit ? `, ${r.undertakingUnit}` : ''}), from the procedure record; generated ${beijingTime(r.generatedAt)} Beijing time`,
    section('重大行政决策', r.decisions),
    section('行政执法决定公示', r.enforcement),
    'Each figure\'s basis: `juece report --json` (definitions) or the README.',
  ].join('\n\n');
}
