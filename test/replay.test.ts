/**
 * Replay: saved histories of real decisions (test/histories/, recorded on the time-skipping server with
 * JUECE_SAVE_HISTORIES=1 npx vitest run test/majorDecision.test.ts) must replay through the current workflow
 * code without a non-determinism error. A change that would break running decisions fails here.
 */
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';

const dir = path.join(__dirname, 'histories');
const saved = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('replay of saved decision histories', () => {
  it('has saved histories to replay', () => {
    expect(saved.length).toBeGreaterThanOrEqual(2);
  });

  it.each(saved)('%s replays through the current workflow code', async (file) => {
    const history = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, `replay-${file}`),
    ).resolves.toBeUndefined();
  });
});
