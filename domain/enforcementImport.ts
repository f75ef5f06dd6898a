/**
 * Bulk intake of enforcement decisions (行政执法决定公示, 国办发〔2018〕118号): an office's export from its
 * case-handling system, CSV (UTF-8, optional BOM, a header row) or JSON lines, read a chunk at a time and checked row
 * by row against EnforcementDecisionSchema (the one source of truth). A bad row is reported with its line and zod's
 * reason, naming the field; good rows are kept. Pure: the caller reads the file and hands over its text in chunks.
 */
import { z } from 'zod';
import { EnforcementDecisionSchema } from './enforcement';
import { describeZodError } from './schemas';

/** At most this many cases in one batch sent to the API (POST /enforcement-cases/batch). */
export const MAX_BATCH_CASES = 500;

/** A decision as the schema gives it back (defaults filled in): what a batch carries. */
export type ImportedDecision = z.output<typeof EnforcementDecisionSchema>;

/** One row of the file: kept, or bad with why. `line` is the line the row starts on (the header is line 1 of a CSV). */
export type ImportRow = { line: number; decision: ImportedDecision } | { line: number; caseId?: string; reason: string };

export type ImportFormat = 'csv' | 'jsonl';

/** The file cannot be read as an import at all (no header, an unknown column, ...): nothing in it is taken. */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

/**
 * The columns a CSV may have: the schema's field names (`authority.code` and `authority.name` for the nested
 * authority), or their names in the offices' systems.
 */
export const CSV_COLUMNS = {
  caseId: ['案件编号', '案号', '编号'],
  'authority.code': ['机关代码', '执法机关代码', 'authorityCode'],
  'authority.name': ['机关名称', '执法机关名称', 'authorityName'],
  office: ['行政执法机关', '执法机关', '执法部门'],
  kind: ['决定类别', '类别', '执法类别'],
  title: ['决定名称', '标题', '案件名称'],
  documentNumber: ['决定文书号', '文书号', '文号'],
  decidedOn: ['决定日期', '作出决定日期'],
  jurisdiction: ['日历辖区', '辖区'],
  reminderWorkingDays: ['提醒工作日', '提前提醒工作日'],
  displayUntil: ['公示截止日期', '公示截止日'],
} as const;
type Column = keyof typeof CSV_COLUMNS;

/** The kinds as the offices' systems name them. */
const KIND_ALIASES: Record<string, string> = { 行政许可: 'licensing', 许可: 'licensing', 行政处罚: 'penalty', 处罚: 'penalty', 其他: 'other', 其它: 'other' };

const REQUIRED: Column[] = ['caseId', 'authority.code', 'authority.name', 'office', 'kind', 'title', 'documentNumber', 'decidedOn'];

function columnOf(header: string): Column | undefined {
  const h = header.trim();
  for (const [column, aliases] of Object.entries(CSV_COLUMNS) as [Column, readonly string[]][]) {
    if (column.toLowerCase() === h.toLowerCase() || aliases.some((a) => a.toLowerCase() === h.toLowerCase())) return column;
  }
  return undefined;
}

/** A CSV row's cells as the decision's fields; an empty cell is a field left out (so a default applies, or zod names it missing). */
function fromCells(columns: Column[], cells: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const authority: Record<string, string> = {};
  columns.forEach((column, i) => {
    const cell = cells[i] ?? '';
    if (cell.trim() === '') return;
    if (column === 'authority.code') authority.code = cell.trim();
    else if (column === 'authority.name') authority.name = cell;
    else if (column === 'kind') out.kind = KIND_ALIASES[cell.trim()] ?? cell.trim();
    else if (column === 'reminderWorkingDays') out.reminderWorkingDays = cell.split(/[;,，、\s]+/).filter(Boolean).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
    else if (column === 'caseId' || column === 'decidedOn' || column === 'displayUntil' || column === 'jurisdiction') out[column] = cell.trim();
    else out[column] = cell;
  });
  if (Object.keys(authority).length) out.authority = authority;
  return out;
}

/** One CSV record: its cells, the line it starts on, and why it is malformed if it is. */
export interface CsvRecord {
  line: number;
  cells: string[];
  error?: string;
}

/**
 * Splits CSV text (RFC 4180: commas, double quotes, "" inside quotes, LF or CRLF) into records as it arrives, each
 * with the line it starts on. Blank lines are skipped.
 */
