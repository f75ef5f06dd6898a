/**
 * The OpenAPI 3.1 document, served at /openapi.json, generated from the same zod schemas the routes parse their
 * input with and type their answers by (zod's own JSON Schema output): request bodies and query parameters as
 * input, answers as output. Every path parameter is declared, every status a route can answer is documented with its
 * body, and the answers' schemas are closed (no property the code does not give). test/openapi.test.ts validates it
 * with independent validators and fuzzes the running API from it (schemathesis).
 */
import { z } from 'zod';
import { ACTIONS, REVIEW_ACTIONS } from '../domain/actions';
import { CATALOG_ACTIONS, CatalogStatusSchema, CatalogYearSchema } from '../domain/catalog';
import { ComplianceReportSchema } from '../domain/compliance';
import { NoticeAckSchema } from '../domain/enforcement';
import { MAX_BATCH_CASES } from '../domain/enforcementImport';
import { CaseStatusSchema, LegalReviewCaseSchema } from '../domain/enforcementReview';
import { PublicNoticeSchema } from '../domain/notices';
import { code, ProposalSchema, StepAckSchema } from '../domain/schemas';
import { AdoptionBatchSchema, CommentGroupPageSchema, IngestResultSchema } from '../store/comments';
import { DecisionPageSchema } from '../store/record';
import * as A from './schemas';

type JsonSchema = Record<string, unknown>;

/** A zod schema as JSON Schema: `input` for what a request may carry, `output` for what an answer holds. */
function json(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const { $schema: _, ...s } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return s;
}

/** An action's body: its schema without the actor, who is the token's holder. */
function actionBody(schema: z.ZodType): JsonSchema {
  const s = json(schema);
  const properties = { ...(s.properties as JsonSchema) };
  delete properties.actor;
  return { ...s, properties, required: ((s.required as string[]) ?? []).filter((r) => r !== 'actor') };
}

/** The answers' schemas, by name, in components (generated clients get one type for each). */
const ANSWERS = {
  Health: A.HealthSchema,
  Liveness: A.LivenessSchema,
  Readiness: A.ReadinessSchema,
  Invalid: A.InvalidSchema,
  Unauthenticated: A.UnauthenticatedSchema,
  Forbidden: A.ForbiddenSchema,
  NotFound: A.NotFoundSchema,
  Refused: A.RefusedSchema,
  TooLarge: A.TooLargeSchema,
  Notice: PublicNoticeSchema,
  DecisionStarted: A.DecisionStartedSchema,
  DecisionPage: DecisionPageSchema,
  AssignmentPage: A.AssignmentPageSchema,
  AccessRefusalPage: A.AccessRefusalPageSchema,
  DecisionStatus: A.DecisionStatusAnswerSchema,
  DecisionRecord: A.DecisionRecordSchema,
  StepAck: StepAckSchema,
  CommentsStored: IngestResultSchema,
  CommentGroupPage: CommentGroupPageSchema,
  AdoptionAnswered: A.AdoptionAnsweredSchema,
  PublicAdoptionReport: A.PublicAdoptionReportSchema,
  RecordsHealth: A.RecordsHealthSchema,
  ComplianceReport: ComplianceReportSchema,
  CatalogOpened: A.CatalogOpenedSchema,
  CatalogStatus: CatalogStatusSchema,
  CatalogRecord: A.CatalogRecordSchema,
  CaseSubmitted: A.CaseSubmittedSchema,
  CaseStatus: CaseStatusSchema,
  CaseAck: NoticeAckSchema,
  EnforcementBatchResult: A.EnforcementBatchResultSchema,
} satisfies Record<string, z.ZodType>;
type Answer = keyof typeof ANSWERS;

const ref = (name: Answer) => ({ $ref: `#/components/schemas/${name}` });
const jsonAnswer = (description: string, name: Answer) => ({ description, content: { 'application/json': { schema: ref(name) } } });
const HTML = { 'text/html': { schema: { type: 'string' } } };

