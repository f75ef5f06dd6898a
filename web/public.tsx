/**
 * The public's pages (公众参与, arts. 14-15), without signing in: an authority's open consultations; one
 * consultation with its notice, its period on the official calendar and a form to comment, taken by the same
 * intake as the API (limits, deduplication: one comment per person and text, the person known by a digest of the
 * name and contact they give), with a clear answer once the period is over.
 */
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { NatsConnection } from 'nats';
import { z } from 'zod';
import { readSubject } from '../client/events';
import type { CommentIntake } from '../commands/commentIntake';
import { NOTICES_STREAM } from '../domain/notices';
import type { Db } from '../store/db';
import { adoptionReportFiledAt, CommentIntakeClosed, commentCounts, consultationOf, openConsultations } from '../store/comments';
import { beijingTime, closingTime, Page } from './layout';
import { csrfOk, csrfToken, pageHeaders } from './session';
import { P } from './text';

const code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/);

export interface PublicDeps {
  db: Db;
  nats: NatsConnection;
  intake: CommentIntake;
}


/** The submitter as the comment store knows them: a digest of the name and contact given (never stored as typed). */
export const submitterOf = (name: string, contact: string) =>
  `web-${createHash('sha256').update(`${name.normalize('NFKC').trim().toLowerCase()}\n${contact.normalize('NFKC').replace(/\s+/g, '').toLowerCase()}`).digest('hex').slice(0, 32)}`;

