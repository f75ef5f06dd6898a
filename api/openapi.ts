/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate every request (zod's own
 * JSON Schema output), served at /openapi.json.
 */
import { z } from 'zod';
import { ACTIONS, REVIEW_ACTIONS } from '../domain/actions';
import { CATALOG_ACTIONS, CatalogStatusSchema } from '../domain/catalog';
import { LegalReviewCaseSchema } from '../domain/enforcementReview';
import { ComplianceReportSchema } from '../domain/compliance';
import { ProposalSchema } from '../domain/schemas';
import { AdoptionBatchSchema, CommentSchema } from '../store/comments';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

/** An action's body: its schema without the actor, who is the token's holder. */
function actionBody(schema: z.ZodType): Record<string, unknown> {
  const s = json(schema);
  const properties = { ...(s.properties as Record<string, unknown>) };
  delete properties.actor;
  return { ...s, properties, required: ((s.required as string[]) ?? []).filter((r) => r !== 'actor') };
}

const errors = {
  400: { description: 'Invalid input: `issues` names each field and its problem' },
  401: { description: 'No token, or not a valid one' },
  403: { description: 'Not for this role or organisation (the refusal is recorded)' },
  404: { description: 'No such decision' },
  409: {
    description:
      'Refused by the procedure: the step is not open, the draft version is stale, …; `error: "closed"` with `status` (withdrawn, rejected, stopped, …) when the decision has ended',
  },
};

