/**
 * Wires a Temporal worker: a connection, the workflows bundle and the activities with their dependencies.
 */
import { bundleWorkflowCode, NativeConnection, Worker, type BundleOptions, type WorkerOptions } from '@temporalio/worker';
import type { NatsConnection } from 'nats';
import path from 'node:path';
import { createActivities } from '../activities';
import { calendarProvider, DEFAULT_CALENDAR_DIR } from '../infra/calendarData';
import { closeNats, connectNats } from '../infra/nats';

/** The workflows' entry point; the SDK bundles it (and everything it imports) with its own webpack. */
export const WORKFLOWS_PATH = path.resolve(__dirname, '../workflows/index.ts');

/**
 * Pure modules (zod and the domain's schemas, rules and tables: no state, no workflow API, nothing read from the
 * clock at load) that each workflow thread loads once and every workflow shares (the SDK's `preloadModules`).
 * Without it every workflow builds its own copy of every zod schema when it starts: some 300 ms of CPU and 0.7 MiB
 * a workflow, which held an enforcement import to 2-3 cases a second (bench:enforcement).
 */
export const SHARED_WORKFLOW_MODULES = [
  'zod',
  ...['actions', 'assignments', 'calendar', 'catalog', 'deadlines', 'enforcement', 'enforcementReview', 'events', 'notices', 'pattern', 'procedure', 'rules', 'schemas', 'searchAttributes'].map(
    (m) => path.resolve(__dirname, `../domain/${m}.ts`),
  ),
];

/** How juece's workflows are bundled, for the worker and for every prebuilt bundle (tests, benchmarks). */
export function workflowBundleOptions(workflowsPath = WORKFLOWS_PATH): Pick<BundleOptions, 'workflowsPath' | 'preloadModules'> {
  return { workflowsPath, preloadModules: SHARED_WORKFLOW_MODULES };
}

/** A prebuilt bundle of the workflows (quiet unless webpack reports an error). */
export async function bundleWorkflows(workflowsPath = WORKFLOWS_PATH): Promise<{ code: string }> {
  return bundleWorkflowCode({ ...workflowBundleOptions(workflowsPath), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } });
}

export interface JueceWorkerOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** A NATS server's URL, or a cluster's URLs (JUECE_CONFIG.natsServers). */
  natsUrl: string | string[];
  /** JetStream replicas of the streams the activities create (JUECE_STREAM_REPLICAS); default 1. */
  streamReplicas?: number;
  /** A prebuilt bundle (tests build it once); otherwise the worker bundles WORKFLOWS_PATH. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** An existing connection to use (tests share the test environment's). */
  connection?: NativeConnection;
  /** The working-day calendar folder (JUECE_CALENDAR_DIR). */
  calendarDir?: string;
  /** The authorities' expert pools (JUECE_POOL_DIR). */
  poolDir?: string;
  /** Folder that receives a copy of every public notice (JUECE_NOTICE_OUTBOX). */
  noticeOutbox?: string;
  /** Workflows kept in the worker's cache (0: no sticky execution). */
  maxCachedWorkflows?: number;
}

export interface JueceWorker {
  worker: Worker;
  nats: NatsConnection;
  /** The worker's connection to Temporal (its readiness asks the frontend through it). */
  connection: NativeConnection;
  /** Closes the NATS and Temporal connections this function opened (NATS within a few seconds, even when it is gone). */
  close(): Promise<void>;
}

export async function createWorker(o: JueceWorkerOptions): Promise<JueceWorker> {
  const nats = await connectNats(o.natsUrl, 'juece-worker');
  const connection = o.connection ?? (await NativeConnection.connect({ address: o.temporalAddress }));
  const worker = await Worker.create({
    connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: SHARED_WORKFLOW_MODULES } }),
    ...(o.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: o.maxCachedWorkflows } : {}),
    activities: createActivities({
      nats,
      calendars: calendarProvider(o.calendarDir ?? DEFAULT_CALENDAR_DIR),
      noticeOutbox: o.noticeOutbox,
      poolDir: o.poolDir,
      streamReplicas: o.streamReplicas,
    }),
  });
  return {
    worker,
    nats,
    connection,
    async close() {
      await closeNats(nats);
      if (!o.connection) await connection.close();
    },
  };
}
