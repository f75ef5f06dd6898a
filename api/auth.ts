/**
 * Bearer tokens (JWT, verified with jose): HS256 with a shared secret, or a JWKS for production. A token carries
 * the actor: `sub` (id), `name`, `role`, `org` (organisation) and `authority` (the deciding authority's code the
 * actor works for). What each role may see and do is decided in `access.ts`.
 */
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RoleSchema, type Actor } from '../domain/schemas';

export const ISSUER = 'juece';
export const AUDIENCE = 'juece-api';

const ClaimsSchema = z.object({
  sub: z.string().min(1).max(64),
  name: z.string().min(1).max(100),
  role: RoleSchema,
  org: z.string().min(1).max(200),
  authority: z.string().min(1).max(64),
});

export interface Principal {
  actor: Actor;
  /** The deciding authority the actor works for. */
  authority: string;
}

export class Unauthenticated extends Error {
  override name = 'Unauthenticated';
}

export interface Verifier {
  verify(token: string): Promise<Principal>;
}

/** HS256 with `secret`, or the keys at `jwksUrl`. */
export function createVerifier(o: { secret?: string; jwksUrl?: string }): Verifier {
  let key: Uint8Array | JWTVerifyGetKey;
  if (o.jwksUrl) key = createRemoteJWKSet(new URL(o.jwksUrl));
  else if (o.secret) key = new TextEncoder().encode(o.secret);
  else throw new Error('Set JUECE_JWT_SECRET or JUECE_JWKS_URL: the API verifies every token.');
  return {
    async verify(token) {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, key as Uint8Array, { issuer: ISSUER, audience: AUDIENCE }));
      } catch (err) {
        throw new Unauthenticated(`The token is not valid: ${(err as Error).message}`);
      }
      const claims = ClaimsSchema.safeParse(payload);
      if (!claims.success) throw new Unauthenticated('The token does not name an actor (sub, name, role, org, authority).');
      const c = claims.data;
      return { actor: { id: c.sub, name: c.name, role: c.role, organisation: c.org }, authority: c.authority };
    },
  };
}

/** Signs a token (HS256) for an actor: development and tests; production tokens come from the identity provider. */
export function signToken(secret: string, p: Principal, expiresIn = '8h'): Promise<string> {
  return new SignJWT({ name: p.actor.name, role: p.actor.role, org: p.actor.organisation, authority: p.authority })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(p.actor.id)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/** On embedded defaults: a random secret kept in the data folder, made on first use. */
export function devSecret(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}
