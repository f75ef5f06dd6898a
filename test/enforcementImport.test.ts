/**
 * Bulk intake of enforcement decisions (行政执法决定公示) with `juece enforcement import`, over the HTTP API, on the
 * real dev server, NATS and PostgreSQL: an office's CSV export of 200 rows with 4 bad ones (an impossible date, an unknown kind,
 * a missing field, a case id twice) starts every good case and reports each bad row by its line and reason; run again,
 * it records nothing new (every case alreadyRecorded); an import killed midway and run again records every good case
 * exactly once. The batch route refuses another role, another office's cases (row by row) and a malformed case.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../api/auth';
import { sampleEnforcementActor, sampleEnforcementCase } from '../client/sample';
import { EnforcementImportParser, ImportFileError, type ImportRow } from '../domain/enforcementImport';
import { shanghaiDate } from '../domain/procedure';
import { startApiHarness, TEST_JWT_SECRET, uniqueId, until, type ApiHarness } from './helpers';

let h: ApiHarness;
const dir = mkdtempSync(path.join(tmpdir(), 'juece-import-'));
const today = shanghaiDate(Date.now());

beforeAll(async () => {
  h = await startApiHarness('import');
  h.tokens.amrOffice = await signToken(TEST_JWT_SECRET, { actor: sampleEnforcementActor, authority: 'shifan-amr' });
});

afterAll(async () => {
  await h?.stop();
});

const HEADER = '案件编号,机关代码,机关名称,行政执法机关,决定类别,决定名称,文书号,决定日期';
/**
 * A CSV export of `rows` cases (line 1 the header, case i on line i + 2), with a BOM and CRLF as Excel writes it;
 * `bad` changes the row on a line.
 */
function exportFile(name: string, prefix: string, rows: number, bad: Record<number, (cells: string[]) => void> = {}): string {
  const lines = [HEADER];
  for (let i = 0; i < rows; i++) {
    const cells = [`${prefix}-${i}`, 'shifan-amr', '示范市市场监督管理局', '示范市市场监督管理局', i % 3 ? '行政处罚' : '行政许可', `"对第${i}号当事人的处罚决定，含""引号"""`, `示市监处罚〔2026〕${i}号`, today];
    bad[i + 2]?.(cells);
    lines.push(cells.join(','));
  }
  const file = path.join(dir, name);
  writeFileSync(file, `\ufeff${lines.join('\r\n')}\r\n`);
  return file;
}

/** Cases in the procedure record with this prefix, and how many times their decision was recorded. */
async function recorded(prefix: string): Promise<{ cases: number; recordedEvents: number }> {
  const [c] = await h.db.query<{ n: string }>("SELECT count(*) AS n FROM decisions WHERE kind = 'enforcement' AND decision_id LIKE $1", [`${prefix}-%`]);
  const [e] = await h.db.query<{ n: string }>("SELECT count(*) AS n FROM record_entries WHERE type = 'enforcementDecisionRecorded' AND decision_id LIKE $1", [`${prefix}-%`]);
  return { cases: Number(c!.n), recordedEvents: Number(e!.n) };
}
/** Enforcement workflow runs with this prefix on Temporal, by the harness's task queue (a case started twice would be two). */
async function workflows(prefix: string): Promise<number> {
  let n = 0;
  for await (const wf of h.client.client.workflow.list({ query: `WorkflowType = 'enforcementPublication' AND TaskQueue = '${h.client.taskQueue}'` })) {
    if (wf.workflowId.startsWith(`enforcement-${prefix}-`)) n++;
  }
  return n;
}