const query = (name: string, description: string, schema: Record<string, unknown>) => ({ name, in: 'query', required: false, description, schema });
const page = [
  query('limit', 'at most this many (1-1000, default 100)', { type: 'integer', minimum: 1, maximum: 1000 }),
  query('offset', 'skip this many', { type: 'integer', minimum: 0 }),
];

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  /** One POST route per action of a table (each action's schema, roles and basis documented from the table). */
  const actionPaths = (prefix: string, actions: Record<string, { schema: z.ZodType; roles: readonly string[]; basis: string }>, ack: string) => {
    for (const [action, { schema, roles, basis }] of Object.entries(actions)) {
      paths[`${prefix}/${action}`] = {
        post: {
          summary: action,
          description: `For ${roles.join(' or ')} (${basis}).`,
          requestBody: { required: true, content: { 'application/json': { schema: actionBody(schema) } } },
          responses: { 200: { description: ack }, ...errors },
        },
      };
    }
  };
  const paths: Record<string, unknown> = {
    '/health': { get: { summary: 'Liveness', security: [], responses: { 200: { description: 'ok' } } } },
    '/public/decisions/{id}/adoption': {
      get: {
        summary: "A consultation's adoption report (征求意见采纳情况, arts. 18, 29), public once the undertaking unit filed it: the comments' groups, largest first, with each answer (format=html: a printable page)",
        security: [],
        parameters: [...page, query('format', 'json (default) or html', { type: 'string', enum: ['json', 'html'] })],
        responses: { 200: { description: 'the report' }, 400: errors[400], 404: { description: 'no such decision, or its report is not filed' } },
      },
    },
    '/notices/{authority}': { get: { summary: 'Public notices of an authority (公告)', security: [], responses: { 200: { description: 'notices' } } } },
    '/decisions': {
      post: {
        summary: 'Start a decision (the undertaking unit)',
        requestBody: { required: true, content: { 'application/json': { schema: json(ProposalSchema) } } },
        responses: { 201: { description: 'started' }, ...errors },
      },
      get: { summary: 'List decisions by authority, open step, status, overdue', responses: { 200: { description: 'decisions' }, ...errors } },
    },
    '/decisions/{id}': { get: { summary: "A decision's status, open steps and deadlines", responses: { 200: { description: 'status' }, ...errors } } },
    '/decisions/{id}/record': {
      get: { summary: 'The procedure record with its hash chain (format=html: a printable page)', responses: { 200: { description: 'record' }, ...errors } },
    },
    '/decisions/{id}/comments/groups': {
      get: {
        summary: "A decision's comment groups (identical texts after folding), largest first, with `total`, each with its answer in the adoption report",
        description: 'For whoever may read the decision. A group of 20 submitters or more is a campaign (集中反映的意见).',
        parameters: [
          query('campaign', 'true: only campaigns; false: only the other groups', { type: 'string', enum: ['true', 'false'] }),
          query('answered', 'true: only groups answered in the adoption report; false: only those not yet answered', { type: 'string', enum: ['true', 'false'] }),
          ...page,
        ],
        responses: { 200: { description: '{ decisionId, total, limit, offset, groups: [{ groupId, text, comments, campaign, adopted, reason, answeredBy, answeredAt }] }' }, ...errors },
      },
    },
    '/decisions/{id}/comments/adoption': {
      post: {
        summary: 'Answer comment groups in the adoption report (采纳情况, arts. 18, 29): adopted or not, with the reason',
        description: 'For the undertaking unit of the decision; all answers or none (an unknown group is a 400 naming it). A group answered again keeps the latest answer.',
        requestBody: { required: true, content: { 'application/json': { schema: json(AdoptionBatchSchema) } } },
        responses: { 200: { description: '{ decisionId, answered, unanswered }' }, ...errors },
      },
    },
    '/records/health': {
      get: {
        summary: "For supervisors: each projector's figures (events recorded, held behind gaps, repaired from the workflows, stream losses) and the records known to be incomplete",
        responses: { 200: { description: 'health' }, ...errors },
      },
    },
    '/reports/compliance': {
      get: {
        summary: 'The annual compliance figures (合规情况统计) per authority and undertaking unit, from the procedure record, each with the decision ids behind it',
        description:
          "For supervisors (any authority) and the authority's own staff (their authority; an undertaking unit its own figures). format=csv: UTF-8 with a BOM (Excel); format=html: a printable page in Chinese.",
        parameters: [
          { name: 'year', in: 'query', required: true, schema: { type: 'integer', minimum: 2000, maximum: 2100 }, description: 'calendar year, Beijing time' },
          { name: 'authority', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'undertakingUnit', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'format', in: 'query', required: false, schema: { type: 'string', enum: ['json', 'csv', 'html'], default: 'json' } },
        ],
        responses: {
          200: {
            description: 'the report',
            content: { 'application/json': { schema: json(ComplianceReportSchema) }, 'text/csv': { schema: { type: 'string' } }, 'text/html': { schema: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
    '/decisions/{id}/comments': {
      post: {
        summary: 'Hand in a batch of public comments',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { comments: { type: 'array', items: json(CommentSchema) } }, required: ['comments'] } } } },
        responses: { 200: { description: 'stored' }, ...errors },
      },
    },
  };
  paths['/access-refusals'] = {
    get: { summary: 'Refused requests (no token, wrong role or office, refused actions), newest first: supervisors', parameters: page, responses: { 200: { description: 'the refusals with their total' }, ...errors } },
  };
  paths['/assignments'] = {
    get: {
      summary: "The token holder's assignments: decisions on which they are asked (an expert of the pool, the named legality reviewer) and have yet to answer, nearest deadline first",
      parameters: page,
      responses: { 200: { description: 'the assignments, each a decision summary with `steps` (the holder\'s)' }, ...errors },
    },
  };
  paths['/catalogs'] = {
    post: {
      summary: "Open an authority's annual catalog of major decision matters (决策事项年度目录, Decree 713 art. 3; seed 004)",
      description: 'For the authority\'s office (meetingSecretary) or head; one workflow per authority and year, closed at the end of 31 December (Beijing time).',
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { type: 'object', properties: { authority: { type: 'object', properties: { code: { type: 'string' }, name: { type: 'string' } }, required: ['code', 'name'] }, year: { type: 'integer' } }, required: ['authority', 'year'] } } },
      },
      responses: { 201: { description: 'opened' }, ...errors },
    },
  };
  paths['/catalogs/{authority}/{year}'] = {
    get: { summary: 'The catalog: its items, approval, adjustments, decisions on each item, off-catalog decisions and (once closed) the year-end lists', responses: { 200: { description: 'the catalog', content: { 'application/json': { schema: json(CatalogStatusSchema) } } }, ...errors } },
  };
  paths['/catalogs/{authority}/{year}/record'] = {
    get: { summary: "The catalog's procedure record with its hash chain (format=html: a printable page)", responses: { 200: { description: 'record' }, ...errors } },
  };
  actionPaths('/catalogs/{authority}/{year}/actions', CATALOG_ACTIONS, 'the catalog action acknowledged');
  paths['/enforcement-reviews'] = {
    post: {
      summary: 'Submit a proposed major enforcement decision for legal review (重大执法决定法制审核; the enforcement office; the submitter is the token holder)',
      requestBody: { required: true, content: { 'application/json': { schema: actionBody(LegalReviewCaseSchema.omit({ submittedBy: true })) } } },
      responses: { 201: { description: 'submitted (round 1)' }, ...errors },
    },
  };
  paths['/enforcement-reviews/{id}'] = {
    get: { summary: "A case's legal review (its rounds, opinions and time limit), or once decided its publication", responses: { 200: { description: 'status' }, ...errors } },
  };
  actionPaths('/enforcement-reviews/{id}/actions', REVIEW_ACTIONS, 'acknowledged');
  actionPaths('/decisions/{id}/actions', ACTIONS, 'the step acknowledged');
  cached = {
    openapi: '3.1.0',
    info: { title: 'juece 决策 API', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    security: [{ bearer: [] }],
    paths,
  };
  return cached;
}
