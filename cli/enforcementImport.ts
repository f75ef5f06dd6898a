/**
 * `juece enforcement import <file>`: bulk intake of enforcement decisions (行政执法决定公示, 国办发〔2018〕118号) from
 * an office's case-handling system, CSV or JSON lines (domain/enforcementImport.ts), sent in batches to
 * POST /enforcement-cases/batch, a few batches in flight. The file is read a chunk at a time (never whole), progress
 * goes to stderr, the summary to stdout (and --report). Resumable: the last line whose batch (and every batch before
 * it) the API confirmed is kept in a progress file beside the input (`<file>.import-progress`); a run on the same
 * file skips the rows up to it, and whatever it sends again is answered alreadyRecorded (nothing is recorded twice).
 * The progress file is removed when an import runs to its end.
 */
import type { Command } from 'commander';
import { createReadStream, existsSync, openSync, readFileSync, readSync, closeSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  EnforcementImportParser,
  ImportFileError,
  importFormatOf,
  ImportRowCounter,
  MAX_BATCH_CASES,
  type ImportedDecision,
  type ImportFormat,
} from '../domain/enforcementImport';
import type { EnforcementBatchResultSchema } from '../api/schemas';

type BatchResult = z.output<typeof EnforcementBatchResultSchema>;

/** A row not recorded: bad in the file, or refused by the API. */
export interface BadRow {
  line: number;
  caseId?: string;
  reason: string;
  /** Refused by the API (another office's case, an id used by a major decision), not bad in the file. */
  refused?: true;
}

export interface ImportProgress {
  /** Rows in the file (after the header). */
  total: number;
  /** Rows dealt with: answered by the API, bad, or skipped as confirmed by an earlier run. */
  done: number;
  skipped: number;
  started: number;
  alreadyRecorded: number;
  bad: number;
  seconds: number;
}

export interface ImportSummary extends ImportProgress {
  file: string;
  format: ImportFormat;
  /** The run went on from this line, confirmed by an earlier run (its progress file). */
  resumedAfter?: number;
  /** Stopped before the end (Ctrl-C, or a batch that could not be sent): the progress file is kept. */
  interrupted: boolean;
  badRows: BadRow[];
}

export interface ImportOptions {
  file: string;
  format?: ImportFormat;
  /** Sends one batch; throws when it cannot. */
  post(body: { cases: ImportedDecision[] }): Promise<BatchResult>;
  /** Whether a failed batch may be sent again (the API unreachable, or its server error). */
  retryable(err: unknown): boolean;
  batchSize?: number;
  /** Batches in flight at once. */
  parallel?: number;
  progressFile?: string;
  /** Ignore a progress file and start from the top. */
  restart?: boolean;
  onProgress?(p: ImportProgress): void;
  /** Aborted: stop reading, let the batches in flight finish, keep the progress file. */
  signal?: AbortSignal;
  /** Before a batch is sent again, waits this long times 2^attempt (ms). */
  retryDelayMs?: number;
}

/** Bytes of JSON in one batch at most (the API takes 4 MiB). */
const MAX_BATCH_BYTES = 3 * 2 ** 20;
const RETRIES = 5;

export const progressFileOf = (file: string) => `${file}.import-progress`;

const ProgressFileSchema = z.object({
  schema: z.literal('juece.enforcement-import-progress.v1'),
  file: z.string(),
  size: z.number(),
  mtimeMs: z.number(),
  lastLine: z.number().int().min(0),
  started: z.number().int().min(0),
  alreadyRecorded: z.number().int().min(0),
  refused: z.array(z.object({ line: z.number().int(), caseId: z.string().optional(), reason: z.string(), refused: z.literal(true).optional() })),
});
type ProgressFile = z.infer<typeof ProgressFileSchema>;

function readProgress(progressFile: string, file: string, size: number, mtimeMs: number): { saved?: ProgressFile; warning?: string } {
  let raw: string;
  try {
    raw = readFileSync(progressFile, 'utf8');
  } catch {
    return {};
  }
  let parsed;
  try {
    parsed = ProgressFileSchema.safeParse(JSON.parse(raw));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) return { warning: `${progressFile} is not an import's progress file; starting from the top` };
  const p = parsed.data;
  if (p.file !== path.resolve(file) || p.size !== size || p.mtimeMs !== mtimeMs) {
    return { warning: `${progressFile} is of another version of ${file} (its size or time differs); starting from the top (cases already recorded are answered alreadyRecorded)` };
  }
  return { saved: p };
}

