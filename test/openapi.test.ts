/**
 * The API contract: /openapi.json is a valid OpenAPI 3.1 document for two independent validators (the npm package
 * @seriousme/openapi-schema-validator, against the specification's own JSON Schema, and PyPI's openapi-spec-validator,
 * which also resolves every path parameter), and what it promises is what the API does: schemathesis generates
 * requests from the document (valid ones, and invalid ones that must be refused with a 4xx) for every operation and
 * checks each answer: no server error, only documented statuses and content types, every body as its schema says,
 * auth enforced where declared. It runs on the real dev server, NATS and PostgreSQL, with real decisions, a case and a
 * catalog to find (their ids are among the values it tries), once as an undertaking unit (every operation) and once
 * as a supervisor (every read), with a fixed seed.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signToken } from '../api/auth';
import { driveSampleDecision, retroactiveConsultation, sampleActors, sampleEnforcementActor, sampleInput, sampleLegalReviewCase, sampleProposal } from '../client/sample';
import { shanghaiDate } from '../domain/procedure';
import { startApiHarness, TEST_JWT_SECRET, uniqueId, until, type ApiHarness } from './helpers';

const run = promisify(execFile);

let h: ApiHarness;
let doc: Record<string, any>;
const dir = mkdtempSync(path.join(tmpdir(), 'juece-openapi-'));
const docFile = path.join(dir, 'openapi.json');
/** Ids of things that exist, for the fuzzer to try among the values it makes up. */
const known = { ids: [] as string[], authorities: ['shifan-gov'] as string[], years: [] as number[] };

beforeAll(async () => {
  h = await startApiHarness('openapi');
  doc = (await h.call('GET', '/openapi.json')).json;
  writeFileSync(docFile, JSON.stringify(doc));

  // A decision through every step into execution (its record, its notices and its adoption report public)...
  const done = sampleProposal(uniqueId('fz-done'));
  const d = await h.client.startDecision(done);
  await driveSampleDecision(d, { consultation: retroactiveConsultation() });
  // ... one in consultation with comments...
  const open = sampleProposal(uniqueId('fz-open'));
  expect((await h.call('POST', '/decisions', 'undertakingUnit', open)).status).toBe(201);
  const { actor: _a, ...opening } = sampleInput.openConsultation(shanghaiDate(Date.now()));
  expect((await h.call('POST', `/decisions/${open.decisionId}/actions/openConsultation`, 'undertakingUnit', opening)).status).toBe(200);
  await until('the consultation open for comments', 20_000, async () => {
    const comments = [{ submitter: 'c-1', text: '建议保留学生票' }, { submitter: 'c-2', text: '建议保留学生票' }, { submitter: 'c-3', text: '延长末班车' }];
    return (await h.call('POST', `/decisions/${open.decisionId}/comments`, 'undertakingUnit', { comments })).status === 200;
  });
  // ... an enforcement case in legal review, and an authority's catalog.
  const caseId = uniqueId('fz-case');
  h.tokens.enforcementOffice = await signToken(TEST_JWT_SECRET, { actor: sampleEnforcementActor, authority: 'shifan-amr' });
  const { submittedBy: _s, ...kase } = sampleLegalReviewCase(caseId);
  expect((await h.call('POST', '/enforcement-reviews', 'enforcementOffice', kase)).status).toBe(201);
  const authority = uniqueId('fz-gov');
  const year = new Date().getFullYear();
  h.tokens.catalogOffice = await signToken(TEST_JWT_SECRET, { actor: sampleActors.meetingSecretary, authority });
  expect((await h.call('POST', '/catalogs', 'catalogOffice', { authority: { code: authority, name: '示范县人民政府' }, year })).status).toBe(201);
  known.ids.push(done.decisionId, open.decisionId, caseId);
  known.authorities.push(authority, 'shifan-amr');
  known.years.push(year);
  await until('the records of the decisions', 30_000, async () => (await h.call('GET', `/decisions?limit=10`, 'supervisor')).json.total >= 2);
}, 180_000);

