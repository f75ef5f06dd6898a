/**
 * Action forms built from the same zod schema as the API (domain/actions.ts): one field per property of the
 * action's input (its JSON Schema), the request id and CSRF token hidden, errors shown at their field. The posted
 * form is turned back into the input by the same field kinds; the API validates it.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ACTIONS, type ActionName } from '../domain/actions';
import { T } from './text';

type Json = Record<string, any>;
export type FieldKind = 'select' | 'boolean' | 'date' | 'number' | 'text' | 'textarea' | 'lines' | 'json';
export interface Field {
  name: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  options?: string[];
  hint?: string;
}

const HIDDEN = new Set(['requestId', 'actor']);

function kindOf(s: Json): FieldKind {
  if (Array.isArray(s.enum)) return 'select';
  if (s.type === 'boolean') return 'boolean';
  if (s.type === 'integer' || s.type === 'number') return 'number';
  if (s.type === 'string') return s.pattern === '^\\d{4}-\\d{2}-\\d{2}$' ? 'date' : (s.maxLength ?? 0) > 300 ? 'textarea' : 'text';
  if (s.type === 'array' && s.items?.type === 'string') return 'lines';
  return 'json';
}

const cache = new Map<ActionName, Field[]>();

/** The fields of an action's form, in the schema's order. */
export function fieldsOf(action: ActionName): Field[] {
  const known = cache.get(action);
  if (known) return known;
  const js = z.toJSONSchema(ACTIONS[action].schema, { io: 'input', unrepresentable: 'any' }) as Json;
  const required = new Set<string>(js.required ?? []);
  const fields = Object.entries<Json>(js.properties ?? {})
    .filter(([name]) => !HIDDEN.has(name))
    .map(([name, s]) => {
      const kind = kindOf(s);
      return {
        name,
        label: T.fields[name] ?? name,
        kind,
        required: required.has(name),
        ...(kind === 'select' ? { options: s.enum as string[] } : {}),
        ...(kind === 'lines' ? { hint: T.listHint } : kind === 'json' ? { hint: T.jsonHint } : {}),
      };
    });
  cache.set(action, fields);
  return fields;
}

/** The action's input from a posted form: each field by its kind; empty optional fields left out. */
export function inputFrom(action: ActionName, form: Record<string, string | File>): Record<string, unknown> {
  const out: Record<string, unknown> = { requestId: String(form.requestId ?? '') };
  for (const f of fieldsOf(action)) {
    const raw = typeof form[f.name] === 'string' ? (form[f.name] as string) : '';
    // An empty required text goes as '' (the schema says what is missing: "must not be empty"); other empties stay out.
    if (raw.trim() === '' && f.kind !== 'boolean') {
      if (f.required && (f.kind === 'text' || f.kind === 'textarea')) out[f.name] = '';
      continue;
    }
    if (f.kind === 'number') out[f.name] = Number(raw);
    else if (f.kind === 'boolean') out[f.name] = raw === 'true';
    else if (f.kind === 'lines') out[f.name] = raw.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    else if (f.kind === 'json') {
      try {
        out[f.name] = JSON.parse(raw);
      } catch {
        out[f.name] = raw; // the API names the field as not valid
      }
    } else out[f.name] = raw;
  }
  return out;
}

export const newRequestId = () => `web-${randomBytes(12).toString('hex')}`;

/** One action's form: posted to the workspace, which sends it through the API. */
export function ActionForm(p: {
  decisionId: string;
  action: ActionName;
  csrf: string;
  defaults: Record<string, string>;
  values?: Record<string, string>;
  errors?: Record<string, string>;
  /** Unfolded (the page's only action). */
  open?: boolean;
}) {
  const id = (f: Field) => `${p.action}-${f.name}`;
  const value = (f: Field) => p.values?.[f.name] ?? p.defaults[f.name] ?? '';
  // Each form folded under its name (no script needed); the one just sent with errors stays open.
  return (
    <details class="action" open={Boolean(p.errors) || p.open}>
      <summary>
        <h3 id={`${p.action}-title`}>{T.actions[p.action]}</h3>
      </summary>
    <form method="post" action={`/app/decisions/${encodeURIComponent(p.decisionId)}/actions/${p.action}`} aria-labelledby={`${p.action}-title`}>
      <input type="hidden" name="_csrf" value={p.csrf} />
      <input type="hidden" name="requestId" value={p.values?.requestId ?? newRequestId()} />
      {fieldsOf(p.action).map((f) => {
        const err = p.errors?.[f.name];
        const common = { id: id(f), name: f.name, required: f.required && f.kind !== 'boolean', 'aria-invalid': err ? 'true' : undefined, 'aria-describedby': err ? `${id(f)}-error` : undefined };
        return (
          <div class={err ? 'field invalid' : 'field'}>
            <label for={id(f)}>
              {f.label}
              {f.required ? <span aria-hidden="true"> *</span> : ''}
              {f.hint ? <small>（{f.hint}）</small> : ''}
            </label>
            {f.kind === 'select' ? (
              <select {...common}>
                {f.required ? '' : <option value=""></option>}
                {f.options!.map((o) => (
                  <option value={o} selected={value(f) === o}>
                    {T.enumValues[o] ?? o}
                  </option>
                ))}
              </select>
            ) : f.kind === 'boolean' ? (
              <select {...common}>
                <option value="false" selected={value(f) !== 'true'}>
                  {T.no}
                </option>
                <option value="true" selected={value(f) === 'true'}>
                  {T.yes}
                </option>
              </select>
            ) : f.kind === 'textarea' || f.kind === 'lines' || f.kind === 'json' ? (
              <textarea {...common} rows={f.kind === 'textarea' ? 5 : 3}>
                {value(f)}
              </textarea>
            ) : (
              <input {...common} type={f.kind === 'date' ? 'date' : f.kind === 'number' ? 'number' : 'text'} value={value(f)} />
            )}
            {err ? (
              <p class="error" id={`${id(f)}-error`}>
                {err}
              </p>
            ) : (
              ''
            )}
          </div>
        );
      })}
      <button type="submit">{T.submit}</button>
    </form>
    </details>
  );
}