function writeProgress(progressFile: string, p: ProgressFile): void {
  const tmp = `${progressFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(p));
  renameSync(tmp, progressFile);
}

function firstText(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The rows of the file, counted in one streaming pass (for the progress's total). */
async function countRows(file: string, format: ImportFormat): Promise<number> {
  const counter = new ImportRowCounter(format);
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 })) counter.push(chunk as string);
  return counter.end();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Imports the file; resolves with the summary (interrupted or not); rejects when the file cannot be read as an import or a batch cannot be sent. */
export async function importEnforcementFile(o: ImportOptions): Promise<ImportSummary> {
  const t0 = performance.now();
  const batchSize = Math.min(o.batchSize ?? MAX_BATCH_CASES, MAX_BATCH_CASES);
  const parallel = o.parallel ?? 2;
  const progressFile = o.progressFile ?? progressFileOf(o.file);
  const { size, mtimeMs } = statSync(o.file);
  const format = o.format ?? importFormatOf(o.file, firstText(o.file));
  const total = await countRows(o.file, format);
  const { saved, warning } = o.restart ? {} : readProgress(progressFile, o.file, size, mtimeMs);
  if (warning) process.stderr.write(`juece: ${warning}\n`);
  const skipAfter = saved?.lastLine ?? 0;

  /** What the confirmed batches (a prefix of the file) and the earlier run gave. */
  const confirmed = { lastLine: skipAfter, started: saved?.started ?? 0, alreadyRecorded: saved?.alreadyRecorded ?? 0, refused: [...(saved?.refused ?? [])] };
  const fileBad: BadRow[] = [];
  let skipped = 0;
  let answered = 0;
  /** Batches sent, in the file's order; the first ones leave as soon as they and all before them are answered. */
  const inflight: { upTo: number; result?: { started: number; alreadyRecorded: number; refused: BadRow[] }; promise: Promise<void> }[] = [];
  let fatal: unknown;

  const progress = (): ImportProgress => {
    const pendingBad = inflight.reduce((n, e) => n + (e.result?.refused.length ?? 0), 0);
    return {
      total,
      done: skipped + fileBad.length + answered,
      skipped,
      started: confirmed.started + inflight.reduce((n, e) => n + (e.result?.started ?? 0), 0),
      alreadyRecorded: confirmed.alreadyRecorded + inflight.reduce((n, e) => n + (e.result?.alreadyRecorded ?? 0), 0),
      bad: fileBad.length + confirmed.refused.length + pendingBad,
      seconds: (performance.now() - t0) / 1000,
    };
  };
  const save = () =>
    writeProgress(progressFile, { schema: 'juece.enforcement-import-progress.v1', file: path.resolve(o.file), size, mtimeMs, ...confirmed });
  const advance = () => {
    let moved = false;
    while (inflight[0]?.result) {
      const e = inflight.shift()!;
      confirmed.lastLine = e.upTo;
      confirmed.started += e.result!.started;
      confirmed.alreadyRecorded += e.result!.alreadyRecorded;
      confirmed.refused.push(...e.result!.refused);
      moved = true;
    }
    if (moved) save();
  };

  const send = async (rows: { line: number; decision: ImportedDecision }[]) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await o.post({ cases: rows.map((r) => r.decision) });
      } catch (err) {
        if (!o.retryable(err) || attempt >= RETRIES || o.signal?.aborted) throw err;
        await sleep((o.retryDelayMs ?? 1000) * 2 ** attempt);
      }
    }
  };
  let batch: { line: number; decision: ImportedDecision }[] = [];
  let batchBytes = 0;
  const flush = () => {
    if (!batch.length) return;
    const rows = batch;
    batch = [];
    batchBytes = 0;
    const entry: (typeof inflight)[number] = { upTo: rows[rows.length - 1]!.line, promise: Promise.resolve() };
    entry.promise = send(rows).then(
      (r) => {
        const refused = r.results.flatMap((x) => (x.outcome === 'refused' ? [{ line: rows[x.index]!.line, caseId: x.caseId, reason: x.reason, refused: true as const }] : []));
        entry.result = { started: r.started, alreadyRecorded: r.alreadyRecorded, refused };
        answered += rows.length;
        advance();
      },
      (err) => {
        fatal ??= err;
      },
    );
    inflight.push(entry);
  };
  const stopped = () => fatal !== undefined || o.signal?.aborted === true;
  /** Until fewer than `n` batches are unanswered. */
  const awaitSlots = async (n: number) => {
    for (;;) {
      const open = inflight.filter((e) => !e.result);
      if (open.length < n || stopped()) return;
      await Promise.race(open.map((e) => e.promise));
    }
  };

  const parser = new EnforcementImportParser(format);
  const take = async (rows: ReturnType<EnforcementImportParser['push']>) => {
    for (const row of rows) {
      if (!('decision' in row)) {
        fileBad.push(row);
        continue;
      }
      if (row.line <= skipAfter) {
        skipped++;
        continue;
      }
      const bytes = Buffer.byteLength(JSON.stringify(row.decision)) + 1;
      if (batch.length && batchBytes + bytes > MAX_BATCH_BYTES) flush();
      batch.push(row);
      batchBytes += bytes;
      if (batch.length >= batchSize) {
        flush();
        await awaitSlots(parallel);
        if (stopped()) return;
      }
    }
  };

  let lastReport = 0;
  const report = (force = false) => {
    const now = performance.now();
    if (!o.onProgress || (!force && now - lastReport < 200)) return;
    lastReport = now;
    o.onProgress(progress());
  };
  const timer = o.onProgress ? setInterval(() => report(), 1000) : undefined;
  try {
    const stream = createReadStream(o.file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
    try {
      for await (const chunk of stream) {
        await take(parser.push(chunk as string));
        report();
        if (stopped()) break;
      }
    } finally {
      stream.destroy();
    }
    if (!stopped()) {
      await take(parser.end());
      flush();
    }
    await Promise.all(inflight.map((e) => e.promise));
  } catch (err) {
    await Promise.all(inflight.map((e) => e.promise));
    throw err;
  } finally {
    if (timer) clearInterval(timer);
  }
  report(true);
  if (fatal !== undefined) throw fatal;
  const interrupted = o.signal?.aborted === true;
  if (!interrupted) rmSync(progressFile, { force: true });
  const badRows = [...fileBad, ...confirmed.refused].sort((a, b) => a.line - b.line);
  return {
    ...progress(),
    file: o.file,
    format,
    ...(saved ? { resumedAfter: skipAfter } : {}),
    interrupted,
    badRows,
  };
}

/** `1,234`: a count for people. */
const n = (x: number) => x.toLocaleString('en');

export function progressLine(p: ImportProgress): string {
  const rate = p.seconds > 0 ? (p.done - p.skipped) / p.seconds : 0;
  const pct = p.total ? Math.floor((p.done / p.total) * 100) : 100;
  return `${n(p.done)} / ${n(p.total)} rows (${pct}%), ${rate.toFixed(0)} rows/s, ${n(p.started)} started, ${n(p.alreadyRecorded)} already recorded, ${n(p.bad)} bad`;
}

export function summaryText(s: ImportSummary, progressFile: string): string {
  return [
    `enforcement import of ${s.file} (${s.format}): ${n(s.total)} rows, ${n(s.started)} started, ${n(s.alreadyRecorded)} already recorded, ${n(s.badRows.length)} bad, in ${s.seconds.toFixed(1)} s`,
    s.resumedAfter !== undefined ? `resumed after line ${s.resumedAfter} (${progressFile}): ${n(s.skipped)} rows confirmed by the earlier run skipped` : '',
    s.interrupted ? `INTERRUPTED at ${n(s.done)} of ${n(s.total)} rows: run the same command again to go on (progress in ${progressFile})` : '',
    s.badRows.length
      ? `bad rows (not recorded):\n${s.badRows.map((b) => `  line ${b.line}${b.caseId ? ` (${b.caseId})` : ''}: ${b.refused ? 'refused: ' : ''}${b.reason}`).join('\n')}`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export interface EnforcementCliContext {
  post(path: string, body: unknown): Promise<unknown>;
  retryable(err: unknown): boolean;
  json(): boolean;
  /** A file the command cannot use: the CLI's invalid-input exit. */
  invalid(message: string): Error;
}

export function registerEnforcementCommand(cmd: Command, ctx: EnforcementCliContext): void {
  const enforcement = cmd.command('enforcement').description('enforcement decisions for publication (行政执法决定公示): import');
  enforcement
    .command('import')
    .description(
      `record the enforcement decisions of a CSV (header row; UTF-8) or JSON lines export, ${MAX_BATCH_CASES} a batch; resumable (progress in <file>.import-progress); exit 2 if any row was bad, 5 if the API refused any`,
    )
    .argument('<file>')
    .option('--format <format>', 'csv or jsonl (default: by the file name, else by its first character)')
    .option('--report <path>', 'also write the summary there (JSON if it ends in .json)')
    .option('--batch <n>', `cases per batch (1-${MAX_BATCH_CASES})`, String(MAX_BATCH_CASES))
    .option('--parallel <n>', 'batches in flight at once', '2')
    .option('--progress-file <path>', 'where the last confirmed line is kept (default <file>.import-progress)')
    .option('--restart', 'ignore the progress file and start from the top')
    .action(async (file: string, o: { format?: string; report?: string; batch: string; parallel: string; progressFile?: string; restart?: boolean }) => {
      if (o.format !== undefined && o.format !== 'csv' && o.format !== 'jsonl') throw ctx.invalid(`--format must be csv or jsonl, not ${o.format}`);
      const batchSize = Number(o.batch);
      const parallel = Number(o.parallel);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_CASES) throw ctx.invalid(`--batch must be a whole number from 1 to ${MAX_BATCH_CASES}`);
      if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16) throw ctx.invalid('--parallel must be a whole number from 1 to 16');
      try {
        statSync(file);
      } catch (err) {
        throw ctx.invalid(`Cannot read ${file}: ${(err as Error).message}`);
      }
      const progressFile = o.progressFile ?? progressFileOf(file);
      const tty = process.stderr.isTTY === true;
      let lastPlain = 0;
      const onProgress = (p: ImportProgress) => {
        if (tty) process.stderr.write(`\r\x1b[K${progressLine(p)}`);
        else if (p.seconds - lastPlain >= 5 || p.done === p.total) {
          lastPlain = p.seconds;
          process.stderr.write(`${progressLine(p)}\n`);
        }
      };
      const abort = new AbortController();
      const onSignal = () => {
        process.stderr.write('\njuece: stopping after the batches in flight (Ctrl-C again to quit at once)\n');
        abort.abort();
        process.once('SIGINT', () => process.exit(130));
      };
      process.once('SIGINT', onSignal);
      let s: ImportSummary;
      try {
        s = await importEnforcementFile({
          file,
          format: o.format as ImportFormat | undefined,
          post: (body) => ctx.post('/enforcement-cases/batch', body) as Promise<BatchResult>,
          retryable: ctx.retryable,
          batchSize,
          parallel,
          progressFile,
          restart: o.restart,
          onProgress,
          signal: abort.signal,
        });
      } catch (err) {
        if (err instanceof ImportFileError) throw ctx.invalid(`${file}: ${err.message}`);
        if (existsSync(progressFile)) process.stderr.write(`\njuece: the import stopped; run the same command again to go on from ${progressFile}\n`);
        throw err;
      } finally {
        process.removeListener('SIGINT', onSignal);
        if (tty) process.stderr.write('\n');
      }
      const text = summaryText(s, progressFile);
      console.log(ctx.json() ? JSON.stringify(s, null, 2) : text);
      if (o.report) writeFileSync(o.report, /\.json$/i.test(o.report) ? JSON.stringify(s, null, 2) : `${text}\n`);
      if (s.interrupted) process.exitCode = 130;
      else if (s.badRows.some((b) => !b.refused)) process.exitCode = 2;
      else if (s.badRows.length) process.exitCode = 5;
    });
}
