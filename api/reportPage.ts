/**
 * The compliance report as a spreadsheet (CSV, UTF-8 with a byte-order mark so that Excel reads the Chinese) and as
 * a printable page in Chinese, times in Beijing time. Labels and bases come from the one table of figures
 * (domain/compliance.ts).
 */
import { definition, targetText, type ComplianceReport, type Figure, type ReportRow } from '../domain/compliance';

const BOM = '\uFEFF';

/** A CSV that Excel opens as it is: UTF-8 with a byte-order mark, CRLF, quoted where needed. */
export const toCsv = (lines: string[][]) => BOM + lines.map((l) => l.map(csvCell).join(',')).join('\r\n') + '\r\n';
const KIND_NAMES = { majorDecision: '重大行政决策', enforcement: '行政执法决定公示', catalog: '决策事项年度目录' } as const;

/** A rate as a percentage with one decimal (66.7%), or empty. */
export const percent = (rate: number | null) => (rate === null ? '' : `${(Math.round(rate * 1000) / 10).toString()}%`);

/** An instant in Beijing time: `2026-12-01 22:42`. */
export const beijingTime = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

export const unitName = (row: Pick<ReportRow, 'total' | 'undertakingUnit'>) => (row.total ? '合计' : (row.undertakingUnit ?? '（未记录）'));
export const countText = (f: Figure) => (f.count === null ? '未记录' : String(f.count));
export const meetsText = (f: Figure) => (f.meetsTarget === null ? '' : f.meetsTarget ? '是' : '否');

export const CSV_HEADER = ['年度', '类别', '决策机关', '承办单位', '指标', '数量', '基数', '比率', '目标', '是否达标', '依据', '决策或案件编号'];

const csvCell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** One line per row and figure; CRLF line ends, as Excel writes them. */
export function reportCsv(r: ComplianceReport): string {
  const lines = [CSV_HEADER];
  for (const row of [...r.decisions, ...r.enforcement]) {
    for (const f of row.figures) {
      const d = definition(f.key);
      lines.push([
        String(r.year),
        KIND_NAMES[row.kind],
        row.authority,
        unitName(row),
        d.label,
        countText(f),
        f.of === null ? '' : String(f.of),
        percent(f.rate),
        targetText(d.target),
        meetsText(f),
        d.notRecorded ? `${d.basis}（${d.notRecorded}）` : d.basis,
        f.ids.join(';'),
      ]);
    }
  }
  return toCsv(lines);
}

const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** A decision's id links to its printable procedure record (cases have no record page yet: plain ids). */
const idLinks = (row: ReportRow, ids: string[]) =>
  ids.map((id) => (row.kind === 'majorDecision' ? `<a href="/decisions/${encodeURIComponent(id)}/record?format=html">${esc(id)}</a>` : esc(id))).join(' ');

function rowTable(row: ReportRow): string {
  const lines = row.figures
    .map((f) => {
      const d = definition(f.key);
      const cls = f.meetsTarget === false ? ' class="bad"' : '';
      return `<tr${cls}><td>${esc(d.label)}</td><td class="n">${esc(countText(f))}</td><td class="n">${f.of ?? ''}</td><td class="n">${percent(f.rate)}</td><td>${esc(targetText(d.target))}</td><td>${meetsText(f)}</td><td class="ids">${idLinks(row, f.ids)}</td></tr>`;
    })
    .join('\n');
  return `<h3>${esc(row.authority)} · ${esc(unitName(row))}</h3>
<table><thead><tr><th>指标</th><th>数量</th><th>基数</th><th>比率</th><th>目标</th><th>达标</th><th>决策或案件编号</th></tr></thead>
<tbody>
${lines}
</tbody></table>`;
}

/** The printable page: each authority's and unit's figures, then what each figure counts and its basis. */
export function reportPage(r: ComplianceReport): string {
  const section = (kind: keyof typeof KIND_NAMES, rows: ReportRow[]) =>
    `<h2>${KIND_NAMES[kind]}</h2>\n${rows.length ? rows.map(rowTable).join('\n') : '<p>本年度无记录。</p>'}`;
  const definitions = r.definitions
    .map((d) => `<tr><td>${esc(KIND_NAMES[d.kind])}</td><td>${esc(d.label)}</td><td>${esc(d.target)}</td><td>${esc(d.basis)}${d.notRecorded ? `<br><b>${esc(d.notRecorded)}</b>` : ''}</td></tr>`)
    .join('\n');
  const lastDay = beijingTime(new Date(Date.parse(r.period.to) - 1).toISOString()).slice(0, 10);
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${r.year}年度重大行政决策合规情况统计</title>
<style>body{font-family:serif;margin:2em}table{border-collapse:collapse;width:100%;font-size:10pt;margin-bottom:1em}td,th{border:1px solid #444;padding:3px 5px;vertical-align:top}
.n{text-align:right}.ids{font-family:monospace;font-size:8pt;word-break:break-all}.bad td{color:#a00}h3{margin-bottom:.3em}@media print{body{margin:0}h3{page-break-after:avoid}}</style></head>
<body><h1>${r.year}年度重大行政决策合规情况统计</h1>
<p>决策机关：${esc(r.authority ?? '全部')}${r.undertakingUnit ? `　承办单位：${esc(r.undertakingUnit)}` : ''}</p>
<p>统计期间：${beijingTime(r.period.from).slice(0, 10)} 至 ${lastDay}（北京时间）　生成时间：${beijingTime(r.generatedAt)}（北京时间）</p>
<p>数据来源：决策过程记录（逐条哈希链存证的程序事件），每项数字均列明所依据的决策或案件编号，可逐件调阅其决策过程记录。</p>
${section('majorDecision', r.decisions)}
${section('enforcement', r.enforcement)}
<h2>指标说明及依据</h2>
<table><thead><tr><th>类别</th><th>指标</th><th>目标</th><th>依据</th></tr></thead>
<tbody>
${definitions}
</tbody></table>
</body></html>
`;
}
