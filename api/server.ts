/**
 * Serves the API on a port, with its dependencies opened from the configuration (used by the API process and
 * the main job).
 */
import { serve, type ServerType } from '@hono/node-server';
import type { NatsConnection } from 'nats';
import type { JueceClient } from '../client';
import { CommentIntake } from '../commands/commentIntake';
import type { JueceConfig } from '../infra/config';
import type { Db } from '../store/db';
import { createApi } from './app';
import { createVerifier, devSecret, signToken, type Principal } from './auth';
import { sampleSignIns } from '../client/sample';
import type { Registry } from 'prom-client';
import type { Log } from '../infra/log';
import { commentMetrics, processRegistry } from '../infra/metrics';

export interface RunningApi {
  url: string;
  /** True when tokens are checked against the development secret in the data folder. */
  devTokens: boolean;
  stop(): Promise<void>;
}

export async function startApi(
  cfg: JueceConfig,
  deps: { client: JueceClient; db: Db; nats: NatsConnection; registry?: Registry; log?: Log },
  port = cfg.apiPort,
): Promise<RunningApi> {
  const registry = deps.registry ?? processRegistry();
  const devTokens = !cfg.jwtSecret && !cfg.jwksUrl;
  const secret = cfg.jwtSecret ?? (devTokens ? devSecret(cfg.dataDir) : undefined);
  const verifier = createVerifier({ secret, jwksUrl: cfg.jwksUrl });
  const intake = new CommentIntake({ db: deps.db, metrics: commentMetrics(registry) });
  // The workspace's development sign-in: on embedded defaults, or when asked for (never with a JWKS alone).
  const devSignIn = secret && (devTokens || cfg.devSignIn) ? { actors: sampleSignIns(), sign: (p: Principal) => signToken(secret, p) } : undefined;
  const app = createApi({ ...deps, registry, verifier, intake, devSignIn });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: cfg.apiHost, port }, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`Port ${port} is already in use: is another juece API running? Set JUECE_API_PORT to use another port.`) : err),
    );
  });
  return {
    url: `http://${cfg.apiHost}:${port}`,
    devTokens,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
