/**
 * Runtime configuration, read from environment variables and validated once.
 * Every process (worker, demo, tests) reads the same variables; the README lists them.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { MAX_PARTITIONS, type Partition } from '../projector/partition';
import { LOG_LEVELS, type LogFormat, type LogLevel } from './log';

const port = z.coerce.number().int().min(1).max(65535);
/** A port, or 0 for none (the listener is off). */
const portOrOff = z.coerce.number().int().min(0).max(65535);

const EnvSchema = z.object({
  /** Where provisioned binaries (Temporal CLI, Java test server) are cached, per machine. */
  JUECE_CACHE_DIR: z.string().min(1).optional(),
  /** Where the dev server's SQLite file and the NATS JetStream store live. */
  JUECE_DATA_DIR: z.string().min(1).optional(),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('juece'),
  /** Port of the dev server's Web UI (the Temporal CLI default is the gRPC port + 1000). */
  TEMPORAL_UI_PORT: port.optional(),
  /** One NATS server, or a cluster's servers as a comma-separated list (nats://n1:4222,nats://n2:4222,…). */
  NATS_URL: z
    .string()
    .min(1)
    .default('nats://127.0.0.1:4222')
    .refine((v) => splitServers(v).length > 0, 'give at least one server URL'),
  /** Replicas of juece's JetStream streams: 1 on one server, 3 on a three-node cluster (production). */
  JUECE_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** The working-day calendar folder: new years' schedules and regional overlays (see calendars/README.md). */
  JUECE_CALENDAR_DIR: z.string().min(1).optional(),
  JUECE_POOL_DIR: z.string().min(1).optional(),
  CHROMIUM_PATH: z.string().min(1).optional(),
  JUECE_DEV_SIGNIN: z.enum(['true', 'false']).optional(),
  /** Use this Temporal CLI instead of building one. */
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  /** Use this time-skipping test server executable instead of the Maven-provisioned one. */
  TEMPORAL_TEST_SERVER_PATH: z.string().min(1).optional(),
  /** Use this nats-server binary instead of building NATS_SERVER_VERSION with go install (infra/provision.ts). */
  NATS_SERVER_PATH: z.string().min(1).optional(),
  /** The procedure record's PostgreSQL (postgres://…); unset: an embedded PGlite database in the data folder. */
  JUECE_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  /** Folder that receives a copy of every public notice; default <data>/outbox; "off" for none (production). */
  JUECE_NOTICE_OUTBOX: z.string().min(1).optional(),
  /** A workflow bundle built beforehand (bundleWorkflowCode): the worker starts without bundling. */
  JUECE_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /** Open workflows the worker keeps in memory (its sticky cache; the others are replayed when they next wake); 0: none. */
  JUECE_WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  /** The HTTP API's address. */
  JUECE_API_HOST: z.string().min(1).default('127.0.0.1'),
  JUECE_API_PORT: port.default(8080),
  /** HS256 secret for bearer tokens (at least 32 characters); unset and no JWKS: a development secret in the data folder. */
  JUECE_JWT_SECRET: z.string().min(32, 'use at least 32 characters').optional(),
  /** Production: verify tokens against this JWKS (the identity provider's keys) instead of a shared secret. */
  JUECE_JWKS_URL: z.url().optional(),
  /** The projector's durable JetStream consumer: one name per procedure record. */
  JUECE_PROJECTOR_NAME: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only').default('juece-projector'),
  /** Scale-out: the record is kept by this many projectors, each the decisions of one partition (projector/partition.ts). */
  JUECE_PROJECTOR_PARTITIONS: z.coerce.number().int().min(1).max(MAX_PARTITIONS).default(1),
  /** This projector's partition, 0 … JUECE_PROJECTOR_PARTITIONS - 1. */
  JUECE_PROJECTOR_PARTITION: z.coerce.number().int().min(0).default(0),
  /** Use the PostgreSQL server binaries in this folder (tests) instead of Debian's. */
  POSTGRES_BIN_DIR: z.string().min(1).optional(),
  /** The least severe log line written: trace, debug, info, warn, error. */
  JUECE_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** json: one JSON object per line; pretty: readable lines; unset: pretty on a terminal, JSON otherwise. */
  JUECE_LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  /** Where the worker's, projector's and commands process's metrics and health listeners bind. */
  JUECE_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Port of each process's /metrics, /livez and /readyz; 0 or unset: none (the API serves them on its own port). */
  JUECE_WORKER_METRICS_PORT: portOrOff.default(0),
  JUECE_PROJECTOR_METRICS_PORT: portOrOff.default(0),
  JUECE_COMMANDS_METRICS_PORT: portOrOff.default(0),
});

