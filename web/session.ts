/**
 * The workspace's session: the same bearer token as the API, kept in an HttpOnly, SameSite=Strict cookie, and a
 * CSRF token (double submit: a second cookie, echoed by every form) so that no other site can post in a person's
 * name. Pages carry a strict content security policy: nothing runs or loads from anywhere but juece itself.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

export const SESSION_COOKIE = 'juece_session';
export const CSRF_COOKIE = 'juece_csrf';

export const CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Security headers for every page. */
export const pageHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.res.headers.has('Content-Security-Policy')) c.header('Content-Security-Policy', CSP);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'same-origin');
  c.header('Cache-Control', 'no-store');
};

const secure = (c: Context) => new URL(c.req.url).protocol === 'https:';

export function startSession(c: Context, token: string): void {
  const opts = { httpOnly: true, sameSite: 'Strict', path: '/', secure: secure(c), maxAge: 8 * 3600 } as const;
  setCookie(c, SESSION_COOKIE, token, opts);
  setCookie(c, CSRF_COOKIE, randomBytes(24).toString('base64url'), opts);
}

export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
  deleteCookie(c, CSRF_COOKIE, { path: '/' });
}

export const sessionToken = (c: Context): string | undefined => getCookie(c, SESSION_COOKIE);

/** The CSRF token the forms of this session carry (a fresh one for a visitor without a session). */
export function csrfToken(c: Context): string {
  const t = getCookie(c, CSRF_COOKIE);
  if (t) return t;
  const fresh = randomBytes(24).toString('base64url');
  setCookie(c, CSRF_COOKIE, fresh, { httpOnly: true, sameSite: 'Strict', path: '/', secure: secure(c) });
  return fresh;
}

/** Whether a posted form carries this session's CSRF token. */
export function csrfOk(c: Context, posted: unknown): boolean {
  const cookie = getCookie(c, CSRF_COOKIE);
  if (!cookie || typeof posted !== 'string' || posted.length !== cookie.length) return false;
  return timingSafeEqual(Buffer.from(cookie), Buffer.from(posted));
}