export function createPublicPages(deps: PublicDeps): Hono {
  const app = new Hono();
  app.use('*', pageHeaders);

  app.get('/consultations/:authority', async (c) => {
    const authority = code.safeParse(c.req.param('authority'));
    if (!authority.success) return c.notFound();
    const list = await openConsultations(deps.db, authority.data);
    return c.html(
      <Page title={P.consultations}>
        {list.length ? (
          <ul>
            {list.map((x) => (
              <li>
                <a href={`/public/consultations/${authority.data}/${encodeURIComponent(x.decisionId)}`}>{x.title}</a>
                {x.closesAt ? `（${P.until}：${closingTime(x.closesAt)}）` : ''}
              </li>
            ))}
          </ul>
        ) : (
          <p>{P.none}</p>
        )}
        <p>{P.basis}</p>
      </Page>,
    );
  });

  async function consultationPage(c: Context, authority: string, id: string, o: { message?: string; alert?: boolean; values?: Record<string, string> } = {}, status = 200) {
    const x = await consultationOf(deps.db, id);
    if (!x || x.authority !== authority) return c.html(<Page title={P.consultations}><p role="alert">{P.notFound}</p></Page>, 404);
    const notices = (await readSubject(deps.nats, NOTICES_STREAM, `juece.notices.${authority}.${id}.>`)) as { kind?: string; title: string; documentNumber: string; body: string; document?: { title: string; text: string } }[];
    const notice = notices.find((n) => n.kind === 'consultation');
    const { received } = await commentCounts(deps.db, id);
    const filedAt = await adoptionReportFiledAt(deps.db, id);
    return c.html(
      <Page title={x.title}>
        {o.message ? (
          <p class={o.alert ? 'refusal' : 'notice'} role={o.alert ? 'alert' : 'status'}>
            {o.message}
          </p>
        ) : (
          ''
        )}
        <p>
          {x.undertakingUnit ?? ''} · {x.closesAt ? `${P.until}：${closingTime(x.closesAt)}` : ''} · {P.counts(received)}
        </p>
        {notice ? (
          <section aria-labelledby="notice">
            <h2 id="notice">{notice.document?.title ?? notice.title}</h2>
            <p>{notice.documentNumber}</p>
            {(notice.document?.text ?? notice.body)
              .split('\n')
              .filter((line, i) => !(i === 0 && line.trim() === (notice.document?.title ?? notice.title)))
              .map((line) => (
                <p>{line}</p>
              ))}
          </section>
        ) : (
          ''
        )}
        {filedAt ? (
          <p>
            <a href={`/public/decisions/${encodeURIComponent(id)}/adoption?format=html`}>{P.adoption}</a>
          </p>
        ) : (
          ''
        )}
        {x.closed ? (
          <p class="refusal">{P.closed}</p>
        ) : (
          <form method="post" action={`/public/consultations/${authority}/${encodeURIComponent(id)}/comments`} class="action" aria-labelledby="comment">
            <h2 id="comment">{P.comment}</h2>
            <input type="hidden" name="_csrf" value={csrfToken(c)} />
            <div class="field">
              <label for="name">{P.name}</label>
              <input id="name" name="name" required maxlength={100} value={o.values?.name ?? ''} />
            </div>
            <div class="field">
              <label for="contact">{P.contact}</label>
              <input id="contact" name="contact" required maxlength={200} value={o.values?.contact ?? ''} />
            </div>
            <div class="field">
              <label for="text">{P.text}</label>
              <textarea id="text" name="text" rows={8} required maxlength={20000}>
                {o.values?.text ?? ''}
              </textarea>
            </div>
            <p>
              <small>{P.privacy}</small>
            </p>
            <button type="submit">{P.send}</button>
          </form>
        )}
        <p>{P.basis}</p>
      </Page>,
      status as 200,
    );
  }

  // Published decisions (公布, art. 32) and enforcement decisions on display (行政执法公示), newest first; a notice taken
  // down is no longer shown.
  app.get('/notices/:authority', async (c) => {
    const authority = code.safeParse(c.req.param('authority'));
    if (!authority.success) return c.notFound();
    type N = { kind?: string; action: string; subjectId: string; title: string; documentNumber: string; body: string; at: string; document?: { title: string; text: string } };
    const all = (await readSubject(deps.nats, NOTICES_STREAM, `juece.notices.${authority.data}.>`)) as N[];
    const latest = new Map<string, N>();
    for (const n of all) if (n.kind === 'decision' || n.kind === 'enforcement' || n.kind === undefined) latest.set(`${n.kind ?? 'enforcement'}/${n.subjectId}`, n);
    const shown = [...latest.values()].filter((n) => n.action === 'publish').sort((a, b) => b.at.localeCompare(a.at));
    return c.html(
      <Page title={P.notices}>
        {shown.length ? (
          shown.map((n, i) => (
            <article aria-labelledby={`n-${i}`}>
              <h2 id={`n-${i}`}>{n.document?.title ?? n.title}</h2>
              <p>
                {P.noticeKinds[n.kind ?? 'enforcement']} · {n.documentNumber} · {P.publishedAt}：{beijingTime(n.at)}
              </p>
              {(n.document?.text ?? n.body)
                .split('\n')
                .filter((line, j) => !(j === 0 && line.trim() === (n.document?.title ?? n.title)))
                .map((line) => (
                  <p>{line}</p>
                ))}
            </article>
          ))
        ) : (
          <p>{P.noNotices}</p>
        )}
        <p>{P.noticesBasis}</p>
      </Page>,
    );
  });

  app.get('/consultations/:authority/:id', (c) => consultationPage(c, c.req.param('authority'), c.req.param('id')));

  app.post('/consultations/:authority/:id/comments', async (c) => {
    const { authority, id } = c.req.param();
    const form = await c.req.parseBody();
    const values = { name: String(form.name ?? ''), contact: String(form.contact ?? ''), text: String(form.text ?? '') };
    if (!csrfOk(c, form._csrf)) return consultationPage(c, authority, id, { message: '页面已过期，请刷新后重试。', alert: true, values }, 403);
    if (!values.name.trim() || !values.contact.trim() || !values.text.trim()) {
      return consultationPage(c, authority, id, { message: '请填写姓名、联系方式和意见内容。', alert: true, values }, 400);
    }
    const x = await consultationOf(deps.db, id);
    if (!x || x.authority !== authority) return consultationPage(c, authority, id);
    try {
      const r = await deps.intake.submit(id, [{ submitter: submitterOf(values.name, values.contact), text: values.text, channel: 'web' }]);
      return consultationPage(c, authority, id, { message: r.accepted ? P.received : P.duplicate });
    } catch (err) {
      if (err instanceof CommentIntakeClosed) return consultationPage(c, authority, id, { message: P.closed, alert: true }, 409);
      if ((err as Error).name === 'InvalidInput') return consultationPage(c, authority, id, { message: (err as Error).message, alert: true, values }, 400);
      throw err;
    }
  });

  return app;
}
