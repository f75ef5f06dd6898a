/**
 * docker-compose.yml, checked statically (no Docker engine here): every service runs an image or the project's
 * build, depends only on services that exist, uses declared volumes and distinct host ports; juece's processes run
 * real `juece` commands with only variables the code reads and the ones each needs; the Dockerfile ships every
 * folder they import; the search attributes registered are juece's. (Where the compose plugin is installed,
 * `docker compose config` checks the file as well; this machine has only the docker client.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CONFIG_VARIABLES, splitServers } from '../infra/config';
import { NATS_SERVER_VERSION } from '../infra/provision';
import { devServerSearchAttributeFlags } from '../infra/searchAttributes';

const root = path.resolve(__dirname, '..');
type Service = {
  image?: string;
  build?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: string[] | Record<string, unknown>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[] };
};
const compose = YAML.parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = Object.entries(compose.services);
const juece = services.filter(([, s]) => s.build);

describe('docker-compose.yml', () => {
  it('has every service runnable, its dependencies, volumes and ports consistent', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['temporal', 'temporal-db', 'temporal-ui', 'nats-1', 'nats-2', 'nats-3', 'record-db', 'worker', 'api', 'projector', 'commands']),
    );
    for (const [name, s] of services) {
      expect(s.image ?? s.build, name).toBeTruthy();
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) expect(compose.services[d], `${name} depends on ${d}`).toBeDefined();
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (!source.startsWith('.') && !source.startsWith('/')) expect(compose.volumes[source], `${name} uses volume ${source}`).toBeDefined();
      }
    }
    const hostPorts = services.flatMap(([, s]) => (s.ports ?? []).map((p) => p.split(':')[0]));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    expect(compose.services.temporal!.image).toMatch(/^temporalio\//);
    expect(compose.services['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
  });

  it("runs juece's processes with real commands and only the variables the code reads", () => {
    const bin = readFileSync(path.join(root, 'bin/juece.js'), 'utf8');
    const needs: Record<string, string[]> = {
      worker: ['TEMPORAL_ADDRESS', 'NATS_URL'],
      api: ['TEMPORAL_ADDRESS', 'NATS_URL', 'JUECE_DATABASE_URL', 'JUECE_JWT_SECRET'],
      projector: ['NATS_URL', 'JUECE_DATABASE_URL'],
      commands: ['TEMPORAL_ADDRESS', 'NATS_URL', 'JUECE_DATABASE_URL'],
    };
    expect(juece.map(([name]) => name).sort()).toEqual(Object.keys(needs).sort());
    for (const [name, s] of juece) {
      const [node, script, sub] = s.command as string[];
      expect([node, script], name).toEqual(['node', 'bin/juece.js']);
      expect(bin, `${name} runs juece ${sub}`).toContain(`${sub}: [`);
      const env = Object.keys(s.environment ?? {});
      for (const v of env) expect(CONFIG_VARIABLES, `${name} sets ${v}`).toContain(v);
      for (const v of needs[name]!) expect(env, `${name} needs ${v}`).toContain(v);
      expect(s.environment!.TEMPORAL_ADDRESS ?? 'temporal:7233').toBe('temporal:7233');
    }
  });

  it("checks each juece process's readiness on the port it serves /readyz on, reachable from the network", () => {
    for (const [name, s] of juece) {
      const env = s.environment!;
      const port = name === 'api' ? env.JUECE_API_PORT : env[`JUECE_${name.toUpperCase()}_METRICS_PORT`];
      expect(port, `${name}'s metrics port`).toMatch(/^[1-9]\d*$/);
      expect(JSON.stringify(s.healthcheck?.test), `${name}'s healthcheck`).toContain(`http://127.0.0.1:${port}/readyz`);
      if (name !== 'api') {
        expect(env.JUECE_METRICS_HOST, `${name} listens beyond its container`).toBe('0.0.0.0');
        expect(s.expose, `${name} exposes its metrics port`).toContain(port);
      }
      expect(env.JUECE_LOG_FORMAT, `${name} logs JSON lines`).toBe('json');
    }
  });

  it('ships every folder the processes import in the image, and registers juece\'s search attributes', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY (\S+) /gm)].map((m) => m[1]);
    const codeFolders = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.') && !['node_modules', 'test', 'bench', 'scripts'].includes(d.name))
      .map((d) => d.name);
    for (const folder of codeFolders) expect(copied, `Dockerfile copies ${folder}/`).toContain(folder);
    const setup = JSON.stringify(compose.services['temporal-setup']);
    const flags = devServerSearchAttributeFlags().filter((f) => f !== '--search-attribute');
    for (const attr of flags) expect(setup).toContain(attr);
  });

  it('runs NATS as a three-node JetStream cluster of the pinned nats-server, writing before it acknowledges', () => {
    const nats = services.filter(([, s]) => s.image?.startsWith('nats:'));
    expect(nats.map(([name]) => name).sort()).toEqual(['nats-1', 'nats-2', 'nats-3']);
    for (const [name, s] of nats) {
      const tag = s.image!.slice('nats:'.length);
      expect(tag.split('-')[0], `${name}'s image ${s.image}`).toBe(NATS_SERVER_VERSION.replace(/^v/, ''));
      const configs = (s.volumes ?? []).map((v) => v.split(':')).filter(([source]) => source!.startsWith('.'));
      expect(configs.length, `${name} mounts a config file`).toBe(1);
      const [source, target] = configs[0]!;
      const file = path.join(root, source!);
      expect(existsSync(file), `${name}'s ${source} exists`).toBe(true);
      const text = readFileSync(file, 'utf8');
      expect(text, `${name}'s ${source}`).toMatch(/^\s*sync_interval:\s*always\s*$/m);
      expect(text).toMatch(new RegExp(`^server_name:\\s*${name}\\s*$`, 'm'));
      const routes = /routes:\s*\[([^\]]*)\]/.exec(text)?.[1] ?? '';
      const others = nats.map(([n]) => n).filter((n) => n !== name);
      for (const other of others) expect(routes, `${name} routes to ${other}`).toContain(`${other}:6222`);
      expect(JSON.stringify(s.command), `${name} runs with ${target}`).toContain(target);
    }
    for (const [name, s] of juece) {
      const hosts = splitServers(s.environment!.NATS_URL!).map((u) => new URL(u).hostname);
      expect(hosts.sort(), `${name}'s NATS_URL`).toEqual(nats.map(([n]) => n).sort());
      expect(s.environment!.JUECE_STREAM_REPLICAS, `${name}'s JUECE_STREAM_REPLICAS`).toBe(String(nats.length));
      const deps = Object.keys(s.depends_on ?? {});
      for (const [n] of nats) expect(deps, `${name} depends on ${n}`).toContain(n);
    }
  });
});