describe('juece enforcement import', () => {
  it('starts every good case, reports each bad row by line and reason; run again, records nothing new', async () => {
    const prefix = uniqueId('imp');
    const file = exportFile('cases.csv', prefix, 200, {
      21: (c) => void (c[7] = '2026-02-30'),
      72: (c) => void (c[4] = '罚款'),
      123: (c) => void (c[5] = ''),
      174: (c) => void (c[0] = `${prefix}-8`), // the case of line 10
    });
    const report = path.join(dir, 'report.json');
    const first = await h.cli('amrOffice', 'enforcement', 'import', file, '--report', report);
    expect(first.stdout).toContain('200 rows, 196 started, 0 already recorded, 4 bad');
    expect(first.stdout).toContain(`line 21 (${prefix}-19): decidedOn: must be a real calendar date in the form YYYY-MM-DD`);
    expect(first.stdout).toContain(`line 72 (${prefix}-70): kind: Invalid option: expected one of "licensing"|"penalty"|"other"`);
    expect(first.stdout).toContain(`line 123 (${prefix}-121): title: Invalid input: expected string, received undefined`);
    expect(first.stdout).toContain(`line 174 (${prefix}-8): caseId: ${prefix}-8 is already on line 10 of this file`);
    expect(first.code).toBe(2);
    // Progress on stderr (not a TTY here: plain lines), ending with the whole file.
    expect(first.stderr).toContain('200 / 200 rows (100%)');
    const written = JSON.parse(readFileSync(report, 'utf8'));
    expect(written).toMatchObject({ total: 200, started: 196, alreadyRecorded: 0, interrupted: false });
    expect(written.badRows.map((b: { line: number }) => b.line)).toEqual([21, 72, 123, 174]);
    // A run to its end leaves no progress file.
    expect(existsSync(`${file}.import-progress`)).toBe(false);

    // The worker works through the burst of starts at its own pace (on a loaded 2-core machine, a minute or more).
    await until('the 196 cases in the record', 180_000, async () => (await recorded(prefix)).cases === 196);
    expect(await recorded(prefix)).toEqual({ cases: 196, recordedEvents: 196 });
    await until('the 196 workflows listed', 30_000, async () => (await workflows(prefix)) === 196);
    const s = await h.client.enforcement(`${prefix}-0`).status();
    expect(s).toMatchObject({ caseId: `${prefix}-0`, kind: 'licensing', state: 'awaitingPublication' });
    await expect(h.client.enforcement(`${prefix}-19`).status()).rejects.toThrow(/not found/i);

    const again = await h.cli('amrOffice', 'enforcement', 'import', file);
    expect(again.stdout).toContain('200 rows, 0 started, 196 already recorded, 4 bad');
    expect(again.code).toBe(2);
    await new Promise((r) => setTimeout(r, 3_000)); // anything recorded twice would have reached the record by now
    expect(await recorded(prefix)).toEqual({ cases: 196, recordedEvents: 196 });
    expect(await workflows(prefix)).toBe(196);
  }, 360_000);

  it('an import killed midway, run again, records every good case exactly once', async () => {
    const prefix = uniqueId('kil');
    const file = exportFile('killed.csv', prefix, 120, { 37: (c) => void (c[7] = '2026-13-01'), 98: (c) => void (c[2] = '') });
    const progressFile = `${file}.import-progress`;
    const child = spawn(process.execPath, ['bin/juece.js', 'enforcement', 'import', file, '--batch', '10', '--parallel', '1'], {
      cwd: path.resolve(__dirname, '..'),
      env: { ...process.env, JUECE_API_URL: h.api.url, JUECE_TOKEN: h.tokens.amrOffice },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const lastLine = () => (existsSync(progressFile) ? (JSON.parse(readFileSync(progressFile, 'utf8')) as { lastLine: number }).lastLine : 0);
    await until('five batches confirmed', 60_000, async () => lastLine() >= 51);
    child.kill('SIGKILL');
    await exited;
    const confirmed = lastLine();
    expect(confirmed).toBeGreaterThanOrEqual(51);
    expect(confirmed).toBeLessThan(121); // killed before the end

    const resumed = await h.cli('amrOffice', 'enforcement', 'import', file);
    expect(resumed.stdout).toContain(`resumed after line ${confirmed}`);
    expect(resumed.stdout).toContain(`line 37 (${prefix}-35): decidedOn: must be a real calendar date in the form YYYY-MM-DD`);
    expect(resumed.stdout).toContain(`line 98 (${prefix}-96): authority.name: Invalid input: expected string, received undefined`);
    expect(resumed.code).toBe(2);
    const summary = /(\d+) rows, (\d+) started, (\d+) already recorded, (\d+) bad/.exec(resumed.stdout)!;
    // Every good case is either started (by either run: the earlier run's count is kept) or already recorded (sent again after the kill).
    expect(Number(summary[1])).toBe(120);
    expect(Number(summary[2]) + Number(summary[3])).toBe(118);
    expect(Number(summary[4])).toBe(2);
    expect(existsSync(progressFile)).toBe(false);

    await until('the 118 cases in the record', 180_000, async () => (await recorded(prefix)).cases === 118);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await recorded(prefix)).toEqual({ cases: 118, recordedEvents: 118 });
    await until('the 118 workflows listed', 30_000, async () => (await workflows(prefix)) === 118);
  }, 360_000);

  it('the batch route: the enforcement office only, its own cases row by row, a malformed case refused with its field', async () => {
    const caseId = uniqueId('bat');
    const cases = [sampleEnforcementCase(caseId), sampleEnforcementCase(`${caseId}-other`, { office: '示范市交通运输局' })];
    expect((await h.call('POST', '/enforcement-cases/batch', 'supervisor', { cases })).status).toBe(403);
    const r = await h.call('POST', '/enforcement-cases/batch', 'amrOffice', { cases });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      started: 1,
      alreadyRecorded: 0,
      refused: 1,
      results: [
        { index: 0, caseId, outcome: 'started', workflowId: `enforcement-${caseId}` },
        { index: 1, caseId: `${caseId}-other`, outcome: 'refused', reason: '示范市市场监督管理局 may record only its own cases, not one of 示范市交通运输局.' },
      ],
    });
    const twice = await h.call('POST', '/enforcement-cases/batch', 'amrOffice', { cases: [cases[0]] });
    expect(twice.json.results).toEqual([{ index: 0, caseId, outcome: 'alreadyRecorded', workflowId: `enforcement-${caseId}` }]);
    const malformed = await h.call('POST', '/enforcement-cases/batch', 'amrOffice', { cases: [{ ...cases[0], caseId: uniqueId('bat'), decidedOn: '2026-02-30' }] });
    expect(malformed.status).toBe(400);
    expect(malformed.json.issues).toEqual([{ path: 'cases.0.decidedOn', message: 'must be a real calendar date in the form YYYY-MM-DD' }]);
    expect((await h.call('POST', '/enforcement-cases/batch', 'amrOffice', { cases: [] })).status).toBe(400);
  });
});