export class CsvSplitter {
  private cells: string[] = [];
  private cell = '';
  private quoted = false;
  /** After a closing quote: only a separator, a line end or another quote may follow. */
  private afterQuote = false;
  private line = 1;
  private startLine = 1;
  private started = false;
  private pendingCr = false;
  private first = true;

  /** Why the record being read is malformed, if it is (it is still read to its end, and reported as a bad row). */
  private error: string | undefined;

  /** The records completed by this chunk. */
  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let s = chunk;
    if (this.first && s.length) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      this.first = false;
    }
    for (let i = 0; i < s.length; i++) {
      const ch = s[i]!;
      if (this.pendingCr) {
        this.pendingCr = false;
        if (ch === '\n') continue; // CRLF: the record already ended at the CR
      }
      if (this.quoted) {
        if (ch === '"') {
          this.quoted = false;
          this.afterQuote = true;
        } else {
          if (ch === '\n') this.line++;
          this.cell += ch;
        }
        continue;
      }
      if (ch === '"') {
        if (this.afterQuote) {
          this.cell += '"'; // "" inside a quoted cell
          this.quoted = true;
          this.afterQuote = false;
        } else if (this.cell === '') {
          this.quoted = true;
          this.started = true;
        } else {
          this.error ??= 'a quote inside an unquoted cell (quote the whole cell and double the quote: "a ""b"" c")';
          this.cell += ch;
        }
        continue;
      }
      if (ch === ',') {
        this.cells.push(this.cell);
        this.cell = '';
        this.afterQuote = false;
        this.started = true;
        continue;
      }
      if (ch === '\n' || ch === '\r') {
        if (ch === '\r') this.pendingCr = true;
        this.endRecord(out);
        this.line++;
        this.startLine = this.line;
        continue;
      }
      if (this.afterQuote) this.error ??= 'text after the closing quote of a cell';
      this.started = true;
      this.cell += ch;
    }
    return out;
  }

  /** The last record, if the text did not end with a line break. */
  end(): CsvRecord[] {
    if (this.quoted) this.error ??= 'a quoted cell is never closed: the rest of the file is in it';
    this.quoted = false;
    const out: CsvRecord[] = [];
    this.endRecord(out);
    return out;
  }

  private endRecord(out: CsvRecord[]): void {
    this.cells.push(this.cell);
    const blank = this.cells.length === 1 && this.cells[0] === '' && !this.started;
    if (!blank) out.push({ line: this.startLine, cells: this.cells, ...(this.error ? { error: this.error } : {}) });
    this.cells = [];
    this.cell = '';
    this.afterQuote = false;
    this.started = false;
    this.error = undefined;
  }
}

/** Splits text into lines as it arrives, each with its number (1-based). */
class LineSplitter {
  private rest = '';
  private line = 0;
  private first = true;

  push(chunk: string): { line: number; text: string }[] {
    let s = this.rest + chunk;
    if (this.first && s.length) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      this.first = false;
    }
    const parts = s.split('\n');
    this.rest = parts.pop()!;
    return parts.map((text) => ({ line: ++this.line, text: text.replace(/\r$/, '') }));
  }

  end(): { line: number; text: string }[] {
    const last = this.rest;
    this.rest = '';
    return last === '' ? [] : [{ line: ++this.line, text: last.replace(/\r$/, '') }];
  }
}

/** The row's case id as written, when it has one that reads as text (for the report of a bad row). */
const caseIdOf = (value: unknown): string | undefined =>
  typeof value === 'object' && value !== null && typeof (value as { caseId?: unknown }).caseId === 'string' ? (value as { caseId: string }).caseId : undefined;

/**
 * Reads an import a chunk at a time: `push(text)` gives the rows completed so far, `end()` the rest. A case id seen
 * on an earlier line of the same file is a bad row (the first one is kept).
 */
export class EnforcementImportParser {
  private readonly csv?: CsvSplitter;
  private readonly lines?: LineSplitter;
  private columns?: Column[];
  /** Case id → the line that first had it. */
  private readonly seen = new Map<string, number>();

  constructor(readonly format: ImportFormat) {
    if (format === 'csv') this.csv = new CsvSplitter();
    else this.lines = new LineSplitter();
  }

