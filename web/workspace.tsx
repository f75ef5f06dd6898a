/**
 * The workspace (工作台): pages for the people who carry a decision, served by the API process under /app. Pages
 * are rendered on the server (hono JSX) and work without script; every read and every action goes through the
 * HTTP API in-process with the person's own token, so the pages can show and do exactly what the API allows, with
 * its checks, refusals and request-id deduplication. Sign-in keeps the token in a session cookie (session.ts).
 */
import { Hono, type Context } from 'hono';
import type { Child } from 'hono/jsx';
import { ACTION_NAMES, ACTIONS, type ActionName } from '../domain/actions';
import { shanghaiDate, STEP_NAMES, STEPS, type StepName } from '../domain/procedure';
import type { DecisionStatus, HistoryEntry, Role } from '../domain/schemas';
import type { CatalogStatus } from '../domain/catalog';
import type { ProcedureEvent } from '../domain/events';
import type { WorkingCalendar } from '../domain/calendar';
import type { Principal, Verifier } from '../api/auth';
import type { DecisionSummary } from '../store/record';
import { Dashboard, dashboardCsv, DashboardQuerySchema, type DashboardData } from './dashboard';
import { ActionForm, fieldsOf, inputFrom } from './forms';
import { beijingTime, Page, STYLESHEET } from './layout';
import { csrfOk, csrfToken, endSession, pageHeaders, sessionToken, startSession } from './session';
import { D, EVENT_LABELS, T } from './text';

export interface WorkspaceDeps {
  /** The API itself: pages read and act through it, in-process, as the signed-in person. */
  api: { request: (path: string, init?: RequestInit) => Response | Promise<Response> };
  verifier: Verifier;
  /** The national working-day calendar, for working days left. */
  calendar: WorkingCalendar;
  /** Development sign-in (embedded defaults): a token for one of these actors. */
  devSignIn?: { actors: Record<string, Principal>; sign: (p: Principal) => Promise<string> };
}

type Env = { Variables: { principal: Principal; token: string } };

interface ApiAnswer<T = any> {
  status: number;
  json: T;
}

/** Which steps each role acts on, from the action table: its inbox lists decisions with one of them open. */
function stepsOf(role: Role): StepName[] {
  const steps = ACTION_NAMES.filter((a) => (ACTIONS[a].roles as readonly Role[]).includes(role)).map((a) => ACTIONS[a].when);
  return [...new Set(steps.filter((w): w is StepName => (STEP_NAMES as readonly string[]).includes(w ?? '')))];
}