/** Every variable juece reads (docker-compose.yml is checked against this list). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

export type JueceConfig = {
  cacheDir: string;
  dataDir: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  uiPort: number;
  /** NATS_URL as given. */
  natsUrl: string;
  /** NATS_URL's servers, one URL each: what `connect({ servers })` takes. */
  natsServers: string[];
  /** JetStream replicas of juece's streams (JUECE_STREAM_REPLICAS). */
  streamReplicas: number;
  calendarDir?: string;
  /** The authorities' expert pools, one `<authority>.json` each (JUECE_POOL_DIR; default the shipped pools/). */
  poolDir?: string;
  temporalCliPath?: string;
  testServerPath?: string;
  natsServerPath?: string;
  databaseUrl?: string;
  projectorName: string;
  /** The partition of the record this projector keeps (JUECE_PROJECTOR_PARTITION of JUECE_PROJECTOR_PARTITIONS). */
  projectorPartition: Partition;
  workflowBundle?: string;
  /** JUECE_WORKER_MAX_CACHED_WORKFLOWS; unset: the SDK's default (from the heap size). */
  maxCachedWorkflows?: number;
  apiHost: string;
  apiPort: number;
  jwtSecret?: string;
  jwksUrl?: string;
  noticeOutbox?: string;
  postgresBinDir?: string;
  /** The workspace offers the sample actors' sign-in even with a configured secret (JUECE_DEV_SIGNIN=true). */
  devSignIn: boolean;
  /** The browser of the browser tests (CHROMIUM_PATH; default Debian's, provisioned). */
  chromiumPath?: string;
  logLevel: LogLevel;
  /** Unset: readable on a terminal, JSON otherwise. */
  logFormat?: LogFormat;
  metricsHost: string;
  /** Each process's metrics and health port (0: none). */
  metricsPorts: { worker: number; projector: number; commands: number };
};

/** Reads and validates the configuration; throws a readable error naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): JueceConfig {
  const parsed = EnvSchema.refine((e) => e.JUECE_PROJECTOR_PARTITION < e.JUECE_PROJECTOR_PARTITIONS, {
    path: ['JUECE_PROJECTOR_PARTITION'],
    message: 'must be below JUECE_PROJECTOR_PARTITIONS (partitions are numbered from 0)',
  }).safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid juece configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const cacheRoot = env.XDG_CACHE_HOME || path.join(env.HOME || homedir(), '.cache');
  return {
    cacheDir: path.resolve(e.JUECE_CACHE_DIR ?? path.join(cacheRoot, 'juece')),
    dataDir: path.resolve(e.JUECE_DATA_DIR ?? path.join(process.cwd(), '.data')),
    temporalAddress: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    uiPort: e.TEMPORAL_UI_PORT ?? portOf(e.TEMPORAL_ADDRESS) + 1000,
    natsUrl: e.NATS_URL,
    natsServers: splitServers(e.NATS_URL),
    streamReplicas: e.JUECE_STREAM_REPLICAS,
    calendarDir: e.JUECE_CALENDAR_DIR ? path.resolve(e.JUECE_CALENDAR_DIR) : undefined,
    poolDir: e.JUECE_POOL_DIR ? path.resolve(e.JUECE_POOL_DIR) : undefined,
    chromiumPath: e.CHROMIUM_PATH,
    devSignIn: e.JUECE_DEV_SIGNIN === 'true',
    temporalCliPath: e.TEMPORAL_CLI_PATH,
    testServerPath: e.TEMPORAL_TEST_SERVER_PATH,
    natsServerPath: e.NATS_SERVER_PATH,
    databaseUrl: e.JUECE_DATABASE_URL,
    projectorName: e.JUECE_PROJECTOR_NAME,
    projectorPartition: { index: e.JUECE_PROJECTOR_PARTITION, count: e.JUECE_PROJECTOR_PARTITIONS },
    workflowBundle: e.JUECE_WORKFLOW_BUNDLE ? path.resolve(e.JUECE_WORKFLOW_BUNDLE) : undefined,
    maxCachedWorkflows: e.JUECE_WORKER_MAX_CACHED_WORKFLOWS,
    apiHost: e.JUECE_API_HOST,
    apiPort: e.JUECE_API_PORT,
    jwtSecret: e.JUECE_JWT_SECRET,
    jwksUrl: e.JUECE_JWKS_URL,
    noticeOutbox: e.JUECE_NOTICE_OUTBOX === 'off' ? undefined : path.resolve(e.JUECE_NOTICE_OUTBOX ?? path.join(e.JUECE_DATA_DIR ?? path.join(process.cwd(), '.data'), 'outbox')),
    postgresBinDir: e.POSTGRES_BIN_DIR,
    logLevel: e.JUECE_LOG_LEVEL,
    logFormat: e.JUECE_LOG_FORMAT,
    metricsHost: e.JUECE_METRICS_HOST,
    metricsPorts: { worker: e.JUECE_WORKER_METRICS_PORT, projector: e.JUECE_PROJECTOR_METRICS_PORT, commands: e.JUECE_COMMANDS_METRICS_PORT },
  };
}

/** A comma-separated list of server URLs, split and trimmed, empty entries dropped. */
export function splitServers(list: string): string[] {
  return list
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
}

/** The port of a `host:port` address or a `scheme://host:port` URL. */
export function portOf(address: string): number {
  const m = /:(\d+)\/?$/.exec(address);
  if (!m) throw new Error(`Address "${address}" has no port`);
  return Number(m[1]);
}

/** The host of a `host:port` address or a `scheme://host:port` URL. */
export function hostOf(address: string): string {
  return address.replace(/^[a-z]+:\/\//, '').replace(/:\d+\/?$/, '');
}

/** Where the procedure record lives: JUECE_DATABASE_URL, or an embedded PGlite folder in the data folder. */
export function recordDbTarget(cfg: JueceConfig): { url: string } | { dir: string } {
  return cfg.databaseUrl ? { url: cfg.databaseUrl } : { dir: path.join(cfg.dataDir, 'record') };
}
