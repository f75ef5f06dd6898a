/**
 * The supervisors' dashboard (督察总览): decisions and enforcement cases by authority, step and status; overdue and
 * soon-due deadlines; provisional ones; enforcement cases awaiting publication and late; refused access attempts;
 * records known to be incomplete; the compliance report. Filters live in the address (a list can be bookmarked and
 * shared); the list exports as a CSV that Excel opens (UTF-8 with BOM). Everything is read through the API.
 */
import type { Child } from 'hono/jsx';
import { z } from 'zod';
import { toCsv } from '../api/reportPage';
import { RecordKindSchema } from '../domain/events';
import { STEP_NAMES, STEPS, type StepName } from '../domain/procedure';
import type { DecisionSummary } from '../store/record';
import { beijingTime } from './layout';
import { D, T } from './text';

/** The dashboard's filters, as the address carries them. */
export const DashboardQuerySchema = z.object({
  kind: RecordKindSchema.optional().catch(undefined),
  authority: z.string().regex(/^[\w-]{1,64}$/).optional().catch(undefined),
  step: z.enum(STEP_NAMES).optional().catch(undefined),
  status: z.string().regex(/^\w{1,40}$/).optional().catch(undefined),
  overdue: z.enum(['true']).optional().catch(undefined),
});
export type DashboardQuery = z.infer<typeof DashboardQuerySchema>;


const stepTerm = (s: string | null) => (s ? (STEPS[s as StepName]?.term ?? s) : '');
const statusName = (s: string) => T.statuses[s] ?? s;

/** The decisions list as CSV: what the table shows, for Excel. */
export function dashboardCsv(rows: DecisionSummary[]): string {
  return toCsv([
    ['编号', '类别', '名称', '决策机关', '承办单位', '状态', '当前环节', '期限（北京时间）', '期限规则', '暂定', '逾期'],
    ...rows.map((d) => [
      d.decisionId,
      D.kinds[d.kind] ?? d.kind,
      d.title,
      d.authority,
      d.undertakingUnit ?? '',
      statusName(d.status),
      stepTerm(d.currentStep),
      beijingTime(d.nextDeadline),
      d.deadlineRule ?? '',
      d.deadlineProvisional ? '是' : '',
      d.overdue ? '是' : '',
    ]),
  ]);
}

