/**
 * The README's main job (`npm start`, here with `--once`) run as a newcomer would, on its own ports and data
 * folder: it must start the servers, drive the sample decision through every step printing each one, name the
 * workflow and the Web UI address, and leave a SQLite file from which a restarted dev server still knows the decision.
 */
import { Client, Connection } from '@temporalio/client';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { STEP_NAMES, STEPS } from '../domain/procedure';
import { freePort, startDevServer } from '../infra/servers';

const dataDir = mkdtempSync(path.join(tmpdir(), 'juece-demo-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function runDemo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--once'], {
      cwd: path.resolve(__dirname, '..'),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b) => (output += b));
    child.stderr.on('data', (b) => (output += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('npm start (the main job)', () => {
  it('drives the sample decision through every step and keeps it across a server restart', async () => {
    const [temporalPort, uiPort, natsPort, apiPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const { code, output } = await runDemo({
      JUECE_DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      TEMPORAL_UI_PORT: String(uiPort),
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      JUECE_API_PORT: String(apiPort),
      TEMPORAL_CLI_PATH: inject('temporalCliPath'),
      NATS_SERVER_PATH: inject('natsServerPath'),
    });
    expect(code, output).toBe(0);
    const workflowId = /workflow id: (decision-demo-[\w-]+)/.exec(output)?.[1];
    expect(workflowId, output).toBeDefined();
    expect(output).toContain(`http://127.0.0.1:${uiPort}/namespaces/default/workflows/${workflowId}`);
    for (const step of STEP_NAMES.filter((s) => s !== 'execution')) expect(output).toMatch(new RegExp(`stepCompleted ${step} ${STEPS[step].term}`));
    expect(output).toMatch(/: published and archived, now inExecution; \d+ procedure events/);
    // The procedure record (PGlite in the data folder) holds every event, its chain intact; the notices are out.
    const events = Number(/now inExecution; (\d+) procedure events/.exec(output)?.[1]);
    expect(output).toContain(`Procedure record: ${events} entries, hash chain verified`);
    const decisionId = workflowId!.replace(/^decision-/, '');
    expect(output).toContain(`record?format=html → 200 (a printable page)`);
    expect(output).toContain(`The workspace: http://127.0.0.1:${apiPort}/app (sign in as any sample actor`);
    expect(output).toContain(`this decision at http://127.0.0.1:${apiPort}/app/decisions/${decisionId}`);
    expect(readdirSync(path.join(dataDir, 'outbox', 'shifan-gov', decisionId)).sort()).toEqual(['consultation-publish.txt', 'decision-publish.txt']);
    // Its consultation, held elsewhere before, is recorded as such (补录), never as one opened in the past.
    expect(output).toMatch(/consultationOpened publicParticipation 公众参与: consultation opened on \d{4}-\d{2}-\d{2} for 30 days \(补录: retroactive record of the consultation published as 示交公告〔2026〕3号/);
    expect(readFileSync(path.join(dataDir, 'outbox', 'shifan-gov', decisionId, 'consultation-publish.txt'), 'utf8')).toContain('公开征求意见情况的补录公告');

    // The dev server, started again on the same SQLite file, still has the decision and its history.
    const server = await startDevServer({
      cli: inject('temporalCliPath'),
      port: temporalPort,
      uiPort,
      namespace: 'default',
      dbFile: path.join(dataDir, 'temporal.db'),
    });
    try {
      const connection = await Connection.connect({ address: server.address });
      const description = await new Client({ connection }).workflow.getHandle(workflowId!).describe();
      expect(description.status.name).toBe('RUNNING'); // in execution, its record intact
      await connection.close();
    } finally {
      await server.stop();
    }
  });
});
