/** Configuration from environment variables: defaults that just work, and a clear error for a bad value. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../infra/config';

describe('loadConfig', () => {
  it('runs on embedded defaults with nothing set', () => {
    const cfg = loadConfig({ HOME: '/home/someone' });
    expect(cfg).toMatchObject({
      temporalAddress: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'juece',
      uiPort: 8233,
      natsUrl: 'nats://127.0.0.1:4222',
      natsServers: ['nats://127.0.0.1:4222'],
      streamReplicas: 1,
      cacheDir: '/home/someone/.cache/juece',
      dataDir: path.resolve('.data'),
    });
  });

  it('derives the Web UI port from the Temporal port unless given', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:17233' }).uiPort).toBe(18233);
    expect(loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:17233', TEMPORAL_UI_PORT: '9000' }).uiPort).toBe(9000);
  });

  it("takes a cluster's servers as a comma-separated NATS_URL, and the streams' replicas", () => {
    const cfg = loadConfig({ NATS_URL: ' nats://n1:4222, nats://n2:4222 ,nats://n3:4222,', JUECE_STREAM_REPLICAS: '3' });
    expect(cfg.natsUrl).toBe(' nats://n1:4222, nats://n2:4222 ,nats://n3:4222,');
    expect(cfg.natsServers).toEqual(['nats://n1:4222', 'nats://n2:4222', 'nats://n3:4222']);
    expect(cfg.streamReplicas).toBe(3);
    expect(() => loadConfig({ JUECE_STREAM_REPLICAS: '0' })).toThrow(/JUECE_STREAM_REPLICAS/);
    expect(() => loadConfig({ JUECE_STREAM_REPLICAS: '6' })).toThrow(/JUECE_STREAM_REPLICAS/);
    expect(() => loadConfig({ JUECE_STREAM_REPLICAS: '2.5' })).toThrow(/JUECE_STREAM_REPLICAS/);
    expect(() => loadConfig({ NATS_URL: ' , ' })).toThrow(/NATS_URL: give at least one server URL/);
  });

    it('names every bad variable in one readable error', () => {
    expect(() => loadConfig({ TEMPORAL_UI_PORT: 'eighty', TEMPORAL_NAMESPACE: '' })).toThrow(
      /Invalid juece configuration:\n {2}TEMPORAL_NAMESPACE: .*\n {2}TEMPORAL_UI_PORT: /,
    );
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'localhost' })).toThrow('Address "localhost" has no port');
  });

  it('logs at info and serves no metrics listener of the worker, projector or commands process unless given a port', () => {
    expect(loadConfig({})).toMatchObject({ logLevel: 'info', logFormat: undefined, metricsHost: '127.0.0.1', metricsPorts: { worker: 0, projector: 0, commands: 0 } });
    const cfg = loadConfig({ JUECE_LOG_LEVEL: 'debug', JUECE_LOG_FORMAT: 'json', JUECE_WORKER_METRICS_PORT: '9464', JUECE_PROJECTOR_METRICS_PORT: '0' });
    expect(cfg).toMatchObject({ logLevel: 'debug', logFormat: 'json', metricsPorts: { worker: 9464, projector: 0, commands: 0 } });
    expect(() => loadConfig({ JUECE_LOG_LEVEL: 'verbose' })).toThrow(/JUECE_LOG_LEVEL/);
    expect(() => loadConfig({ JUECE_COMMANDS_METRICS_PORT: '70000' })).toThrow(/JUECE_COMMANDS_METRICS_PORT/);
  });
});