/** The errors, each with its body; a route lists those it can answer. */
const ERRORS = {
  400: jsonAnswer('Invalid input: `issues` names each field and its problem', 'Invalid'),
  401: jsonAnswer('No token, or not a valid one', 'Unauthenticated'),
  403: jsonAnswer('Not for this role or organisation (the refusal is recorded)', 'Forbidden'),
  404: jsonAnswer('Not found', 'NotFound'),
  409: jsonAnswer(
    'Refused by the procedure: the step is not open, the draft version is stale, the id is used, …; `error: "closed"` with `status` (withdrawn, rejected, stopped, …) when the decision has ended',
    'Refused',
  ),
  413: jsonAnswer('The body is too large (16 MiB for a batch of comments, 4 MiB for a batch of enforcement cases, 1 MiB for anything else)', 'TooLarge'),
};
type ErrorStatus = keyof typeof ERRORS;
const errors = (...statuses: ErrorStatus[]) => Object.fromEntries(statuses.map((s) => [s, ERRORS[s]]));
/** The errors of a read of one thing by a token holder. */
const READ_ERRORS = [401, 403, 404] as const;
/** The errors of an action on one thing. */
const ACTION_ERRORS = [400, 401, 403, 404, 409, 413] as const;

const pathParam = (name: string, schema: z.ZodType, description: string) => ({ name, in: 'path', required: true, description, schema: json(schema) });
const ID = pathParam('id', code, 'the decision id');
const CASE_ID = pathParam('id', code, 'the case id');
const AUTHORITY = pathParam('authority', code, "the authority's code");
const YEAR = pathParam('year', CatalogYearSchema, 'the catalog year');

/** A zod object of query fields as OpenAPI query parameters (each with its schema, description and whether required). */
function queryParams(schema: z.ZodObject): JsonSchema[] {
  const s = json(schema);
  const required = new Set((s.required as string[] | undefined) ?? []);
  return Object.entries(s.properties as Record<string, JsonSchema>).map(([name, { description, ...p }]) => ({
    name,
    in: 'query',
    required: required.has(name),
    ...(description ? { description } : {}),
    schema: p,
  }));
}

