/**
 * The public page of a consultation's adoption report (征求意见采纳情况, arts. 18, 29): how the comments were
 * grouped and how each group was answered, for anyone to read and print once the undertaking unit has filed it.
 * Times in Beijing time; no script, no resource from elsewhere.
 */
import type { CommentGroupPage } from '../store/comments';

const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

import { beijingTime } from '../domain/procedure';

export interface AdoptionReport {
  decisionId: string;
  title: string;
  authority: string;
  filedAt: string;
  counts: { received: number; groups: number; campaigns: number };
  page: CommentGroupPage;
}

export function adoptionPage(r: AdoptionReport): string {
  const answer = (g: CommentGroupPage['groups'][number]) => (g.adopted === null ? '未答复' : g.adopted ? '采纳' : '未采纳');
  const rows = r.page.groups
    .map(
      (g, i) =>
        `<tr><td>${r.page.offset + i + 1}</td><td>${esc(g.text)}</td><td class="n">${g.comments}${g.campaign ? '（集中提交）' : ''}</td><td>${answer(g)}</td><td>${esc(g.reason)}</td></tr>`,
    )
    .join('\n');
  const next = r.page.offset + r.page.groups.length < r.page.total ? `<a href="?format=html&amp;offset=${r.page.offset + r.page.limit}&amp;limit=${r.page.limit}">下一页</a>` : '';
  const prev = r.page.offset > 0 ? `<a href="?format=html&amp;offset=${Math.max(0, r.page.offset - r.page.limit)}&amp;limit=${r.page.limit}">上一页</a>` : '';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>征求意见采纳情况 ${esc(r.title)}</title>
<style>body{font-family:serif;margin:2em;max-width:60em}table{border-collapse:collapse;width:100%;font-size:11pt}
td,th{border:1px solid #444;padding:4px 6px;vertical-align:top;text-align:left}.n{text-align:right;white-space:nowrap}
nav a{margin-right:1em}@media print{body{margin:0}nav{display:none}}</style></head>
<body><main>
<h1>关于《${esc(r.title)}》公开征求意见采纳情况</h1>
<p>决策事项编号：${esc(r.decisionId)}；报告提交时间（北京时间）：${esc(beijingTime(r.filedAt))}</p>
<p>共收到意见 ${r.counts.received} 条，归并为 ${r.counts.groups} 组（其中集中提交 ${r.counts.campaigns} 组）。本页为第 ${r.page.total ? r.page.offset + 1 : 0}–${r.page.offset + r.page.groups.length} 组，共 ${r.page.total} 组，按意见数量从多到少排列。</p>
<table><caption>意见分组及采纳情况</caption><thead><tr><th scope="col">序号</th><th scope="col">意见内容</th><th scope="col">条数</th><th scope="col">采纳情况</th><th scope="col">理由</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<nav aria-label="分页">${prev}${next}</nav>
<p>依据：《重大行政决策程序暂行条例》第十八条、第二十九条。</p>
</main></body></html>
`;
}
