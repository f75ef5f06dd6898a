/**
 * Partitions of the procedure record (记录分区): N projectors keep one record side by side, each the decisions and
 * cases whose id falls in its partition, so that each decision's events are applied by exactly one projector, in
 * order. A decision's partition is the first 32 bits of the MD5 of its id, modulo N: the same in this process and in
 * SQL (`md5()`), so the projector's database work (gaps, checks against the workflows) is filtered the same way.
 * A decision and an enforcement case of the same id fall in the same partition.
 */
import { createHash } from 'node:crypto';

export interface Partition {
  /** This projector's partition, 0 … count - 1. */
  index: number;
  /** How many partitions the record is kept in (1: one projector keeps all of it, as before partitions). */
  count: number;
}

/** One projector for the whole record. */
export const WHOLE_RECORD: Partition = { index: 0, count: 1 };

/** The most partitions a record may be kept in (a consumer each on the events stream). */
export const MAX_PARTITIONS = 64;

/** A partition, checked: a whole `count` of 1 … 64 and an `index` below it. */
export function partition(index: number, count: number): Partition {
  if (!Number.isInteger(count) || count < 1 || count > MAX_PARTITIONS) throw new Error(`partitions must be a whole number from 1 to ${MAX_PARTITIONS}, not ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`partition must be a whole number from 0 to ${count - 1} (of ${count} partitions), not ${index}`);
  return { index, count };
}

/** The partition (0 … count - 1) of a decision or case id. */
export function partitionOf(decisionId: string, count: number): number {
  if (count === 1) return 0;
  return parseInt(createHash('md5').update(decisionId, 'utf8').digest('hex').slice(0, 8), 16) % count;
}

/** This projector applies the events of this decision or case. */
export function owns(p: Partition, decisionId: string): boolean {
  return p.count === 1 || partitionOf(decisionId, p.count) === p.index;
}

/**
 * The same test in SQL, on the column `column`, with the partition's count and index as the parameters `$k` and
 * `$k+1`; `params` to append. The whole record: no condition and no parameters.
 */
export function ownsSql(p: Partition | undefined, column: string, k: number): { sql: string; params: number[] } {
  if (!p || p.count === 1) return { sql: '', params: [] };
  return { sql: ` AND (('x' || substr(md5(${column}), 1, 8))::bit(32)::bigint % $${k}) = $${k + 1}`, params: [p.count, p.index] };
}

/**
 * The durable consumer of a partition: the projector's name as it is for the whole record, `<name>-p<index>of<count>`
 * for a partition (its figures and stream mark are kept under that name too).
 */
export function partitionDurable(name: string, p: Partition): string {
  return p.count === 1 ? name : `${name}-p${p.index}of${p.count}`;
}