const body = (schema: JsonSchema) => ({ required: true, content: { 'application/json': { schema } } });

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  /** One POST route per action of a table (each action's schema, roles and basis documented from the table). */
  const actionPaths = (
    prefix: string,
    parameters: JsonSchema[],
    tag: string,
    actions: Record<string, { schema: z.ZodType; roles: readonly string[]; basis: string }>,
    ack: Answer,
    description: string,
  ) => {
    for (const [action, { schema, roles, basis }] of Object.entries(actions)) {
      paths[`${prefix}/${action}`] = {
        post: {
          operationId: `${tag}_${action}`,
          tags: [tag],
          summary: action,
          description: `For ${roles.join(' or ')} (${basis}).`,
          parameters,
          requestBody: {
            ...body(actionBody(schema)),
            description: "The actor is the token's holder. `requestId` (or the Idempotency-Key header) makes a repeat harmless: it gets the first answer.",
          },
          responses: { 200: jsonAnswer(description, ack), ...errors(...ACTION_ERRORS) },
        },
      };
    }
  };

  paths['/health'] = {
    get: { operationId: 'health', tags: ['service'], summary: 'Liveness', security: [], responses: { 200: jsonAnswer('ok', 'Health') } },
  };
  paths['/livez'] = {
    get: { operationId: 'livez', tags: ['service'], summary: 'Liveness: the process is up', security: [], responses: { 200: jsonAnswer('live', 'Liveness') } },
  };
  paths['/readyz'] = {
    get: {
      operationId: 'readyz',
      tags: ['service'],
      summary: 'Readiness: Temporal, NATS and PostgreSQL answer',
      security: [],
      responses: { 200: jsonAnswer('ready', 'Readiness'), 503: jsonAnswer('a server the API needs does not answer: `failed` names it', 'Readiness') },
    },
  };
  paths['/metrics'] = {
    get: {
      operationId: 'metrics',
      tags: ['service'],
      summary: 'Metrics in the Prometheus text format (README: Operating juece)',
      security: [],
      responses: { 200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  };
  paths['/openapi.json'] = {
    get: {
      operationId: 'openApiDocument',
      tags: ['service'],
      summary: 'This document',
      security: [],
      responses: { 200: { description: 'the OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
  paths['/notices/{authority}'] = {
    get: {
      operationId: 'listNotices',
      tags: ['public'],
      summary: 'Public notices of an authority (公告): consultations, hearings, decisions, catalogs and their changes, enforcement decisions; oldest first',
      security: [],
      parameters: [pathParam('authority', A.NoticeAuthoritySchema, "the authority's code")],
      responses: { 200: { description: 'the notices', content: { 'application/json': { schema: { type: 'array', items: ref('Notice') } } } }, ...errors(400) },
    },
  };
  paths['/public/decisions/{id}/adoption'] = {
    get: {
      operationId: 'publicAdoptionReport',
      tags: ['public'],
      summary: "A consultation's adoption report (征求意见采纳情况, arts. 18, 29), public once the undertaking unit filed it: the comments' groups, largest first, with each answer (format=html: a printable page)",
      security: [],
      parameters: [ID, ...queryParams(A.PublicAdoptionQuerySchema)],
      responses: {
        200: { description: 'the report', content: { 'application/json': { schema: ref('PublicAdoptionReport') }, ...HTML } },
        400: ERRORS[400],
        404: jsonAnswer('no such decision, or its report is not filed', 'NotFound'),
      },
    },
  };
  paths['/decisions'] = {
    post: {
      operationId: 'startDecision',
      tags: ['decisions'],
      summary: 'Start a decision (the undertaking unit, of its own authority)',
      requestBody: body(json(ProposalSchema)),
      responses: { 201: jsonAnswer('started', 'DecisionStarted'), ...errors(400, 401, 403, 409, 413) },
    },
    get: {
      operationId: 'listDecisions',
      tags: ['decisions'],
      summary: 'The decisions, enforcement cases and catalogs the token holder may see, by kind, authority, open step, status, overdue; a page of them with the total',
      description: 'Supervisors see every authority; an undertaking unit its own; anyone else their authority (another authority asked for: 403).',
      parameters: queryParams(A.ListQuerySchema),
      responses: { 200: jsonAnswer('a page of decisions, and how many match in all', 'DecisionPage'), ...errors(400, 401, 403) },
    },
  };
  paths['/access-refusals'] = {
    get: {
      operationId: 'listAccessRefusals',
      tags: ['records'],
      summary: 'Refused requests (no token, wrong role or office, refused actions), newest first: for supervisors',
      parameters: queryParams(A.AccessRefusalQuerySchema),
      responses: { 200: jsonAnswer('a page of refusals, and how many in all', 'AccessRefusalPage'), ...errors(400, 401, 403) },
    },
  };
  paths['/assignments'] = {
    get: {
      operationId: 'listAssignments',
      tags: ['decisions'],
      summary: "The token holder's assignments: decisions on which they are asked (an expert of the pool, the named legality reviewer) and have yet to answer, nearest deadline first",
      parameters: queryParams(A.AssignmentQuerySchema),
      responses: { 200: jsonAnswer("a page of assignments, each a decision summary with `steps` (the holder's), and how many in all", 'AssignmentPage'), ...errors(400, 401) },
    },
  };
  paths['/decisions/{id}'] = {
    get: {
      operationId: 'getDecision',
      tags: ['decisions'],
      summary: "A decision's status: open steps, each step's state, the draft, the latest events, and the comment counts",
      parameters: [ID],
      responses: { 200: jsonAnswer('the status', 'DecisionStatus'), ...errors(...READ_ERRORS) },
    },
  };
  paths['/decisions/{id}/record'] = {
    get: {
      operationId: 'getDecisionRecord',
      tags: ['records'],
      summary: 'The procedure record with its hash chain verified and checked complete against the workflow (format=html: a printable page)',
      parameters: [ID, ...queryParams(A.RecordQuerySchema)],
      responses: { 200: { description: 'the record', content: { 'application/json': { schema: ref('DecisionRecord') }, ...HTML } }, ...errors(400, ...READ_ERRORS) },
    },
  };
  paths['/decisions/{id}/comments'] = {
    post: {
      operationId: 'submitComments',
      tags: ['comments'],
      summary: 'Hand in a batch of public comments (the undertaking unit running the consultation)',
      description: 'All or none; the same text from the same submitter counts once. 409 when the consultation is not open.',
      parameters: [ID],
      requestBody: body(json(A.CommentBatchBodySchema)),
      responses: { 200: jsonAnswer('stored', 'CommentsStored'), ...errors(...ACTION_ERRORS) },
    },
  };
  paths['/decisions/{id}/comments/groups'] = {
    get: {
      operationId: 'listCommentGroups',
      tags: ['comments'],
      summary: "A decision's comment groups (identical texts after folding), largest first, with `total`, each with its answer in the adoption report",
      description: 'For whoever may read the decision. A group of 20 submitters or more is a campaign (集中反映的意见).',
      parameters: [ID, ...queryParams(A.GroupQuerySchema)],
      responses: { 200: jsonAnswer('a page of groups', 'CommentGroupPage'), ...errors(400, ...READ_ERRORS) },
    },
  };
  paths['/decisions/{id}/comments/adoption'] = {
    post: {
      operationId: 'answerCommentGroups',
      tags: ['comments'],
      summary: 'Answer comment groups in the adoption report (采纳情况, arts. 18, 29): adopted or not, with the reason',
      description: 'For the undertaking unit of the decision; all answers or none (a group the decision does not have: 409 naming it). A group answered again keeps the latest answer.',
      parameters: [ID],
      requestBody: body(json(AdoptionBatchSchema)),
      responses: { 200: jsonAnswer('answered, and how many groups remain unanswered', 'AdoptionAnswered'), ...errors(...ACTION_ERRORS) },
    },
  };
  actionPaths('/decisions/{id}/actions', [ID], 'decisionAction', ACTIONS, 'StepAck', 'the step acknowledged: the event recorded');
  paths['/records/health'] = {
    get: {
      operationId: 'recordsHealth',
      tags: ['records'],
      summary: "For supervisors: each projector's figures (events recorded, held behind gaps, repaired from the workflows, stream losses) and the records known to be incomplete",
      responses: { 200: jsonAnswer('health', 'RecordsHealth'), ...errors(401, 403) },
    },
  };
  paths['/reports/compliance'] = {
    get: {
      operationId: 'complianceReport',
      tags: ['records'],
      summary: 'The annual compliance figures (合规情况统计) per authority and undertaking unit, from the procedure record, each with the decision ids behind it',
      description:
        "For supervisors (any authority) and the authority's own staff (their authority; an undertaking unit its own figures). format=csv: UTF-8 with a BOM (Excel); format=html: a printable page in Chinese.",
      parameters: queryParams(A.ReportQuerySchema),
      responses: {
        200: {
          description: 'the report',
          content: { 'application/json': { schema: ref('ComplianceReport') }, 'text/csv': { schema: { type: 'string' } }, ...HTML },
        },
        ...errors(400, 401, 403),
      },
    },
  };
  paths['/catalogs'] = {
    post: {
      operationId: 'openCatalog',
      tags: ['catalogs'],
      summary: "Open an authority's annual catalog of major decision matters (决策事项年度目录, Decree 713 art. 3; seed 004)",
      description: "For the authority's office (meetingSecretary) or head; one workflow per authority and year, closed at the end of 31 December (Beijing time).",
      requestBody: body(json(A.OpenCatalogSchema)),
      responses: { 201: jsonAnswer('opened', 'CatalogOpened'), ...errors(400, 401, 403, 409, 413) },
    },
  };
  paths['/catalogs/{authority}/{year}'] = {
    get: {
      operationId: 'getCatalog',
      tags: ['catalogs'],
      summary: 'The catalog: its items, approval, adjustments, decisions on each item, off-catalog decisions and (once closed) the year-end lists',
      parameters: [AUTHORITY, YEAR],
      responses: { 200: jsonAnswer('the catalog', 'CatalogStatus'), ...errors(400, ...READ_ERRORS) },
    },
  };
  paths['/catalogs/{authority}/{year}/record'] = {
    get: {
      operationId: 'getCatalogRecord',
      tags: ['catalogs'],
      summary: "The catalog's procedure record with its hash chain (format=html: a printable page)",
      parameters: [AUTHORITY, YEAR, ...queryParams(A.RecordQuerySchema)],
      responses: { 200: { description: 'the record', content: { 'application/json': { schema: ref('CatalogRecord') }, ...HTML } }, ...errors(400, ...READ_ERRORS) },
    },
  };
  actionPaths('/catalogs/{authority}/{year}/actions', [AUTHORITY, YEAR], 'catalogAction', CATALOG_ACTIONS, 'StepAck', 'the catalog action acknowledged: the event recorded');
  paths['/enforcement-reviews'] = {
    post: {
      operationId: 'submitLegalReview',
      tags: ['enforcement'],
      summary: 'Submit a proposed major enforcement decision for legal review (重大执法决定法制审核; the enforcement office; the submitter is the token holder)',
      requestBody: body(actionBody(LegalReviewCaseSchema.omit({ submittedBy: true }))),
      responses: { 201: jsonAnswer('submitted (round 1)', 'CaseSubmitted'), ...errors(400, 401, 403, 409, 413) },
    },
  };
  paths['/enforcement-reviews/{id}'] = {
    get: {
      operationId: 'getLegalReview',
      tags: ['enforcement'],
      summary: "A case's legal review (its rounds, opinions and time limit), or once decided its publication",
      parameters: [CASE_ID],
      responses: { 200: jsonAnswer('where the case stands', 'CaseStatus'), ...errors(...READ_ERRORS) },
    },
  };
  actionPaths('/enforcement-reviews/{id}/actions', [CASE_ID], 'reviewAction', REVIEW_ACTIONS, 'CaseAck', 'acknowledged: the event recorded');
  paths['/enforcement-cases/batch'] = {
    post: {
      operationId: 'recordEnforcementCases',
      tags: ['enforcement'],
      summary: "Record enforcement decisions in bulk for publication (行政执法决定公示, 国办发〔2018〕118号): an office's export from its case-handling system, a batch at a time",
      description: [
        `For the enforcement office (undertakingUnit) that made the decisions, of its own authority; 1 to ${MAX_BATCH_CASES} cases, each an enforcement decision as the schema says (a case that does not match: 400 naming \`cases.<row>.<field>\`, nothing started).`,
        'Each case is answered in the batch\'s order: `started` (its publication workflow `enforcement-<caseId>` started, its deadline held), `alreadyRecorded` (a case with this id is already recorded: nothing recorded twice, so a batch sent again, or an interrupted import run again, is harmless), or `refused` with the reason (another office\'s or authority\'s case, an id used by a major decision).',
      ].join(' '),
      requestBody: body(json(A.EnforcementBatchSchema)),
      responses: { 200: jsonAnswer('what became of each case', 'EnforcementBatchResult'), ...errors(400, 401, 403, 413) },
    },
  };

  cached = {
    openapi: '3.1.0',
    info: {
      title: 'juece 决策 API',
      version: '1',
      description:
        "China's major administrative decision procedure (重大行政决策程序暂行条例, 2019) as durable workflows. Every route but /health, /openapi.json, /notices and /public needs a bearer token; the actor of every action is the token's holder.",
    },
    tags: [
      { name: 'decisions', description: 'Major decisions: start, list, status, each step result' },
      { name: 'decisionAction', description: "A decision's step results, one route per action (domain/actions.ts)" },
      { name: 'comments', description: 'Public comments and the adoption report' },
      { name: 'records', description: 'The procedure record, its health and the annual compliance report' },
      { name: 'catalogs', description: 'Annual catalogs of decision matters' },
      { name: 'catalogAction', description: "A catalog's actions" },
      { name: 'enforcement', description: 'Enforcement decisions: their publication, recorded in bulk, and the legal review of major ones' },
      { name: 'reviewAction', description: "A case's legal review actions" },
      { name: 'public', description: 'What the public reads without signing in' },
      { name: 'service', description: 'The service itself' },
    ],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: Object.fromEntries(Object.entries(ANSWERS).map(([name, schema]) => [name, json(schema, 'output')])),
    },
    security: [{ bearer: [] }],
    paths,
  };
  return cached;
}

/** The methods the document gives a path (e.g. `GET, POST` for /decisions), or none where it has no such path. */
export function allowedMethods(path: string): string[] {
  const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
  routes ??= Object.entries(paths).map(([template, item]) => ({
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '[^/]+')}$`),
    methods: Object.keys(item).map((m) => m.toUpperCase()),
  }));
  return [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods))];
}
let routes: { pattern: RegExp; methods: string[] }[] | undefined;
