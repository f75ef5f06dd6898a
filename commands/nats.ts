/**
 * Inbound commands over NATS request-reply, validated with the same zod schemas as every other way in:
 *   juece.commands.startDecision  { proposal }                    → { ok: true, result: { decisionId, workflowId } }
 *   juece.commands.act            { decisionId, action, input }   → { ok: true, result: StepAck }
 *   juece.commands.comments       { decisionId, comments: [...] } → { ok: true, result: { accepted, duplicates, total } }
 * Failures answer { ok: false, error: { code, message } } with code invalid | refused | notFound | closed | internal;
 * `closed` is a consultation no longer taking comments, or a decision that has ended (then `status` says how).
 * NATS's own accounts and permissions decide who may publish on these subjects.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Msg, NatsConnection, Subscription } from 'nats';
import type { Counter } from 'prom-client';
import { z } from 'zod';
import { DecisionClosed, DecisionRefused, InvalidInput, type JueceClient } from '../client';
import { describeZodError, ProposalSchema } from '../domain/schemas';
import { CommentIntakeClosed } from '../store/comments';
import type { Queryable } from '../store/db';
import { getDecision, idReuseRefusal } from '../store/record';
import type { CommentIntake } from './commentIntake';

export const COMMANDS_PREFIX = 'juece.commands';
export const COMMANDS_QUEUE = 'juece-commands';

const id = z.string().trim().min(1).max(128);
const CommandSchemas = {
  startDecision: z.strictObject({ proposal: z.unknown() }),
  act: z.strictObject({ decisionId: id, action: z.string().max(64), input: z.unknown() }),
  comments: z.strictObject({ decisionId: id, comments: z.unknown() }),
};
export type CommandName = keyof typeof CommandSchemas;

export type CommandReply =
  | { ok: true; result: unknown }
  | { ok: false; error: { code: 'invalid' | 'refused' | 'notFound' | 'closed' | 'internal'; message: string; status?: string } };

/** The error answer for anything a command throws: the caller's mistake named, an internal fault kept vague. */
export function replyFor(err: unknown): CommandReply {
  if (err instanceof InvalidInput) return { ok: false, error: { code: 'invalid', message: err.message } };
  if (err instanceof DecisionClosed) return { ok: false, error: { code: 'closed', message: err.message, status: err.status } };
  if (err instanceof DecisionRefused) return { ok: false, error: { code: 'refused', message: err.message } };
  if (err instanceof CommentIntakeClosed) return { ok: false, error: { code: 'closed', message: err.message } };
  if (err instanceof WorkflowNotFoundError) return { ok: false, error: { code: 'notFound', message: `No such decision (${err.workflowId}).` } };
  return { ok: false, error: { code: 'internal', message: 'The command could not be carried out; try again later.' } };
}

export interface CommandResponder {
  stop(): Promise<void>;
}

/** Answers juece.commands.* (as a queue group: run as many responders as you like). */
export function startCommandResponder(o: {
  nc: NatsConnection;
  client: JueceClient;
  intake: CommentIntake;
  /** The procedure record: a decision id it already holds is refused (never reused). */
  db?: Queryable;
  /** A line for the operator, with the ids it concerns (decisionId, command) and its level. */
  log?: (line: string, fields?: Record<string, unknown>, level?: 'info' | 'warn' | 'error') => void;
  /** Counts each command answered by outcome (juece_commands_total). */
  answered?: Counter<'command' | 'outcome'>;
}): CommandResponder {
  const handlers: Record<CommandName, (body: never) => Promise<unknown>> = {
    startDecision: async (b: z.infer<typeof CommandSchemas.startDecision>) => {
      // Bad input is answered as such first (by the client's validation); a valid proposal with a used id is refused.
      const valid = ProposalSchema.safeParse(b.proposal);
      const reused = o.db && valid.success ? await idReuseRefusal(o.db, valid.data.decisionId) : undefined;
      if (reused) throw new DecisionRefused(reused);
      const d = await o.client.startDecision(b.proposal);
      return { decisionId: (b.proposal as { decisionId: string }).decisionId, workflowId: d.workflowId };
    },
    act: async (b: z.infer<typeof CommandSchemas.act>) => {
      try {
        return await o.client.decision(b.decisionId).act(b.action, b.input);
      } catch (err) {
        // Past Temporal's retention the record still knows the decision, and how it ended.
        const summary = err instanceof WorkflowNotFoundError && o.db ? await getDecision(o.db, 'majorDecision', b.decisionId) : undefined;
        throw summary ? new DecisionClosed(b.decisionId, summary.status) : err;
      }
    },
    comments: (b: z.infer<typeof CommandSchemas.comments>) => o.intake.submit(b.decisionId, b.comments),
  };

  const answer = async (m: Msg): Promise<CommandReply> => {
    const name = m.subject.slice(COMMANDS_PREFIX.length + 1) as CommandName;
    const schema = CommandSchemas[name];
    if (!Object.hasOwn(CommandSchemas, name)) {
      return { ok: false, error: { code: 'invalid', message: `Unknown command "${name}"; one of: ${Object.keys(CommandSchemas).join(', ')}.` } };
    }
    let body: unknown;
    try {
      body = m.json();
    } catch {
      return { ok: false, error: { code: 'invalid', message: 'The message is not JSON.' } };
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) return { ok: false, error: { code: 'invalid', message: `Invalid ${name} command: ${describeZodError(parsed.error)}` } };
    try {
      return { ok: true, result: await handlers[name](parsed.data as never) };
    } catch (err) {
      const reply = replyFor(err);
      if (!reply.ok && reply.error.code === 'internal') {
        const decisionId = (parsed.data as { decisionId?: string; proposal?: { decisionId?: string } }).decisionId ?? (parsed.data as { proposal?: { decisionId?: string } }).proposal?.decisionId;
        o.log?.(`commands: ${name} failed: ${(err as Error).stack ?? err}`, { command: name, decisionId }, 'error');
      }
      return reply;
    }
  };
  const counted = async (m: Msg): Promise<CommandReply> => {
    const reply = await answer(m);
    const name = m.subject.slice(COMMANDS_PREFIX.length + 1);
    o.answered?.inc({ command: Object.hasOwn(CommandSchemas, name) ? name : 'unknown', outcome: reply.ok ? 'ok' : reply.error.code });
    return reply;
  };

  const sub: Subscription = o.nc.subscribe(`${COMMANDS_PREFIX}.*`, { queue: COMMANDS_QUEUE });
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const m of sub) {
      // Each command answered on its own: a slow Update does not hold up the others.
      const done = counted(m).then((reply) => {
        if (m.reply) m.respond(JSON.stringify(reply));
      });
      inFlight.add(done);
      void done.then(() => inFlight.delete(done));
    }
  })();
  return {
    async stop() {
      await sub.drain();
      await loop;
      await Promise.all([...inFlight]);
    },
  };
}
