/**
 * The API's request metrics: every request counted and timed by method, route template (/decisions/:id, never the
 * id itself) and status. A path no route matches is counted under "unmatched".
 */
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { HttpMetrics } from '../infra/metrics';

export function requestMetrics(m: HttpMetrics): MiddlewareHandler {
  return async (c, next) => {
    const t0 = process.hrtime.bigint();
    try {
      await next();
    } finally {
      // The route that answers: the last handler matched for the method (middleware is registered for ALL).
      const route = matchedRoutes(c).filter((r) => r.method !== 'ALL').at(-1)?.path ?? 'unmatched';
      const labels = { method: c.req.method, route, status: String(c.res.status) };
      m.requests.inc(labels);
      m.duration.observe(labels, Number(process.hrtime.bigint() - t0) / 1e9);
    }
  };
}
