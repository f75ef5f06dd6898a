/**
 * The page shell: Chinese, one stylesheet served by juece itself (no CDN, no script), a skip link, the signed-in
 * person and their role, print styles.
 */
import type { Child } from 'hono/jsx';
import type { Principal } from '../api/auth';
import { beijingTime as inBeijing } from '../domain/procedure';
import { T } from './text';

/** An instant as Beijing time, e.g. 2026-12-01 09:30. */
export const beijingTime = (iso: string | null | undefined) => (iso ? inBeijing(iso) : '');

/** The end of a period in Beijing time: a period that ends at midnight ends at 24:00 of its last day, as notices say. */
export function closingTime(iso: string): string {
  const t = beijingTime(iso);
  if (!t.endsWith(' 00:00')) return t;
  return `${new Date(Date.parse(iso) + 8 * 3600_000 - 86_400_000).toISOString().slice(0, 10)} 24:00`;
}

export function Page(p: { title: string; who?: Principal; csrf?: string; children: Child }) {
  return (
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.title} · ${T.app}`}</title>
        <link rel="stylesheet" href="/app/static/app.css" />
      </head>
      <body>
        <a class="skip" href="#main">
          {T.skipLink}
        </a>
        <header>
          <a href="/app" class="brand">
            {T.app}
          </a>
          {p.who ? (
            <nav aria-label="主导航">
              <a href="/app">{T.inbox}</a>
              {p.who.actor.role === 'supervisor' ? <a href="/app/dashboard">{T.dashboard}</a> : ''}
              <span class="who">
                {p.who.actor.name}（{p.who.actor.organisation}，{T.roles[p.who.actor.role]}）
              </span>
              <form method="post" action="/app/signout" class="inline">
                <input type="hidden" name="_csrf" value={p.csrf ?? ''} />
                <button type="submit">{T.signOut}</button>
              </form>
            </nav>
          ) : (
            ''
          )}
        </header>
        <main id="main">
          <h1>{p.title}</h1>
          {p.children}
        </main>
      </body>
    </html>
  );
}

export const STYLESHEET = `
:root{--ink:#1a1a1a;--muted:#555;--line:#bbb;--accent:#8b0000;--ok:#0a5c2b;--warn:#8a4b00}
*{box-sizing:border-box}
body{margin:0;font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei",sans-serif;color:var(--ink);line-height:1.6}
header{display:flex;flex-wrap:wrap;gap:1em;align-items:center;justify-content:space-between;padding:.5em 1.5em;border-bottom:3px solid var(--accent)}
.brand{font-weight:bold;font-size:1.2em;color:var(--accent);text-decoration:none}
nav{display:flex;gap:1em;align-items:center}
main{padding:1em 1.5em;max-width:72em}
h1{font-size:1.5em;margin:.3em 0 .6em}
h2{font-size:1.2em;border-bottom:1px solid var(--line);padding-bottom:.2em;margin-top:1.5em}
h3{font-size:1.05em;margin:.2em 0 .5em}
table{border-collapse:collapse;width:100%;font-size:.95em}
th,td{border:1px solid var(--line);padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}
a{color:#0b3d91}
.skip{position:absolute;left:-999px}.skip:focus{left:1em;top:1em;background:#fff;padding:.5em}
.overdue{color:var(--accent);font-weight:bold}
.provisional{color:var(--warn)}
.state-completed{color:var(--ok)}.state-open{font-weight:bold}.state-skipped{color:var(--muted)}
.notice{padding:.6em 1em;border-left:4px solid var(--ok);background:#eef7f0}
.refusal{padding:.6em 1em;border-left:4px solid var(--accent);background:#fbeeee}
details.action{border:1px solid var(--line);padding:.5em 1em;margin:.8em 0;max-width:48em}
details.action summary{cursor:pointer}details.action summary h3{display:inline;margin:0}
details.action[open] summary{margin-bottom:.6em}
form.action{border:1px solid var(--line);padding:1em;margin:1em 0;max-width:48em}
.field{margin:.6em 0}
.field label{display:block;font-weight:bold}
.field input,.field select,.field textarea{width:100%;padding:.35em;font:inherit;border:1px solid #767676}
.field.invalid input,.field.invalid select,.field.invalid textarea{border:2px solid var(--accent)}
.error{color:var(--accent);margin:.2em 0 0}
button{font:inherit;padding:.35em 1.2em;background:var(--accent);color:#fff;border:0;cursor:pointer}
button:focus,a:focus,input:focus,select:focus,textarea:focus{outline:3px solid #ffbf47;outline-offset:1px}
form.inline{display:inline}
form.inline button{background:#444}
.grid{display:flex;flex-wrap:wrap;gap:1em}.grid table{width:auto;min-width:16em}
caption{text-align:left;font-weight:bold;padding:.2em 0}
.timeline td:nth-child(2),.timeline td:nth-child(3),.timeline td:nth-child(4){white-space:nowrap}
.mono{font-family:monospace;word-break:break-all}
.signin-actors button{margin:.25em .5em .25em 0}
@media print{header nav,.skip,form,button,details.action{display:none}main{padding:0;max-width:none}a{color:inherit;text-decoration:none}}
`;
