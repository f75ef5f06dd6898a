/**
 * The printable procedure record (决策过程记录): one page a supervisor can print and file, with every entry, the
 * rule it applied, and the hash chain's verdict.
 */
import { beijingTime, STEPS, type StepName } from '../domain/procedure';
import type { RecordEntry, Verification } from '../store/record';

const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

export function recordPage(d: { decisionId: string; title: string }, entries: RecordEntry[], v: Verification): string {
  const rows = entries
    .map(({ seq, hash, event: e }) => {
      const step = e.step ? `${STEPS[e.step as StepName]?.term ?? ''} ${e.step}` : '';
      const who = e.actor ? `${e.actor.name}（${e.actor.organisation}）` : '';
      return `<tr><td>${seq}</td><td>${esc(beijingTime(e.at, true))}</td><td>${esc(step)}</td><td>${esc(e.type)}</td><td>${esc(e.summary)}</td><td>${esc(who)}</td><td>${esc(e.basis)}</td><td class="h">${esc(hash.slice(0, 16))}</td></tr>`;
    })
    .join('\n');
  const missing = v.missing.map((m) => (m.from === m.to ? `第 ${m.from} 条` : `第 ${m.from}-${m.to} 条`)).join('、');
  const verdict = !v.chainOk
    ? `哈希链校验失败：第 ${v.brokenAt} 条（${esc(v.reason)}）。`
    : !v.complete
      ? `记录不完整：决策流程已发布 ${v.known} 条事件，本记录仅有 ${v.entries} 条${missing ? `（缺 ${missing}）` : ''}；已有记录的哈希链无改动，缺失部分由投影程序从决策流程历史补录（流程历史已过保留期的无法补录）。`
      : v.ok
        ? `哈希链校验通过：${v.entries} 条记录完整无改动。`
        : `哈希链无改动（${v.entries} 条），但未能与决策流程核对是否完整：${esc(v.reason)}。`;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>决策过程记录 ${esc(d.decisionId)}</title>
<style>body{font-family:serif;margin:2em}table{border-collapse:collapse;width:100%;font-size:10pt}td,th{border:1px solid #444;padding:3px 5px;vertical-align:top}
.h{font-family:monospace}.ok{color:#060}.bad{color:#a00;font-weight:bold}@media print{body{margin:0}}</style></head>
<body><h1>重大行政决策过程记录</h1>
<p>决策事项：${esc(d.title)}（${esc(d.decisionId)}）</p>
<p class="${v.ok ? 'ok' : 'bad'}">${verdict}</p>
<table><thead><tr><th>序号</th><th>时间（北京时间）</th><th>环节</th><th>事件</th><th>内容</th><th>经办</th><th>依据</th><th>哈希</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>《重大行政决策程序暂行条例》第三十八条：决策机关应当将决策过程中形成的材料及时完整归档。</p>
</body></html>
`;
}
