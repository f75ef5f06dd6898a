/**
 * The HTTP API (hono): start decisions, submit each step's result, submit comments, read status, lists and the
 * procedure record. Every body is validated with the domain's zod schemas; every route but /health, /openapi.json
 * and /notices needs a bearer token; the actor of every action is the token's, never the body's.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { NatsConnection } from 'nats';
import { z } from 'zod';
import { caseWorkflowId, DecisionClosed, DecisionRefused, fieldIssues, IdAlreadyUsed, InvalidInput, type JueceClient } from '../client';
import { readSubject } from '../client/events';
import type { CommentIntake } from '../commands/commentIntake';
import { NOTICES_STREAM } from '../domain/notices';
import { STEP_NAMES } from '../domain/procedure';
import { ACTIONS, roleRefusal, type ActionName } from '../domain/roles';
import { catalogRecordId, catalogRoleRefusal, isCatalogActionName, CATALOG_ACTION_NAMES, type CatalogActionName } from '../domain/catalog';
import { LegalReviewCaseSchema } from '../domain/enforcementReview';
import { REVIEW_ACTIONS, reviewRoleRefusal, type ReviewActionName } from '../domain/actions';
import { PublicNoticeSchema } from '../domain/notices';
import { code, ProposalSchema, type DecisionStatus } from '../domain/schemas';
import { adoptionReportFiledAt, AdoptionBatchSchema, commentCounts, commentGroups, CommentIntakeClosed, recordAdoption, UnknownCommentGroup } from '../store/comments';
import type { Db } from '../store/db';
import { decisionPage, getDecision, idReuseRefusal, recordedKinds, recordOf, type DecisionSummary } from '../store/record';
import {
  AccessRefusalQuerySchema,
  AssignmentQuerySchema,
  CatalogYearParamSchema,
  EnforcementBatchSchema,
  GroupQuerySchema,
  ListQuerySchema,
  NoticeAuthoritySchema,
  OpenCatalogSchema,
  PublicAdoptionQuerySchema,
  RecordQuerySchema,
  ReportQuerySchema,
  RequestIdSchema,
  type AdoptionAnsweredSchema,
  type AccessRefusalPageSchema,
  type AssignmentPageSchema,
  type CaseSubmittedSchema,
  type CatalogOpenedSchema,
  type CatalogRecordSchema,
  type DecisionRecordSchema,
  type DecisionStartedSchema,
  type DecisionStatusAnswerSchema,
  type EnforcementBatchResultSchema,
  type PublicAdoptionReportSchema,
  type RecordsHealthSchema,
} from './schemas';
import { canRead, Forbidden, reportScope, requireActor } from './access';
import { limiter } from './limiter';
import { Unauthenticated, type Principal, type Verifier } from './auth';
import { allowedMethods, openApiDocument } from './openapi';
import { adoptionPage } from './adoptionPage';
import { createWorkspace, type WorkspaceDeps } from '../web/workspace';
import { createPublicPages } from '../web/public';
import { loadCalendars } from '../infra/calendarData';
import { recordPage } from './page';
import { reportCsv, reportPage } from './reportPage';
import { complianceReport } from '../store/report';
import { incompleteRecords, verifyAgainstSource } from '../projector/repair';
import type { Registry } from 'prom-client';
import { createLog, type Log } from '../infra/log';
import { httpMetrics, processRegistry } from '../infra/metrics';
import { metricsText, natsCheck, postgresCheck, readiness, readinessAnswer, temporalCheck } from '../infra/ops';
import { requestMetrics } from './metrics';
import { temporalEventSource } from '../projector/source';

export interface ApiDeps {
  client: JueceClient;
  db: Db;
  verifier: Verifier;
  intake: CommentIntake;
  nats: NatsConnection;
  /** The workspace's development sign-in (embedded defaults, or JUECE_DEV_SIGNIN): a token for a sample actor. */
  devSignIn?: WorkspaceDeps['devSignIn'];
  /** Workflows a batch of enforcement cases starts at once, across all batches (default 32). */
  batchStartConcurrency?: number;
  /** The process's metrics registry, served at /metrics (default: one of its own). */
  registry?: Registry;
  log?: Log;
}

