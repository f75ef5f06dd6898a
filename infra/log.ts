/**
 * Structured logs (结构化日志): one JSON object per line on stdout (level, time, process, message, and the ids known:
 * decisionId, workflowId, …), or a readable line when stdout is a terminal. Every juece process logs through this, and
 * the worker routes the Temporal SDK's own logger (its workflows', activities' and core's messages) into it too.
 */
import type { Logger as TemporalLogger, LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';
export type LogFields = Record<string, unknown>;

export interface Log {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** The same log with these fields on every line. */
  child(fields: LogFields): Log;
  readonly level: LogLevel;
}

export interface LogOptions {
  /** The process's name on every line: worker, api, projector, commands. */
  process: string;
  /** The least severe level written (JUECE_LOG_LEVEL); default info. */
  level?: LogLevel;
  /** JUECE_LOG_FORMAT; default readable lines on a terminal, JSON otherwise. */
  format?: LogFormat;
  /** Where lines go; default process.stdout. */
  write?: (line: string) => void;
}

const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 };

export function createLog(o: LogOptions): Log {
  const level = o.level ?? 'info';
  const format = o.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const write = o.write ?? ((line: string) => void process.stdout.write(line));
  const make = (bound: LogFields): Log => {
    const at = (l: LogLevel) => (message: string, fields?: LogFields) => {
      if (RANK[l] < RANK[level]) return;
      const all = { ...bound, ...fields };
      const time = new Date().toISOString();
      write(format === 'json' ? `${jsonLine({ level: l, time, process: o.process, message, ...all })}\n` : prettyLine(l, time, o.process, message, all));
    };
    return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (f) => make({ ...bound, ...f }), level };
  };
  return make({});
}

/** JSON that never throws: errors become their message (and stack), bigints strings, cycles "[circular]". */
function jsonLine(o: LogFields): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(o, (_key, v: unknown) => {
    if (v instanceof Error) return { message: v.message, name: v.name, ...(v.stack ? { stack: v.stack } : {}) };
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}

const COLOURS: Record<LogLevel, string> = { trace: '90', debug: '36', info: '32', warn: '33', error: '31' };

function prettyLine(level: LogLevel, time: string, proc: string, message: string, fields: LogFields): string {
  const extra = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : v instanceof Error ? v.message : jsonLine({ v }).slice(5, -1)}`)
    .join(' ');
  return `${time.slice(11, 23)} \x1b[${COLOURS[level]}m${level.toUpperCase().padEnd(5)}\x1b[0m [${proc}] ${message}${extra ? ` \x1b[90m${extra}\x1b[0m` : ''}\n`;
}

/**
 * The Temporal SDK's logger (Runtime.install({ logger })) writing into a juece log: its metadata (workflowId, runId,
 * activityId, taskQueue, …) become fields; its symbol-keyed internals are dropped.
 */
export function temporalLogger(log: Log): TemporalLogger {
  const to = (l: TemporalLogLevel, message: string, meta?: LogMetadata) => {
    const fields: LogFields = {};
    for (const [k, v] of Object.entries(meta ?? {})) if (k !== 'sdkComponent') fields[k] = v;
    if (meta?.sdkComponent) fields.component = meta.sdkComponent;
    log[l.toLowerCase() as LogLevel](message, fields);
  };
  return {
    log: to,
    trace: (m, meta) => to('TRACE', m, meta),
    debug: (m, meta) => to('DEBUG', m, meta),
    info: (m, meta) => to('INFO', m, meta),
    warn: (m, meta) => to('WARN', m, meta),
    error: (m, meta) => to('ERROR', m, meta),
  };
}

/** The SDK's level name for a juece level (its core filter takes the same five). */
export const temporalLevel = (l: LogLevel): TemporalLogLevel => l.toUpperCase() as TemporalLogLevel;

/** A process's log as configured (JUECE_LOG_LEVEL, JUECE_LOG_FORMAT). */
export function processLog(name: string, cfg: { logLevel: LogLevel; logFormat?: LogFormat }): Log {
  return createLog({ process: name, level: cfg.logLevel, format: cfg.logFormat });
}

/** A failure before (or without) a configured log: one error line, JSON or readable as stdout is. */
export function logFatal(name: string, message: string): void {
  createLog({ process: name }).error(message);
}
