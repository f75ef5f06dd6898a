/**
 * `juece token`: development bearer tokens for the API, signed with JUECE_JWT_SECRET or the development secret in
 * the data folder. Without options, one for each role of the sample decision; with --role, --org, --name, --id
 * and --authority, one for that actor. `--json` prints them as JSON.
 */
import { parseArgs } from 'node:util';
import { devSecret, signToken } from '../api/auth';
import { sampleActors } from '../client/sample';
import { ActorSchema, describeZodError, type Actor } from '../domain/schemas';
import { loadConfig } from '../infra/config';

async function main() {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      org: { type: 'string' },
      name: { type: 'string' },
      id: { type: 'string' },
      authority: { type: 'string', default: 'shifan-gov' },
      expires: { type: 'string', default: '8h' },
      json: { type: 'boolean', default: false },
    },
  });
  const cfg = loadConfig();
  if (cfg.jwksUrl && !cfg.jwtSecret) throw new Error('Tokens are verified against JUECE_JWKS_URL: get them from your identity provider.');
  const secret = cfg.jwtSecret ?? devSecret(cfg.dataDir);
  let actors: Record<string, Actor> = sampleActors;
  if (values.role) {
    const parsed = ActorSchema.safeParse({ id: values.id ?? `dev-${values.role}`, name: values.name ?? values.role, role: values.role, organisation: values.org ?? '' });
    if (!parsed.success) {
      console.error(`juece token: ${describeZodError(parsed.error)}`);
      process.exit(2);
    }
    actors = { [values.role]: parsed.data };
  }
  const out: Record<string, string> = {};
  for (const [key, actor] of Object.entries(actors)) out[key] = await signToken(secret, { actor, authority: values.authority! }, values.expires);
  if (values.json) console.log(JSON.stringify(out, null, 2));
  else for (const [key, token] of Object.entries(out)) console.log(`${key.padEnd(18)} ${actors[key]!.organisation} (${actors[key]!.role})\n  ${token}`);
}

main().catch((err) => {
  console.error(`juece token: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