  push(chunk: string): ImportRow[] {
    return this.csv ? this.csvRows(this.csv.push(chunk)) : this.jsonRows(this.lines!.push(chunk));
  }

  end(): ImportRow[] {
    const rows = this.csv ? this.csvRows(this.csv.end()) : this.jsonRows(this.lines!.end());
    if (this.csv && !this.columns) throw new ImportFileError('the file is empty: a CSV import starts with a header row naming its columns');
    return rows;
  }

  private csvRows(records: CsvRecord[]): ImportRow[] {
    const out: ImportRow[] = [];
    for (const r of records) {
      if (!this.columns) {
        if (r.error) throw new ImportFileError(`line ${r.line}: the header row is malformed: ${r.error}`);
        this.columns = header(r.cells, r.line);
        continue;
      }
      const caseId = r.cells[this.columns.indexOf('caseId')]?.trim() || undefined;
      if (r.error) {
        out.push({ line: r.line, ...(caseId ? { caseId } : {}), reason: r.error });
        continue;
      }
      if (r.cells.length !== this.columns.length) {
        out.push({ line: r.line, ...(caseId ? { caseId } : {}), reason: `has ${r.cells.length} cells, the header ${this.columns.length}` });
        continue;
      }
      out.push(this.checked(r.line, fromCells(this.columns, r.cells)));
    }
    return out;
  }

  private jsonRows(lines: { line: number; text: string }[]): ImportRow[] {
    const out: ImportRow[] = [];
    for (const { line, text } of lines) {
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        out.push({ line, reason: `not JSON: ${(err as Error).message}` });
        continue;
      }
      out.push(this.checked(line, value));
    }
    return out;
  }

  private checked(line: number, value: unknown): ImportRow {
    const parsed = EnforcementDecisionSchema.safeParse(value);
    if (!parsed.success) {
      const caseId = caseIdOf(value);
      return { line, ...(caseId ? { caseId } : {}), reason: describeZodError(parsed.error) };
    }
    const first = this.seen.get(parsed.data.caseId);
    if (first !== undefined) return { line, caseId: parsed.data.caseId, reason: `caseId: ${parsed.data.caseId} is already on line ${first} of this file` };
    this.seen.set(parsed.data.caseId, line);
    return { line, decision: parsed.data };
  }
}

function header(cells: string[], line: number): Column[] {
  const columns: Column[] = [];
  for (const cell of cells) {
    const column = columnOf(cell);
    if (!column) {
      const known = (Object.entries(CSV_COLUMNS) as [Column, readonly string[]][]).map(([c, a]) => `${c} (${a[0]})`).join(', ');
      throw new ImportFileError(`line ${line}: unknown column "${cell.trim()}"; the columns are ${known}`);
    }
    if (columns.includes(column)) throw new ImportFileError(`line ${line}: column ${column} appears twice ("${cell.trim()}")`);
    columns.push(column);
  }
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length) throw new ImportFileError(`line ${line}: the header lacks ${missing.map((c) => `${c} (${CSV_COLUMNS[c][0]})`).join(', ')}`);
  return columns;
}

/** The format by the file's name (.csv; .jsonl, .ndjson, .json), else by its first character (`{`: JSON lines). */
export function importFormatOf(fileName: string, firstText: string): ImportFormat {
  if (/\.csv$/i.test(fileName)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(fileName)) return 'jsonl';
  return firstText.replace(/^\ufeff/, '').trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

/** Counts the rows of an import without checking them (for the progress's total): records after the header, or non-blank lines. */
export class ImportRowCounter {
  private readonly csv?: CsvSplitter;
  private readonly lines?: LineSplitter;
  rows = 0;
  constructor(format: ImportFormat) {
    if (format === 'csv') this.csv = new CsvSplitter();
    else this.lines = new LineSplitter();
  }
  push(chunk: string): void {
    this.count(this.csv ? this.csv.push(chunk).length : this.lines!.push(chunk).filter((l) => l.text.trim() !== '').length);
  }
  end(): number {
    this.count(this.csv ? this.csv.end().length : this.lines!.end().filter((l) => l.text.trim() !== '').length);
    return this.csv ? Math.max(0, this.rows - 1) : this.rows; // a CSV's first record is its header
  }
  private count(n: number): void {
    this.rows += n;
  }
}