/** Workflows started at once by the batches of enforcement cases, unless the deps say otherwise. */
export const BATCH_START_CONCURRENCY = 32;

type Env = { Variables: { principal: Principal } };

const asBoolean = (v: 'true' | 'false' | undefined) => (v === undefined ? undefined : v === 'true');

export function createApi(deps: ApiDeps): Hono<Env> {
  const app = new Hono<Env>();
  const registry = deps.registry ?? processRegistry();
  const log = deps.log ?? createLog({ process: 'api' });
  app.use('*', requestMetrics(httpMetrics(registry)));

  const refuse = async (c: Context<Env>, status: 401 | 403 | 409, reason: string, answer: Record<string, unknown> = {}) => {
    const p = c.get('principal') as Principal | undefined;
    await deps.db
      .query('INSERT INTO access_refusals (actor_id, role, organisation, method, path, status, reason) VALUES ($1,$2,$3,$4,$5,$6,$7)', [
        p?.actor.id ?? null,
        p?.actor.role ?? null,
        p?.actor.organisation ?? null,
        c.req.method,
        c.req.path,
        status,
        reason,
      ])
      .catch(() => {}); // the answer does not wait on the audit table being reachable
    return c.json({ error: status === 401 ? 'unauthenticated' : status === 403 ? 'forbidden' : 'refused', message: reason, ...answer }, status);
  };

  app.onError(async (err, c) => {
    if (err instanceof InvalidInput) return c.json({ error: 'invalid', message: err.message, issues: err.issues }, 400);
    if (err instanceof Unauthenticated) return refuse(c, 401, err.message);
    if (err instanceof Forbidden) return refuse(c, 403, err.message);
    // A closed decision takes no more actions: 409 with where it ended (withdrawn, rejected, stopped, ...).
    if (err instanceof DecisionClosed) return refuse(c, 409, err.message, { error: 'closed', status: err.status });
    if (err instanceof DecisionRefused) return refuse(c, 409, err.message);
    // A well-formed answer to a group the decision does not have: refused for what the store holds, like a step not open.
    if (err instanceof UnknownCommentGroup) return c.json({ error: 'refused', message: err.message }, 409);
    if (err instanceof CommentIntakeClosed) return c.json({ error: 'closed', message: err.message }, 409);
    if (err instanceof WorkflowNotFoundError || err instanceof NotFound) return c.json({ error: 'notFound', message: err.message }, 404);
    log.error(`juece api: ${c.req.method} ${c.req.path}: ${err.stack ?? err}`, { method: c.req.method, path: c.req.path });
    return c.json({ error: 'internal', message: 'Something went wrong on our side; try again later.' }, 500);
  });

  // Bodies are bounded: a batch of comments up to 16 MiB, a batch of enforcement cases 4 MiB, anything else 1 MiB.
  const limited = (maxSize: number) =>
    bodyLimit({ maxSize, onError: (c) => c.json({ error: 'tooLarge', message: `The body is larger than ${maxSize / 2 ** 20} MiB.` }, 413) });
  const commentsLimit = limited(16 * 2 ** 20);
  const casesLimit = limited(4 * 2 ** 20);
  const defaultLimit = limited(2 ** 20);
  app.use('*', (c, next) =>
    /\/comments$/.test(c.req.path) ? commentsLimit(c, next) : c.req.path === '/enforcement-cases/batch' ? casesLimit(c, next) : defaultLimit(c, next),
  );

  // A path the API has, asked with a method it does not take: 405 with the methods it takes (from the OpenAPI document).
  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length) return c.json({ error: 'methodNotAllowed', message: `${c.req.path} takes ${allowed.join(', ')}, not ${c.req.method}.` }, 405, { allow: allowed.join(', ') });
    return c.json({ error: 'notFound', message: `No route ${c.req.method} ${c.req.path}.` }, 404);
  });

  // Open routes.
  app.get('/health', (c) => c.json({ ok: true }));
  // The operator's: the process is up; the servers it needs answer (503 naming those that do not); its metrics.
  app.get('/livez', (c) => c.json({ status: 'live' }));
  const checks = [temporalCheck(deps.client.client.connection), natsCheck(deps.nats), postgresCheck(deps.db)];
  app.get('/readyz', async (c) => {
    const r = await readiness(checks);
    return c.json(readinessAnswer(r), r.ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => c.body(await metricsText(registry), 200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }));
  // Browsers ask for it on every page; there is none, and asking is no refused access.
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  app.get('/notices/:authority', async (c) => {
    const authority = parse(NoticeAuthoritySchema, c.req.param('authority'), 'authority');
    const notices = await readSubject(deps.nats, NOTICES_STREAM, `juece.notices.${authority}.>`);
    // As published, without the workflow's id; a notice from before there were kinds was an enforcement decision's.
    return c.json(notices.map((n) => PublicNoticeSchema.parse(n)));
  });

  // The adoption report of a consultation (征求意见采纳情况, arts. 18, 29), public once the undertaking unit filed it.
  app.get('/public/decisions/:id/adoption', async (c) => {
    const id = parse(code, c.req.param('id'), 'decision id');
    const q = parse(PublicAdoptionQuerySchema, c.req.query(), 'query');
    const summary = await getDecision(deps.db, 'majorDecision', id);
    const filedAt = summary && (await adoptionReportFiledAt(deps.db, id));
    if (!summary || !filedAt) throw new NotFound(`No adoption report of decision ${id} has been published.`);
    const report: Ty<typeof PublicAdoptionReportSchema> = {
      decisionId: id,
      title: summary.title,
      authority: summary.authority,
      filedAt,
      counts: await commentCounts(deps.db, id),
      page: await commentGroups(deps.db, id, q),
    };
    if (q.format === 'html') return c.html(adoptionPage(report));
    return c.json(report);
  });

  // The public's pages (web/public.tsx): open consultations and their comment form, without signing in.
  app.route('/public', createPublicPages({ db: deps.db, nats: deps.nats, intake: deps.intake }));

  // The workspace's pages (web/): a session cookie instead of a bearer token; they read and act through this API.
  app.route('/app', createWorkspace({ api: app, verifier: deps.verifier, calendar: loadCalendars().national, devSignIn: deps.devSignIn }));

  // Everything else: a valid bearer token.
  app.use('*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token) throw new Unauthenticated('A bearer token is required (Authorization: Bearer <token>).');
    c.set('principal', await deps.verifier.verify(token));
    await next();
  });

  /** The decision's live status, if this principal may read it (404 for a decision that does not exist). */
  const readable = async (c: Context<Env>, decisionId: string): Promise<DecisionStatus> => {
    const status = await deps.client.decision(decisionId).status();
    const p = c.get('principal');
    const units = [status.undertakingUnit, status.leadUnit].filter((u): u is string => !!u);
    const visible = units.some((u) => canRead(p, { authority: status.authority.code, undertakingUnit: u }));
    if (!visible) throw new Forbidden(`${p.actor.organisation} may not read decision ${decisionId}.`);
    return status;
  };
  /** As `readable`, and from the record alone once Temporal no longer has the workflow (its retention is over). */
  const readableOrRecorded = async (c: Context<Env>, decisionId: string): Promise<DecisionStatus | DecisionSummary> => {
    try {
      return await readable(c, decisionId);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      const summary = await getDecision(deps.db, 'majorDecision', decisionId);
      if (!summary) throw err;
      if (!canRead(c.get('principal'), summary)) throw new Forbidden(`${c.get('principal').actor.organisation} may not read decision ${decisionId}.`);
      return summary;
    }
  };
  const actable = async (c: Context<Env>, decisionId: string): Promise<DecisionStatus> => {
    const p = c.get('principal');
    let status: DecisionStatus;
    try {
      status = await deps.client.decision(decisionId).status();
    } catch (err) {
      // A closed decision is closed, not unknown: past Temporal's retention the record still knows how it ended; a
      // workflow that ended without a result (terminated) may not answer the query, but says how it ended.
      const summary = await getDecision(deps.db, 'majorDecision', decisionId);
      if (!summary) throw err;
      requireActor(p, summary);
      if (err instanceof WorkflowNotFoundError) throw new DecisionClosed(decisionId, summary.status);
      throw (await deps.client.decision(decisionId).closed().catch(() => undefined)) ?? err;
    }
    const units = [status.undertakingUnit, status.leadUnit].filter((u): u is string => !!u);
    const allowed = units.find((u) => canRead(p, { authority: status.authority.code, undertakingUnit: u }));
    requireActor(p, { decisionId, authority: status.authority.code, undertakingUnit: allowed ?? status.undertakingUnit });
    return status;
  };

  app.post('/decisions', async (c) => {
    const p = c.get('principal');
    if (p.actor.role !== 'undertakingUnit') throw new Forbidden(`A decision is started by its undertaking unit, not by a ${p.actor.role} (art. 10).`);
    const proposal = parse(ProposalSchema, await body(c), 'proposal');
    if (proposal.undertakingUnit !== p.actor.organisation && proposal.leadUnit !== p.actor.organisation) {
      throw new Forbidden(`${p.actor.organisation} may start only decisions it undertakes, not one of ${proposal.undertakingUnit}.`);
    }
    if (proposal.authority.code !== p.authority) throw new Forbidden(`${p.actor.organisation} works for ${p.authority}, not ${proposal.authority.code}.`);
    // An id the record holds, under either kind, is never started again (lifetime accountability, art. 40).
    const reused = await idReuseRefusal(deps.db, proposal.decisionId);
    if (reused) throw new DecisionRefused(reused);
    const d = await deps.client.startDecision(proposal);
    return c.json({ decisionId: proposal.decisionId, workflowId: d.workflowId } satisfies Ty<typeof DecisionStartedSchema>, 201);
  });

  app.get('/decisions', async (c) => {
    const p = c.get('principal');
    const q = parse(ListQuerySchema, c.req.query(), 'query');
    const scope =
      p.actor.role === 'supervisor' ? {} : p.actor.role === 'undertakingUnit' ? { undertakingUnit: p.actor.organisation } : { authority: p.authority };
    if ('authority' in scope && q.authority && q.authority !== scope.authority) throw new Forbidden(`${p.actor.organisation} reads only ${scope.authority}'s decisions.`);
    return c.json(await decisionPage(deps.db, { ...q, overdue: asBoolean(q.overdue), ...scope }));
  });

  // The holder's own assignments (指定): the decisions on which they are asked and have yet to answer, nearest deadline first.
  app.get('/assignments', async (c) => {
    const p = c.get('principal');
    const q = parse(AssignmentQuerySchema, c.req.query(), 'query');
    const { decisions, ...page } = await decisionPage(deps.db, { ...q, assignee: p.actor.id });
    return c.json({
      ...page,
      assignments: decisions.map((d) => ({ ...d, steps: d.assignees.filter((x) => x.id === p.actor.id).map((x) => x.step) })),
    } satisfies Ty<typeof AssignmentPageSchema>);
  });

  // The workflow's status (its latest events only) and the comment counts, which the comment store alone keeps.
  app.get('/decisions/:id', async (c) => {
    const status = await readable(c, c.req.param('id'));
    return c.json({ ...status, comments: await commentCounts(deps.db, status.decisionId) } satisfies Ty<typeof DecisionStatusAnswerSchema>);
  });

  app.post('/decisions/:id/actions/:action', async (c) => {
    const { id, action } = c.req.param();
    if (!Object.hasOwn(ACTIONS, action)) throw new NotFound(`No action "${action}"; one of: ${Object.keys(ACTIONS).join(', ')}.`);
    const input = await body(c);
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidInput('The body must be a JSON object.', [{ path: '', message: 'expected an object' }]);
    if ('actor' in input) throw new InvalidInput('The actor is the holder of the token; leave it out of the body.', [{ path: 'actor', message: 'not allowed' }]);
    const requestId = parse(RequestIdSchema, (input as { requestId?: unknown }).requestId ?? c.req.header('idempotency-key'), 'requestId (body or Idempotency-Key header)');
    await actable(c, id);
    const wrongRole = roleRefusal(action as ActionName, c.get('principal').actor.role);
    if (wrongRole) throw new Forbidden(wrongRole);
    const ack = await deps.client.decision(id).act(action, { ...input, requestId, actor: c.get('principal').actor });
    return c.json(ack);
  });

  app.post('/decisions/:id/comments', async (c) => {
    const id = c.req.param('id');
    const status = await actable(c, id);
    if (c.get('principal').actor.role !== 'undertakingUnit') throw new Forbidden('Comments are handed in by the undertaking unit that runs the consultation (art. 15).');
    const b = parse(z.strictObject({ comments: z.unknown() }), await body(c), 'body');
    return c.json(await deps.intake.submit(status.decisionId, b.comments));
  });

  // The comment groups (identical texts after folding), largest first, a page at a time; campaigns: 20 submitters or more.
  app.get('/decisions/:id/comments/groups', async (c) => {
    const id = c.req.param('id');
    const q = parse(GroupQuerySchema, c.req.query(), 'query');
    await readableOrRecorded(c, id);
    return c.json(await commentGroups(deps.db, id, { ...q, campaign: asBoolean(q.campaign), answered: asBoolean(q.answered) }));
  });

  // The adoption report (采纳情况, arts. 18, 29): the undertaking unit answers each group, adopted or not, with the reason.
  app.post('/decisions/:id/comments/adoption', async (c) => {
    const id = c.req.param('id');
    const status = await actable(c, id);
    const { actor } = c.get('principal');
    if (actor.role !== 'undertakingUnit') throw new Forbidden('The adoption report is written by the undertaking unit that ran the consultation (arts. 18, 29).');
    const b = parse(AdoptionBatchSchema, await body(c), 'adoption answers');
    await recordAdoption(deps.db, status.decisionId, b.answers, { id: actor.id, name: actor.name, organisation: actor.organisation });
    const unanswered = (await commentGroups(deps.db, status.decisionId, { answered: false, limit: 1 })).total;
    return c.json({ decisionId: status.decisionId, answered: b.answers.length, unanswered } satisfies Ty<typeof AdoptionAnsweredSchema>);
  });

  // Legal review of major enforcement decisions (重大执法决定法制审核, 国办发〔2018〕118号; seed 003 二(四)).
  /** Who the case is of: from the review while in review, from the record once in publication. */
  const caseOf = async (id: string): Promise<{ status: unknown; authority: string; office: string }> => {
    const status = await deps.client.legalReview(id).caseStatus();
    if (status.stage === 'legalReview') return { status, authority: status.authority.code, office: status.office };
    const summary = await getDecision(deps.db, 'enforcement', id);
    if (!summary) throw new NotFound(`Case ${id} is not in the procedure record yet; try again shortly.`);
    return { status, authority: summary.authority, office: summary.undertakingUnit ?? '' };
  };

  app.post('/enforcement-reviews', async (c) => {
    const p = c.get('principal');
    if (p.actor.role !== 'undertakingUnit') throw new Forbidden(`A proposed enforcement decision is submitted by the enforcement office, not by a ${p.actor.role}.`);
    const input = await body(c);
    if (typeof input !== 'object' || input === null || 'submittedBy' in input) throw new InvalidInput('The submitter is the holder of the token; leave submittedBy out of the body.', [{ path: 'submittedBy', message: 'not allowed' }]);
    const kase = parse(LegalReviewCaseSchema, { ...input, submittedBy: p.actor }, 'legal review case');
    if (kase.office !== p.actor.organisation) throw new Forbidden(`${p.actor.organisation} may submit only its own cases, not one of ${kase.office}.`);
    if (kase.authority.code !== p.authority) throw new Forbidden(`${p.actor.organisation} works for ${p.authority}, not ${kase.authority.code}.`);
    const reused = await idReuseRefusal(deps.db, kase.caseId);
    if (reused) throw new DecisionRefused(reused);
    const r = await deps.client.startLegalReview(kase);
    return c.json({ caseId: kase.caseId, workflowId: r.workflowId } satisfies Ty<typeof CaseSubmittedSchema>, 201);
  });

  app.get('/enforcement-reviews/:id', async (c) => {
    const id = c.req.param('id');
    const k = await caseOf(id);
    if (!canRead(c.get('principal'), { authority: k.authority, undertakingUnit: k.office })) throw new Forbidden(`${c.get('principal').actor.organisation} may not read case ${id}.`);
    return c.json(k.status);
  });

  app.post('/enforcement-reviews/:id/actions/:action', async (c) => {
    const { id, action } = c.req.param();
    if (!Object.hasOwn(REVIEW_ACTIONS, action)) throw new NotFound(`No action "${action}"; one of: ${Object.keys(REVIEW_ACTIONS).join(', ')}.`);
    const input = await body(c);
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidInput('The body must be a JSON object.', [{ path: '', message: 'expected an object' }]);
    if ('actor' in input) throw new InvalidInput('The actor is the holder of the token; leave it out of the body.', [{ path: 'actor', message: 'not allowed' }]);
    const requestId = parse(RequestIdSchema, (input as { requestId?: unknown }).requestId ?? c.req.header('idempotency-key'), 'requestId (body or Idempotency-Key header)');
    const p = c.get('principal');
    const k = await caseOf(id);
    requireActor(p, { decisionId: id, authority: k.authority, undertakingUnit: k.office });
    const wrongRole = reviewRoleRefusal(action as ReviewActionName, p.actor.role);
    if (wrongRole) throw new Forbidden(wrongRole);
    if ((k.status as { stage: string }).stage !== 'legalReview') throw new DecisionRefused(`Case ${id} is decided and in publication: its legal review is closed.`);
    return c.json(await deps.client.legalReview(id).act(action, { ...input, requestId, actor: p.actor }));
  });

  // Enforcement decisions in bulk (行政执法决定公示, 国办发〔2018〕118号): an office's export, a batch at a time. Each case
  // starts its publication workflow (`enforcement-<caseId>`, REJECT_DUPLICATE): a case already started is answered
  // alreadyRecorded by Temporal's refusal of the duplicate id, so a batch sent again records nothing twice.
  const startSlot = limiter(deps.batchStartConcurrency ?? BATCH_START_CONCURRENCY);
  app.post('/enforcement-cases/batch', async (c) => {
    const p = c.get('principal');
    if (p.actor.role !== 'undertakingUnit') throw new Forbidden(`Enforcement decisions are recorded by the enforcement office that made them, not by a ${p.actor.role}.`);
    const b = parse(EnforcementBatchSchema, await body(c), 'batch of enforcement cases');
    // Past Temporal's retention only the record still knows an id: one query for the whole batch.
    const recorded = await recordedKinds(deps.db, b.cases.map((k) => k.caseId));
    type Result = Ty<typeof EnforcementBatchResultSchema>['results'][number];
    const one = async (k: (typeof b.cases)[number], index: number): Promise<Result> => {
      const row = { index, caseId: k.caseId };
      const refused = (reason: string): Result => ({ ...row, outcome: 'refused', reason });
      if (k.office !== p.actor.organisation) return refused(`${p.actor.organisation} may record only its own cases, not one of ${k.office}.`);
      if (k.authority.code !== p.authority) return refused(`${p.actor.organisation} works for ${p.authority}, not ${k.authority.code}.`);
      const kinds = recorded.get(k.caseId) ?? [];
      if (kinds.includes('majorDecision')) return refused(`The id ${k.caseId} is already used by a major decision; a decision or case id is never reused.`);
      if (kinds.includes('enforcement')) return { ...row, outcome: 'alreadyRecorded', workflowId: caseWorkflowId(k.caseId) };
      try {
        const h = await startSlot(() => deps.client.recordEnforcementDecision(k));
        return { ...row, outcome: 'started', workflowId: h.workflowId };
      } catch (err) {
        if (err instanceof IdAlreadyUsed && err.by === 'an enforcement case') return { ...row, outcome: 'alreadyRecorded', workflowId: caseWorkflowId(k.caseId) };
        if (err instanceof DecisionRefused || err instanceof InvalidInput) return refused(err.message);
        throw err;
      }
    };
    // Every start settles before the answer (or the error: nothing is left running behind it; a batch sent again is harmless).
    const settled = await Promise.allSettled(b.cases.map(one));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const results = settled.map((s) => (s as PromiseFulfilledResult<Result>).value);
    const count = (o: Result['outcome']) => results.filter((r) => r.outcome === o).length;
    return c.json({ started: count('started'), alreadyRecorded: count('alreadyRecorded'), refused: count('refused'), results } satisfies Ty<typeof EnforcementBatchResultSchema>);
  });

  // For supervisors: how the procedure record keeps up, and which records are known to be incomplete.
  app.get('/records/health', async (c) => {
    if (c.get('principal').actor.role !== 'supervisor') throw new Forbidden("The record's health is for supervisors.");
    const projectors = await deps.db.query<{ name: string; stats: Record<string, unknown>; updated_at: Date }>('SELECT name, stats, updated_at FROM projector_status ORDER BY name');
    const incomplete = await incompleteRecords(deps.db);
    return c.json({
      projectors: projectors.map(({ name, stats: { stream: _stream, ...figures }, updated_at }) => ({ name, figures, updatedAt: new Date(updated_at).toISOString() })),
      incomplete,
    } satisfies Ty<typeof RecordsHealthSchema>);
  });

  // Refused requests (no token, wrong role or office, refused actions), newest first: for supervisors.
  app.get('/access-refusals', async (c) => {
    if (c.get('principal').actor.role !== 'supervisor') throw new Forbidden('Refused access attempts are for supervisors.');
    const q = parse(AccessRefusalQuerySchema, c.req.query(), 'query');
    const rows = await deps.db.query<Record<string, unknown>>('SELECT at, actor_id, role, organisation, method, path, status, reason FROM access_refusals ORDER BY at DESC, id DESC LIMIT $1 OFFSET $2', [
      q.limit ?? 100,
      q.offset ?? 0,
    ]);
    const [t] = await deps.db.query<{ total: string }>('SELECT count(*) AS total FROM access_refusals');
    return c.json({
      total: Number(t?.total ?? 0),
      refusals: rows.map((r) => ({
        at: new Date(r.at as string).toISOString(),
        actorId: (r.actor_id as string | null) ?? null,
        role: (r.role as string | null) ?? null,
        organisation: (r.organisation as string | null) ?? null,
        method: String(r.method),
        path: String(r.path),
        status: Number(r.status),
        reason: String(r.reason),
      })),
    } satisfies Ty<typeof AccessRefusalPageSchema>);
  });

  // The annual compliance figures, from the procedure record alone, every figure with the decisions behind it.
  app.get('/reports/compliance', async (c) => {
    const q = parse(ReportQuerySchema, c.req.query(), 'query');
    const scope = reportScope(c.get('principal'), { authority: q.authority, undertakingUnit: q.undertakingUnit });
    const report = await complianceReport(deps.db, { year: q.year, ...scope });
    if (q.format === 'html') return c.html(reportPage(report));
    if (q.format === 'csv') {
      const name = ['compliance', q.year, scope.authority].filter(Boolean).join('-');
      return c.body(reportCsv(report), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}.csv"` });
    }
    return c.json(report);
  });

  // The annual catalog of decision matters (Decree 713 art. 3; seed 004): drawn up and adjusted by the authority's
  // office or head; read by the authority's staff and supervisors.
  const catalogKey = (c: Context<Env>) => ({
    authority: parse(code, c.req.param('authority'), 'authority'),
    year: parse(CatalogYearParamSchema, c.req.param('year'), 'year'),
  });
  const catalogReader = (c: Context<Env>, authority: string) => {
    const p = c.get('principal');
    if (p.actor.role !== 'supervisor' && p.authority !== authority) throw new Forbidden(`${p.actor.organisation} reads only ${p.authority}'s catalog, not ${authority}'s.`);
  };
  const catalogActor = (c: Context<Env>, authority: string, action: CatalogActionName) => {
    const p = c.get('principal');
    if (p.actor.role === 'supervisor') throw new Forbidden('Supervisors read catalogs; they do not act on them.');
    if (p.authority !== authority) throw new Forbidden(`${p.actor.organisation} works for ${p.authority}, not ${authority}.`);
    const wrongRole = catalogRoleRefusal(action, p.actor.role);
    if (wrongRole) throw new Forbidden(wrongRole);
  };
  app.post('/catalogs', async (c) => {
    const b = parse(OpenCatalogSchema, await body(c), 'catalog');
    catalogActor(c, b.authority.code, 'draftCatalog');
    const h = await deps.client.startCatalog(b);
    return c.json({ authority: b.authority.code, year: b.year, workflowId: h.workflowId } satisfies Ty<typeof CatalogOpenedSchema>, 201);
  });
  app.get('/catalogs/:authority/:year', async (c) => {
    const { authority, year } = catalogKey(c);
    catalogReader(c, authority);
    return c.json(await deps.client.catalog(authority, year).status());
  });
  app.post('/catalogs/:authority/:year/actions/:action', async (c) => {
    const { authority, year } = catalogKey(c);
    const action = c.req.param('action');
    if (!isCatalogActionName(action)) throw new NotFound(`No catalog action "${action}"; one of: ${CATALOG_ACTION_NAMES.join(', ')}.`);
    const input = await body(c);
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidInput('The body must be a JSON object.', [{ path: '', message: 'expected an object' }]);
    if ('actor' in input) throw new InvalidInput('The actor is the holder of the token; leave it out of the body.', [{ path: 'actor', message: 'not allowed' }]);
    const requestId = parse(RequestIdSchema, (input as { requestId?: unknown }).requestId ?? c.req.header('idempotency-key'), 'requestId (body or Idempotency-Key header)');
    catalogActor(c, authority, action);
    return c.json(await deps.client.catalog(authority, year).act(action, { ...input, requestId, actor: c.get('principal').actor }));
  });
  app.get('/catalogs/:authority/:year/record', async (c) => {
    const { authority, year } = catalogKey(c);
    const q = parse(RecordQuerySchema, c.req.query(), 'query');
    catalogReader(c, authority);
    const id = catalogRecordId(authority, year);
    const summary = await getDecision(deps.db, 'catalog', id);
    if (!summary) throw new NotFound(`No record of ${authority}'s ${year} catalog.`);
    const [entries, verification] = await Promise.all([recordOf(deps.db, 'catalog', id), verifyAgainstSource(deps.db, temporalEventSource(deps.client.client), 'catalog', id)]);
    if (q.format === 'html') return c.html(recordPage({ decisionId: id, title: summary.title }, entries, verification));
    return c.json({ catalog: summary, verification, entries } satisfies Ty<typeof CatalogRecordSchema>);
  });

  app.get('/decisions/:id/record', async (c) => {
    const id = c.req.param('id');
    const q = parse(RecordQuerySchema, c.req.query(), 'query');
    // The record outlives the workflow's retention: a closed decision is read from the record alone.
    const decision = await readableOrRecorded(c, id);
    // Complete only if it holds everything the workflow has published (while Temporal still has the workflow).
    const [entries, verification] = await Promise.all([
      recordOf(deps.db, 'majorDecision', id),
      verifyAgainstSource(deps.db, temporalEventSource(deps.client.client), 'majorDecision', id),
    ]);
    if (q.format === 'html') return c.html(recordPage({ decisionId: id, title: decision.title }, entries, verification));
    return c.json({ decision, verification, entries } satisfies Ty<typeof DecisionRecordSchema>);
  });

  return app;
}

/** What a route answers with, by its schema in schemas.ts (checked by the type checker, documented in openapi.ts). */
type Ty<S extends z.ZodType> = z.output<S>;

export class NotFound extends Error {
  override name = 'NotFound';
}

async function body(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new InvalidInput('The body is not JSON.', [{ path: '', message: 'not JSON' }]);
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = fieldIssues(parsed.error);
    throw new InvalidInput(`Invalid ${what}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`, issues);
  }
  return parsed.data;
}