function Counts(p: { title: string; counts: Map<string, number>; name: (k: string) => string; link: (k: string) => string }): Child {
  return (
    <table>
      <caption>{p.title}</caption>
      <thead>
        <tr>
          <th scope="col">{p.title}</th>
          <th scope="col">{D.count}</th>
        </tr>
      </thead>
      <tbody>
        {[...p.counts.entries()].map(([k, n]) => (
          <tr>
            <td>
              <a href={p.link(k)}>{p.name(k)}</a>
            </td>
            <td>{n}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface DashboardData {
  q: DashboardQuery;
  rows: DecisionSummary[];
  total: number;
  soonDue: DecisionSummary[];
  refusals: { at: string; actorId: string | null; organisation: string | null; method: string; path: string; status: number; reason: string }[];
  incomplete: { kind: string; decisionId: string; reason?: string }[];
  year: number;
}

export function Dashboard(p: DashboardData): Child {
  const href = (extra: Partial<DashboardQuery>) => {
    const q = new URLSearchParams(Object.entries({ ...p.q, ...extra }).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
    return `/app/dashboard${q.size ? `?${q}` : ''}`;
  };
  const count = (key: (d: DecisionSummary) => string | null) => {
    const m = new Map<string, number>();
    for (const d of p.rows) {
      const k = key(d);
      if (k) m.set(k, (m.get(k) ?? 0) + 1);
    }
    return new Map([...m.entries()].sort((a, b) => b[1] - a[1]));
  };
  const Rows = (r: { rows: DecisionSummary[] }) =>
    r.rows.length ? (
      <table>
        <thead>
          <tr>
            <th scope="col">{T.title}</th>
            <th scope="col">{D.kind}</th>
            <th scope="col">{D.authority}</th>
            <th scope="col">{T.state}</th>
            <th scope="col">{T.step}</th>
            <th scope="col">{T.deadline}</th>
          </tr>
        </thead>
        <tbody>
          {r.rows.map((d) => (
            <tr>
              <td>{d.kind === 'majorDecision' ? <a href={`/app/decisions/${encodeURIComponent(d.decisionId)}`}>{d.title}</a> : d.title}</td>
              <td>{D.kinds[d.kind] ?? d.kind}</td>
              <td>{d.authority}</td>
              <td>{statusName(d.status)}</td>
              <td>{stepTerm(d.currentStep)}</td>
              <td>
                {beijingTime(d.nextDeadline)}
                {d.overdue ? <strong class="overdue">（{D.overdue}）</strong> : ''}
                {d.deadlineProvisional ? <span class="provisional">（{D.provisional}）</span> : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    ) : (
      <p>{D.none}</p>
    );
  const csvHref = href({}).replace('/app/dashboard', '/app/dashboard.csv');
  return (
    <>
      <form method="get" action="/app/dashboard" class="action" aria-labelledby="filters">
        <h2 id="filters">{D.filters}</h2>
        <div class="field">
          <label for="f-kind">{D.kind}</label>
          <select id="f-kind" name="kind">
            <option value="">{D.all}</option>
            {Object.entries(D.kinds).map(([k, name]) => (
              <option value={k} selected={p.q.kind === k}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-authority">{D.authority}</label>
          <input id="f-authority" name="authority" value={p.q.authority ?? ''} />
        </div>
        <div class="field">
          <label for="f-step">{T.step}</label>
          <select id="f-step" name="step">
            <option value="">{D.all}</option>
            {STEP_NAMES.map((s) => (
              <option value={s} selected={p.q.step === s}>
                {STEPS[s].term}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-overdue">{D.onlyOverdue}</label>
          <select id="f-overdue" name="overdue">
            <option value="">{T.no}</option>
            <option value="true" selected={p.q.overdue === 'true'}>
              {T.yes}
            </option>
          </select>
        </div>
        <button type="submit">{D.apply}</button>
      </form>
      <p>
        <a href={csvHref}>{D.csv}</a> · <a href={`/app/reports/compliance?year=${p.year}`}>{D.report}（{p.year}）</a>
        {p.q.authority ? (
          <>
            {' · '}
            <a href={`/app/catalogs/${p.q.authority}/${p.year}`}>
              {D.catalogs}（{p.year}）
            </a>
          </>
        ) : (
          ''
        )}
      </p>
      <div class="grid">
        <Counts title={D.byAuthority} counts={count((d) => d.authority)} name={(k) => k} link={(k) => href({ authority: k })} />
        <Counts title={D.byStep} counts={count((d) => d.currentStep)} name={stepTerm} link={(k) => href({ step: k as StepName })} />
        <Counts title={D.byStatus} counts={count((d) => d.status)} name={statusName} link={(k) => href({ status: k })} />
      </div>
      <h2>{D.list}</h2>
      <p>{D.shown(p.rows.length, p.total)}</p>
      <Rows rows={p.rows} />
      <h2>{D.overdue}</h2>
      <Rows rows={p.rows.filter((d) => d.overdue)} />
      <h2>{D.soonDue}</h2>
      <Rows rows={p.soonDue} />
      <h2>{D.provisional}</h2>
      <Rows rows={p.rows.filter((d) => d.deadlineProvisional)} />
      <h2>{D.awaiting}</h2>
      <Rows rows={p.rows.filter((d) => d.kind === 'enforcement' && d.status === 'awaitingPublication')} />
      <h2>{D.incomplete}</h2>
      {p.incomplete.length ? (
        <ul>
          {p.incomplete.map((r) => (
            <li>
              {r.kind} {r.decisionId}
              {r.reason ? `：${r.reason}` : ''}
            </li>
          ))}
        </ul>
      ) : (
        <p>{D.complete}</p>
      )}
      <h2>{D.refusals}</h2>
      {p.refusals.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{T.time}</th>
              <th scope="col">{T.actor}</th>
              <th scope="col">请求</th>
              <th scope="col">{T.state}</th>
              <th scope="col">原因</th>
            </tr>
          </thead>
          <tbody>
            {p.refusals.map((r) => (
              <tr>
                <td>{beijingTime(r.at)}</td>
                <td>
                  {r.actorId ?? ''} {r.organisation ?? ''}
                </td>
                <td class="mono">
                  {r.method} {r.path}
                </td>
                <td>{r.status}</td>
                <td>{r.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>{D.none}</p>
      )}
    </>
  );
}
