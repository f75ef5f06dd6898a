/**
 * Partitions of the procedure record (projector/partition.ts): a decision's partition is fixed for good (a change
 * would hand a running decision's later events to another projector), the same in the projector and in SQL on the
 * record's own database (PGlite here; PostgreSQL in scaleOut.test.ts), and configured with a clear error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../infra/config';
import { owns, ownsSql, partition, partitionDurable, partitionOf } from '../projector/partition';
import { openDb } from '../store/db';

const dir = mkdtempSync(path.join(tmpdir(), 'juece-partition-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('partitions of the record', () => {
  it('puts a decision in the same partition every time, in this process and in SQL', async () => {
    expect(['a', 'decision-1', 'kill-a-0badf00d', '示范-1', 'zzzz'].map((id) => partitionOf(id, 7))).toEqual([1, 1, 5, 5, 3]);
    expect(partitionOf('anything', 1)).toBe(0);
    const ids = Array.from({ length: 400 }, (_, i) => `sx-2026-${i}`);
    const db = await openDb({ dir: path.join(dir, 'db') });
    try {
      for (const index of [0, 1, 2]) {
        const p = partition(index, 3);
        const own = ownsSql(p, 'id', 2);
        const rows = await db.query<{ id: string }>(`SELECT id FROM unnest($1::text[]) AS id WHERE true${own.sql} ORDER BY id`, [ids, ...own.params]);
        const mine = ids.filter((id) => owns(p, id)).sort();
        expect(rows.map((r) => r.id)).toEqual(mine);
        expect(mine.length).toBeGreaterThan(100); // about a third each
      }
    } finally {
      await db.close();
    }
    expect(ownsSql(partition(0, 1), 'id', 1)).toEqual({ sql: '', params: [] });
  });

  it('names a partition’s consumer after the projector, and keeps the name of one partition', () => {
    expect(partitionDurable('juece-projector', partition(0, 1))).toBe('juece-projector');
    expect(partitionDurable('juece-projector', partition(1, 4))).toBe('juece-projector-p1of4');
  });

  it('reads JUECE_PROJECTOR_PARTITIONS and JUECE_PROJECTOR_PARTITION, refusing a partition out of range', () => {
    expect(loadConfig({}).projectorPartition).toEqual({ index: 0, count: 1 });
    expect(loadConfig({ JUECE_PROJECTOR_PARTITIONS: '4', JUECE_PROJECTOR_PARTITION: '3' }).projectorPartition).toEqual({ index: 3, count: 4 });
    expect(() => loadConfig({ JUECE_PROJECTOR_PARTITIONS: '2', JUECE_PROJECTOR_PARTITION: '2' })).toThrow(/JUECE_PROJECTOR_PARTITION: must be below JUECE_PROJECTOR_PARTITIONS/);
    expect(() => loadConfig({ JUECE_PROJECTOR_PARTITIONS: '0' })).toThrow(/JUECE_PROJECTOR_PARTITIONS/);
    expect(() => loadConfig({ JUECE_PROJECTOR_PARTITIONS: '65' })).toThrow(/JUECE_PROJECTOR_PARTITIONS/);
    expect(() => partition(-1, 2)).toThrow('partition must be a whole number from 0 to 1 (of 2 partitions), not -1');
  });
});