describe('reading an export (domain/enforcementImport.ts)', () => {
  /** The rows of `text`, handed over `size` characters at a time (as a stream cuts it). */
  const read = (format: 'csv' | 'jsonl', text: string, size = 7): ImportRow[] => {
    const p = new EnforcementImportParser(format);
    const rows: ImportRow[] = [];
    for (let i = 0; i < text.length; i += size) rows.push(...p.push(text.slice(i, i + size)));
    return [...rows, ...p.end()];
  };
  const brief = (rows: ImportRow[]) => rows.map((r) => ('decision' in r ? [r.line, r.decision.caseId, r.decision.kind, r.decision.title] : [r.line, r.reason]));

  it('reads Excel CSV: a BOM, CRLF, Chinese headers and kinds, quotes, a line break inside a cell, blank lines; the line each row starts on', () => {
    const csv =
      '\ufeff案件编号,机关代码,机关名称,行政执法机关,决定类别,决定名称,文书号,决定日期,提醒工作日\r\n' +
      'a-1,shifan-amr,示范市市场监督管理局,示范市市场监督管理局,行政许可,"准予""食品经营""许可",示市监许〔2026〕1号,2026-03-02,5;2\r\n' +
      '\r\n' +
      'a-2,shifan-amr,示范市市场监督管理局,示范市市场监督管理局,penalty,"两行\r\n标题",示市监罚〔2026〕2号,2026-03-02,\r\n' +
      'a-3,shifan-amr,示范市市场监督管理局,示范市市场监督管理局,其他,x"y,示市监〔2026〕3号,2026-03-02,\r\n' +
      'a-4,shifan-amr\r\n';
    for (const size of [1, 7, 10_000]) {
      expect(brief(read('csv', csv, size))).toEqual([
        [2, 'a-1', 'licensing', '准予"食品经营"许可'],
        [4, 'a-2', 'penalty', '两行\r\n标题'],
        [6, 'a quote inside an unquoted cell (quote the whole cell and double the quote: "a ""b"" c")'],
        [7, 'has 2 cells, the header 9'],
      ]);
    }
    const first = read('csv', csv)[0]!;
    expect('decision' in first && first.decision.reminderWorkingDays).toEqual([5, 2]);
  });

  it('refuses a header it cannot read before any row, and reads JSON lines with the same checks', () => {
    expect(() => read('csv', 'caseId,office,colour\n')).toThrow(new ImportFileError('line 1: unknown column "colour"; the columns are caseId (案件编号), authority.code (机关代码), authority.name (机关名称), office (行政执法机关), kind (决定类别), title (决定名称), documentNumber (决定文书号), decidedOn (决定日期), jurisdiction (日历辖区), reminderWorkingDays (提醒工作日), displayUntil (公示截止日期)'));
    expect(() => read('csv', 'caseId,office\n')).toThrow('line 1: the header lacks authority.code (机关代码), authority.name (机关名称), kind (决定类别), title (决定名称), documentNumber (决定文书号), decidedOn (决定日期)');
    const ok = JSON.stringify(sampleEnforcementCase('j-1', { decidedOn: '2026-03-02' }));
    const jsonl = `${ok}\n\n{"caseId":"j-2"\n${JSON.stringify({ ...JSON.parse(ok), caseId: 'j-3', jurisdiction: 'Guangxi' })}\n${ok}`;
    const rows = brief(read('jsonl', jsonl));
    expect(rows[1]![1]).toMatch(/^not JSON: Expected ',' or '}' after property value in JSON at position 15/); // Node's own words (newer versions add the column)
    expect(rows.map((r, i) => (i === 1 ? [r[0]] : r))).toEqual([
      [1, 'j-1', 'penalty', '对示范市某食品有限公司的行政处罚决定'],
      [3],
      [4, 'jurisdiction: Invalid string: must match pattern /^CN(-[A-Z]{2})?$/'],
      [5, 'caseId: j-1 is already on line 1 of this file'],
    ]);
  });
});