export function createWorkspace(deps: WorkspaceDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use('*', pageHeaders);

  const call = async <T = any>(c: Context<Env>, method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const res = await deps.api.request(path, {
      method,
      headers: { authorization: `Bearer ${c.get('token')}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as T };
  };

  app.get('/static/app.css', (c) => c.body(STYLESHEET, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=3600' }));

  // Sign-in: a token from the office's identity system, or on embedded defaults one of the sample actors.
  const signInPage = (c: Context, message?: string) =>
    c.html(
      <Page title={T.signIn}>
        {message ? <p class="refusal" role="alert">{message}</p> : ''}
        <form method="post" action="/app/signin" class="action">
          <input type="hidden" name="_csrf" value={csrfToken(c)} />
          <div class="field">
            <label for="token">{T.tokenLabel}</label>
            <textarea id="token" name="token" rows={3} required></textarea>
          </div>
          <button type="submit">{T.signInToken}</button>
        </form>
        {deps.devSignIn ? (
          <section aria-labelledby="dev">
            <h2 id="dev">{T.devSignIn}</h2>
            <form method="post" action="/app/signin" class="signin-actors">
              <input type="hidden" name="_csrf" value={csrfToken(c)} />
              {Object.entries(deps.devSignIn.actors).map(([key, p]) => (
                <button type="submit" name="actor" value={key}>
                  {p.actor.name}（{T.roles[p.actor.role]}）
                </button>
              ))}
            </form>
          </section>
        ) : (
          ''
        )}
      </Page>,
      message ? 401 : 200,
    );
  app.get('/signin', (c) => signInPage(c));
  app.post('/signin', async (c) => {
    const form = await c.req.parseBody();
    if (!csrfOk(c, form._csrf)) return signInPage(c, T.csrf);
    let token: string | undefined;
    if (typeof form.actor === 'string' && deps.devSignIn?.actors[form.actor]) token = await deps.devSignIn.sign(deps.devSignIn.actors[form.actor]!);
    else if (typeof form.token === 'string') token = form.token.trim();
    try {
      if (!token) throw new Error('no token');
      await deps.verifier.verify(token);
    } catch {
      return signInPage(c, '令牌无效或已过期。');
    }
    startSession(c, token);
    return c.redirect('/app', 303);
  });

  // Everything else: a session.
  app.use('*', async (c, next) => {
    const token = sessionToken(c);
    const principal = token ? await deps.verifier.verify(token).catch(() => undefined) : undefined;
    if (!token || !principal) return c.redirect('/app/signin', 303);
    c.set('principal', principal);
    c.set('token', token);
    await next();
  });
  app.post('/signout', async (c) => {
    const form = await c.req.parseBody();
    if (csrfOk(c, form._csrf)) endSession(c);
    return c.redirect('/app/signin', 303);
  });

  const today = () => shanghaiDate(Date.now());
  const workingDaysLeft = (iso: string) => deps.calendar.workingDaysBetween(today(), shanghaiDate(Date.parse(iso)));
  const DeadlineCell = (d: Pick<DecisionSummary, 'nextDeadline' | 'overdue' | 'deadlineProvisional'>) =>
    d.nextDeadline ? (
      <>
        {beijingTime(d.nextDeadline).slice(0, 10)}
        {d.overdue ? <strong class="overdue">（{T.overdue}）</strong> : <span>（{T.workingDaysLeft} {Math.max(0, workingDaysLeft(d.nextDeadline))}）</span>}
        {d.deadlineProvisional ? <span class="provisional">（{T.provisional}）</span> : ''}
      </>
    ) : (
      ''
    );
  const steps = (open: readonly string[]) => open.map((s) => STEPS[s as StepName]?.term ?? s).join('、');

  // The inbox: what waits on this person, nearest deadline first.
  app.get('/', async (c) => {
    const p = c.get('principal');
    const mine = (await call<{ assignments: (DecisionSummary & { steps: string[] })[] }>(c, 'GET', '/assignments')).json.assignments ?? [];
    const byRole =
      p.actor.role === 'expert' || p.actor.role === 'supervisor'
        ? []
        : (await Promise.all(stepsOf(p.actor.role).map(async (step) => (await call<{ decisions: DecisionSummary[] }>(c, 'GET', `/decisions?kind=majorDecision&step=${step}`)).json.decisions ?? []))).flat();
    const rows = new Map<string, DecisionSummary & { assigned?: string[] }>();
    for (const d of byRole) rows.set(d.decisionId, d);
    for (const d of mine) rows.set(d.decisionId, { ...d, assigned: d.steps });
    const list = [...rows.values()].sort((a, b) => (a.nextDeadline ?? '9999').localeCompare(b.nextDeadline ?? '9999'));
    return c.html(
      <Page title={T.inbox} who={p} csrf={csrfToken(c)}>
        {list.length ? (
          <table>
            <caption class="skip">{T.inbox}</caption>
            <thead>
              <tr>
                <th scope="col">{T.title}</th>
                <th scope="col">{T.step}</th>
                <th scope="col">{T.deadline}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((d) => (
                <tr>
                  <td>
                    <a href={`/app/decisions/${encodeURIComponent(d.decisionId)}`}>{d.title}</a>
                  </td>
                  <td>
                    {steps(d.openSteps)}
                    {d.assigned ? <strong>（{T.assignedTo}：{steps(d.assigned)}）</strong> : ''}
                  </td>
                  <td>{DeadlineCell(d)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{T.inboxEmpty}</p>
        )}
        {p.actor.role === 'supervisor' ? (
          <p>
            <a href="/app/dashboard">{D.title}</a>
          </p>
        ) : (
          ''
        )}
      </Page>,
    );
  });

  /** The actions this person may take now on this decision: by role, by when the table says, by assignment. */
  function actionsNow(p: Principal, s: DecisionStatus, seen: Set<string>): ActionName[] {
    const beforeDecision = s.status === 'inProgress' || s.status === 'deferred';
    const a = s.assignments;
    const asked = (a?.experts ?? []).filter((e) => !e.replacedBy);
    return ACTION_NAMES.filter((name) => {
      const rule = ACTIONS[name];
      if (!(rule.roles as readonly Role[]).includes(p.actor.role)) return false;
      if (p.actor.role === 'undertakingUnit' && ![s.undertakingUnit, s.leadUnit].includes(p.actor.organisation)) return false;
      const when = rule.when;
      if (when === 'beforeDecision' ? !beforeDecision : when === 'execution' ? !['inExecution', 'suspended'].includes(s.status) : when && !s.openSteps.includes(when)) return false;
      switch (name) {
        case 'submitExpertOpinion':
          return !a?.opinionsFrom.includes(p.actor.id) && (!a?.required || asked.some((e) => e.id === p.actor.id));
        case 'reassignExpert':
          return asked.length > 0;
        case 'assignLegalityReviewer':
          return !a?.reviewer;
        case 'reassignLegalityReviewer':
          return Boolean(a?.reviewer);
        case 'requestLegalityReview':
          return a?.reviewRequestedFor === undefined;
        case 'signForLegalityReview':
          return a?.reviewRequestedFor !== undefined && !a.signedFor && (!a.required || !a.reviewer || a.reviewer.id === p.actor.id);
        case 'completeLegalityReview':
          return a?.reviewRequestedFor !== undefined && (!a.required || a.reviewer?.id === p.actor.id);
        case 'openConsultation':
          return !seen.has('consultationOpened');
        case 'scheduleHearing':
          return Boolean(s.hearingPossible) && !seen.has('hearingScheduled');
        case 'recordHearing':
          return seen.has('hearingScheduled') && !seen.has('hearingHeld');
        case 'completePublicParticipation':
          return seen.has('commentPeriodClosed');
        default:
          return true;
      }
    });
  }

  type Outcome = { action: ActionName; values: Record<string, string>; errors?: Record<string, string>; refusal?: string };

  async function decisionPage(c: Context<Env>, id: string, outcome?: Outcome, status = 200) {
    const p = c.get('principal');
    const [d, r] = await Promise.all([
      call<DecisionStatus & { message?: string }>(c, 'GET', `/decisions/${encodeURIComponent(id)}`),
      call<{ entries: { seq: number; hash: string; event: ProcedureEvent }[]; verification: { ok: boolean } }>(c, 'GET', `/decisions/${encodeURIComponent(id)}/record`),
    ]);
    type Notice = { kind?: string; action: string; subjectId: string; title: string; documentNumber: string; at: string };
    const notices =
      d.status === 200 ? ((await call<Notice[]>(c, 'GET', `/notices/${encodeURIComponent(d.json.authority.code)}`)).json ?? []).filter?.((n) => n.subjectId === id) ?? [] : [];
    if (d.status !== 200) {
      return c.html(
        <Page title={T.decision} who={p} csrf={csrfToken(c)}>
          <p class="refusal" role="alert">{d.status === 404 ? T.notFound : `${T.forbidden}${d.json.message ?? ''}`}</p>
        </Page>,
        d.status === 404 ? 404 : 403,
      );
    }
    const s = d.json;
    const entries = r.status === 200 ? r.json.entries : [];
    const history: Pick<HistoryEntry, 'type' | 'step' | 'deadline'>[] = entries.length ? entries.map((e) => e.event) : s.history;
    const dueOf = (step: StepName) => {
      const set = history.filter((e) => e.step === step && (e.type === 'deadlineSet' || e.type === 'deadlineRecomputed')).at(-1);
      const met = set && history.slice(history.lastIndexOf(set)).some((e) => e.step === step && (e.type === 'deadlineMet' || e.type === 'deadlineMissed'));
      return set?.deadline && !met ? set.deadline : undefined;
    };
    const done = c.req.query('done');
    const csrf = csrfToken(c);
    const actions = actionsNow(p, s, new Set([...s.history, ...entries.map((e) => e.event)].map((e) => e.type)));
    const defaults = {
      draftVersion: String(s.draft.version),
      openedOn: today(),
      periodDays: '30',
      heldOn: today(),
      reportedOn: today(),
      publishedOn: today(),
      commentsReceived: String((s as { comments?: { received?: number } }).comments?.received ?? 0),
      // The office names its own staff by default: the person signed in.
      reviewer: JSON.stringify({ id: p.actor.id, name: p.actor.name, organisation: p.actor.organisation, capacity: 'legalAffairsOffice' }),
    };
    return c.html(
      <Page title={s.title} who={p} csrf={csrf}>
        <p>
          {s.authority.name} · {T.roles.undertakingUnit}：{s.undertakingUnit} · {T.state}：{T.statuses[s.status] ?? s.status} ·{' '}
          <a href={`/app/decisions/${encodeURIComponent(id)}/record`}>{T.printable}</a>
        </p>
        {done && (ACTION_NAMES as readonly string[]).includes(done) ? (
          <p class="notice" role="status">
            {T.done}
            {T.actions[done as ActionName]}
          </p>
        ) : (
          ''
        )}
        {outcome?.refusal ? (
          <p class="refusal" role="alert">
            {T.refused}
            {outcome.refusal}
          </p>
        ) : (
          ''
        )}
        <h2>{T.steps}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{T.step}</th>
              <th scope="col">{T.state}</th>
              <th scope="col">{T.basis}</th>
              <th scope="col">{T.deadline}</th>
            </tr>
          </thead>
          <tbody>
            {STEP_NAMES.map((step) => {
              const st = s.steps[step];
              const due = st?.state === 'open' ? dueOf(step) : undefined;
              return (
                <tr>
                  <th scope="row">{STEPS[step].term}</th>
                  <td class={`state-${st?.state ?? 'pending'}`}>
                    {T.stepStates[st?.state ?? 'pending']}
                    {st?.note ? `：${st.note}` : ''}
                  </td>
                  <td>《重大行政决策程序暂行条例》{st?.basis ?? STEPS[step].basis}</td>
                  <td>{due ? `${due.date}${due.provisional ? `（${T.provisional}）` : ''}` : ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <h2>{T.yourActions}</h2>
        {actions.length ? (
          actions.map((a) => (
            <ActionForm
              decisionId={id}
              action={a}
              csrf={csrf}
              defaults={defaults}
              values={outcome?.action === a ? outcome.values : undefined}
              errors={outcome?.action === a ? outcome.errors : undefined}
              open={actions.length === 1}
            />
          ))
        ) : (
          <p>{T.noActions}</p>
        )}
        <h2>{T.drafts}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{T.version}</th>
              <th scope="col">{T.reference}</th>
              <th scope="col">{T.hash}</th>
            </tr>
          </thead>
          <tbody>
            {(s.drafts ?? [s.draft]).map((v) => (
              <tr>
                <td>{v.version}</td>
                <td>{v.reference}</td>
                <td class="mono">{v.sha256}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>{T.notices}</h2>
        {notices.length ? (
          <ul>
            {notices.map((n) => (
              <li>
                {n.title}（{[n.documentNumber, beijingTime(n.at), n.action === 'takeDown' ? T.takenDown : ''].filter(Boolean).join('，')}）
              </li>
            ))}
          </ul>
        ) : (
          <p>{T.noNotices}</p>
        )}
        <h2>{T.timeline}</h2>
        <Timeline entries={entries.map((e) => e.event)} />
      </Page>,
      status as 200,
    );
  }

  // The supervisors' dashboard, its CSV, and the compliance report (printable page or CSV) through the API.
  const dashboardData = async (c: Context<Env>): Promise<DashboardData | undefined> => {
    if (c.get('principal').actor.role !== 'supervisor') return undefined;
    const q = DashboardQuerySchema.parse(c.req.query());
    const filter = new URLSearchParams(Object.entries({ ...q, limit: '1000' }).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const [list, refusals, health] = await Promise.all([
      call<{ decisions: DecisionSummary[]; total?: number }>(c, 'GET', `/decisions?${filter}`),
      call<{ refusals: DashboardData['refusals'] }>(c, 'GET', '/access-refusals?limit=50'),
      call<{ incomplete: DashboardData['incomplete'] }>(c, 'GET', '/records/health'),
    ]);
    const rows = list.json.decisions ?? [];
    const soonDue = rows.filter((d) => d.nextDeadline && !d.overdue && workingDaysLeft(d.nextDeadline) <= 5);
    return { q, rows, total: list.json.total ?? rows.length, soonDue, refusals: refusals.json.refusals ?? [], incomplete: health.json.incomplete ?? [], year: Number(today().slice(0, 4)) };
  };
  const supervisorsOnly = (c: Context<Env>) =>
    c.html(
      <Page title={D.title} who={c.get('principal')} csrf={csrfToken(c)}>
        <p class="refusal" role="alert">{T.forbidden}督察总览仅供督察人员使用。</p>
      </Page>,
      403,
    );
  app.get('/dashboard', async (c) => {
    const data = await dashboardData(c);
    if (!data) return supervisorsOnly(c);
    return c.html(
      <Page title={D.title} who={c.get('principal')} csrf={csrfToken(c)}>
        <Dashboard {...data} />
      </Page>,
    );
  });
  app.get('/dashboard.csv', async (c) => {
    const data = await dashboardData(c);
    if (!data) return supervisorsOnly(c);
    return c.body(dashboardCsv(data.rows), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="juece-${today()}.csv"` });
  });
  app.get('/reports/compliance', async (c) => {
    const q = new URLSearchParams(c.req.query());
    if (!q.has('format')) q.set('format', 'html');
    const res = await deps.api.request(`/reports/compliance?${q}`, { headers: { authorization: `Bearer ${c.get('token')}` } });
    c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'");
    return new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'text/html; charset=utf-8', ...(res.headers.get('content-disposition') ? { 'content-disposition': res.headers.get('content-disposition')! } : {}) } });
  });

  // An authority's annual catalog of decision matters (决策事项年度目录, Decree 713 art. 3), as the API gives it.
  app.get('/catalogs/:authority/:year', async (c) => {
    const p = c.get('principal');
    const r = await call<CatalogStatus & { message?: string }>(c, 'GET', `/catalogs/${encodeURIComponent(c.req.param('authority'))}/${encodeURIComponent(c.req.param('year'))}`);
    if (r.status !== 200) {
      return c.html(
        <Page title={T.catalog} who={p} csrf={csrfToken(c)}>
          <p class="refusal" role="alert">{r.status === 404 ? T.noCatalog : `${T.forbidden}${r.json.message ?? ''}`}</p>
        </Page>,
        r.status === 404 ? 404 : 403,
      );
    }
    const k = r.json;
    return c.html(
      <Page title={`${k.authority.name}${k.year}年度${T.catalog}`} who={p} csrf={csrfToken(c)}>
        <p>
          {T.state}：{T.catalogStates[k.state] ?? k.state}
          {k.documentNumber ? ` · ${k.documentNumber}` : ''}
          {k.approval ? ` · ${k.approval.agreedBy}同意（${k.approval.reference}）` : ''} · 调整 {k.changes} 次
        </p>
        <table>
          <thead>
            <tr>
              <th scope="col">编号</th>
              <th scope="col">{T.title}</th>
              <th scope="col">{T.roles.undertakingUnit}</th>
              <th scope="col">计划季度</th>
              <th scope="col">{T.state}</th>
              <th scope="col">已启动的决策</th>
            </tr>
          </thead>
          <tbody>
            {k.items.map((i) => (
              <tr>
                <td>{i.itemId}</td>
                <td>{i.title}</td>
                <td>{i.undertakingUnit}</td>
                <td>第{i.plannedQuarter}季度</td>
                <td>
                  {i.status === 'removed' ? `已删除：${i.removedReason ?? ''}` : i.origin === 'adjustment' ? `年中增列：${i.addedReason ?? ''}` : '列入目录'}
                </td>
                <td>
                  {i.decisions.map((d) => (
                    <a href={`/app/decisions/${encodeURIComponent(d)}`}>{d} </a>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>目录外决策事项</h2>
        {k.offCatalog.length ? (
          <ul>
            {k.offCatalog.map((o) => (
              <li>
                <a href={`/app/decisions/${encodeURIComponent(o.decisionId)}`}>{o.title}</a>：{o.reason}
              </li>
            ))}
          </ul>
        ) : (
          <p>{D.none}</p>
        )}
        {k.yearEnd ? (
          <>
            <h2>年终未启动的事项</h2>
            {k.yearEnd.neverStarted.length ? (
              <ul>
                {k.yearEnd.neverStarted.map((i) => (
                  <li>
                    {i.title}（{i.itemId}，{i.undertakingUnit}）
                  </li>
                ))}
              </ul>
            ) : (
              <p>{D.none}</p>
            )}
          </>
        ) : (
          ''
        )}
      </Page>,
    );
  });

  app.get('/decisions/:id', (c) => decisionPage(c, c.req.param('id')));

  // The printable, verified record (the API's page, as this person may read it; its styles are inline).
  app.get('/decisions/:id/record', async (c) => {
    const res = await deps.api.request(`/decisions/${encodeURIComponent(c.req.param('id'))}/record?format=html`, { headers: { authorization: `Bearer ${c.get('token')}` } });
    c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'");
    return res.status === 200 ? c.html(await res.text()) : decisionPage(c, c.req.param('id'));
  });

  app.post('/decisions/:id/actions/:action', async (c) => {
    const { id, action } = c.req.param();
    if (!(ACTION_NAMES as readonly string[]).includes(action)) return c.notFound();
    const name = action as ActionName;
    const form = await c.req.parseBody();
    const values = Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => typeof e[1] === 'string'));
    if (!csrfOk(c, form._csrf)) return decisionPage(c, id, { action: name, values, refusal: T.csrf }, 403);
    const r = await call<{ message?: string; issues?: { path: string; message: string }[] }>(c, 'POST', `/decisions/${encodeURIComponent(id)}/actions/${name}`, inputFrom(name, form));
    if (r.status === 200) return c.redirect(`/app/decisions/${encodeURIComponent(id)}?done=${name}`, 303);
    if (r.status === 400) {
      const errors: Record<string, string> = {};
      for (const i of r.json.issues ?? []) errors[String(i.path).split('.')[0] || '_'] ??= i.message;
      // Errors of fields the form has are shown at the field; any other (the whole input, a hidden field) above it.
      const fields = fieldsOf(name);
      const other = Object.entries(errors).filter(([k]) => !fields.some((f) => f.name === k)).map(([k, m]) => (k === '_' ? m : `${k}：${m}`));
      const atFields = fields.filter((f) => errors[f.name]).map((f) => f.label);
      return decisionPage(c, id, { action: name, values, errors, refusal: `${T.invalid}${[...atFields, ...other].join('；') || (r.json.message ?? '')}` }, 400);
    }
    return decisionPage(c, id, { action: name, values, refusal: r.json.message ?? String(r.status) }, r.status);
  });

  return app;
}

function Timeline(p: { entries: ProcedureEvent[] }): Child {
  return (
    <table class="timeline">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">{T.time}</th>
          <th scope="col">{T.step}</th>
          <th scope="col">{T.event}</th>
          <th scope="col">{T.content}</th>
          <th scope="col">{T.actor}</th>
          <th scope="col">{T.basis}</th>
        </tr>
      </thead>
      <tbody>
        {p.entries.map((e) => (
          <tr>
            <td>{e.seq}</td>
            <td>{beijingTime(e.at)}</td>
            <td>{e.step ? STEPS[e.step as StepName]?.term : ''}</td>
            <td title={e.type}>{EVENT_LABELS[e.type] ?? e.type}</td>
            <td>{e.summary}</td>
            <td>{e.actor ? `${e.actor.name}（${e.actor.organisation}）` : ''}</td>
            <td>{e.basis ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