afterAll(async () => {
  await h?.stop();
});

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 for two independent validators, every path parameter declared', async () => {
    const r = await new Validator().validate(structuredClone(doc));
    expect(r.errors ?? [], JSON.stringify(r.errors)).toEqual([]);
    expect(r.valid).toBe(true);
    const spec = await run(inject('apiFuzzer').python, ['-m', 'openapi_spec_validator', docFile]);
    expect(spec.stdout).toContain(`${docFile}: OK`);

    // The validator would have refused the document as it was: a path parameter used and not declared.
    const broken = structuredClone(doc);
    delete broken.paths['/notices/{authority}'].get.parameters;
    writeFileSync(path.join(dir, 'broken.json'), JSON.stringify(broken));
    const refused = await run(inject('apiFuzzer').python, ['-m', 'openapi_spec_validator', path.join(dir, 'broken.json')]).catch((e) => e as { stdout: string });
    expect(refused.stdout).toContain("Path parameter 'authority' for 'get' operation in '/notices/{authority}' was not resolved");

    // Every operation: each path parameter declared, an answer documented with its schema for each status.
    for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(item)) {
        const declared = (op.parameters ?? []).filter((x: { in: string }) => x.in === 'path').map((x: { name: string }) => x.name);
        expect(declared.sort(), `${method} ${p}`).toEqual([...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
        for (const [status, answer] of Object.entries(op.responses as Record<string, { content?: Record<string, unknown> }>)) {
          expect(answer.content, `${method} ${p} ${status}`).toBeDefined();
        }
        if (op.security?.length !== 0) expect(op.responses[401], `${method} ${p}`).toBeDefined();
      }
    }
  });

  it('lists page with a total and sort, as documented', async () => {
    const all = await h.call('GET', '/decisions?kind=majorDecision&limit=1000', 'supervisor');
    expect(all.status).toBe(200);
    expect(all.json).toMatchObject({ limit: 1000, offset: 0, sort: 'nextDeadline' });
    expect(all.json.total).toBe(all.json.decisions.length);
    const page = await h.call('GET', '/decisions?kind=majorDecision&limit=1&offset=1&sort=-startedAt', 'supervisor');
    expect(page.json).toMatchObject({ total: all.json.total, limit: 1, offset: 1, sort: '-startedAt' });
    const byStart = [...all.json.decisions].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.decisionId < b.decisionId ? -1 : 1));
    expect(page.json.decisions.map((x: { decisionId: string }) => x.decisionId)).toEqual([byStart[1].decisionId]);
    // Nearest deadline first by default, those holding none last.
    const deadlines = all.json.decisions.map((x: { nextDeadline: string | null }) => x.nextDeadline);
    const held = deadlines.filter((x: string | null) => x !== null);
    expect(deadlines).toEqual([...held.sort(), ...deadlines.filter((x: string | null) => x === null)]);
    expect((await h.call('GET', '/decisions?sort=random', 'supervisor')).status).toBe(400);
    expect((await h.call('GET', '/assignments?sort=title', 'expert')).json).toMatchObject({ sort: 'title', offset: 0 });
    const listed = await h.cli('supervisor', 'list', '--kind', 'majorDecision', '--limit', '1');
    expect(listed.stdout).toContain(`1 of ${all.json.total}`);
  });

  it('is what the API does: schemathesis finds no server error, undocumented status or answer unlike its schema', async () => {
    const config = path.join(dir, 'schemathesis.toml');
    writeFileSync(
      config,
      [
        // Real ids, authorities and years among the values tried (half the time), so that routes answer with what they hold.
        '[dictionaries]',
        `ids = { values = ${JSON.stringify(known.ids)} }`,
        `authorities = { values = ${JSON.stringify(known.authorities)} }`,
        `years = { values = ${JSON.stringify(known.years)} }`,
        '[parameters]',
        '"path.id" = { dictionary = "ids", probability = 0.5 }',
        '"path.authority" = { dictionary = "authorities", probability = 0.5 }',
        '"path.year" = { dictionary = "years", probability = 0.5 }',
      ].join('\n'),
    );
    const st = async (who: string, ...extra: string[]) => {
      const started = Date.now();
      const r = await run(
        inject('apiFuzzer').schemathesis,
        [
          '--config-file', config, '--no-color',
          'run', docFile, '--url', h.api.url,
          '--header', `Authorization: Bearer ${h.tokens[who]}`,
          // Every check: no 5xx, documented statuses, content types and headers, bodies as their schemas, valid data
          // accepted and invalid data refused, auth enforced, 405 with Allow for a method a path does not take.
          '--checks', 'all',
          '--phases', 'examples,coverage,fuzzing',
          // The same cases every run (deterministic generation), one at a time: schemathesis's threads are not safe
          // on this Python (with 4 workers it failed inside its own generator).
          '--max-examples', '4', '--generation-deterministic', '--workers', '1',
          '--request-timeout', '30', '--suppress-health-check', 'all', '--continue-on-failure',
          ...extra,
        ],
        // In the test's own folder: schemathesis keeps its files in the working directory.
        { cwd: dir, maxBuffer: 64 * 2 ** 20, env: { ...process.env, PYTHONIOENCODING: 'utf-8', COLUMNS: '200' } },
      ).catch((e) => e as { code: number; stdout: string; stderr: string });
      const out = `${r.stdout}\n${r.stderr}`;
      writeFileSync(path.join(dir, `schemathesis-${who}.txt`), out);
      return { code: 'code' in r ? r.code : 0, out, seconds: Math.round((Date.now() - started) / 1000) };
    };
    const office = await st('undertakingUnit');
    expect(office.code, office.out.slice(-20_000)).toBe(0);
    const supervisor = await st('supervisor', '--include-method', 'GET');
    expect(supervisor.code, supervisor.out.slice(-20_000)).toBe(0);
    console.log(`schemathesis: ${office.seconds} s as an undertaking unit, ${supervisor.seconds} s as a supervisor (${dir})`);
  }, 400_000);
});
