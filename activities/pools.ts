/**
 * The authority's expert pool (决策咨询论证专家库, art. 21), read here and never in workflow code: a pool revised
 * while a decision runs is read as it is when the experts are asked, and what was checked is recorded with the
 * assignment. One file per authority: `<pool folder>/<authority>.json` (domain/assignments.ts ExpertPoolSchema).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkExperts, ExpertPoolSchema, type ExpertCheck, type ExpertPool } from '../domain/assignments';
import { describeZodError } from '../domain/schemas';

/** The pools shipped with juece (the sample authority's); JUECE_POOL_DIR names another folder. */
export const DEFAULT_POOL_DIR = path.resolve(__dirname, '../pools');

export async function readExpertPool(dir: string, authority: string): Promise<ExpertPool | undefined> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(authority)) return undefined;
  const file = path.join(dir, `${authority}.json`);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`The expert pool ${file} is not valid JSON: ${(err as Error).message}`, 'InvalidExpertPool');
  }
  const parsed = ExpertPoolSchema.safeParse(json);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`The expert pool ${file} is not valid: ${describeZodError(parsed.error)}`, 'InvalidExpertPool');
  if (parsed.data.authority !== authority) throw ApplicationFailure.nonRetryable(`The expert pool ${file} is ${parsed.data.authority}'s, not ${authority}'s`, 'InvalidExpertPool');
  return parsed.data;
}

export function createPoolActivities(dir: string = DEFAULT_POOL_DIR) {
  return {
    /** The experts named, as the authority's pool has them now, each with the conflicts found against the matter's parties. */
    async checkExpertPool(o: { authority: string; experts: string[]; parties: string[] }): Promise<ExpertCheck> {
      return checkExperts(await readExpertPool(dir, o.authority), o.experts, o.parties);
    },
  };
}
