#!/usr/bin/env node
// The juece command: runs the project's TypeScript entry points through tsx.
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const commands = {
  demo: ['scripts/demo.ts', 'start the local servers and a worker, and drive one sample decision through every step (--once: stop afterwards)'],
  'dev-server': ['scripts/dev-server.ts', 'run the Temporal dev server (Web UI) and NATS on embedded defaults until Ctrl-C'],
  worker: ['workers/main.ts', 'run a juece worker against TEMPORAL_ADDRESS and NATS_URL'],
  api: ['api/main.ts', 'serve the HTTP API (JUECE_API_HOST:JUECE_API_PORT, OpenAPI at /openapi.json)'],
  token: ['cli/token.ts', 'development bearer tokens: one per role of the sample decision, or --role R --org O [--authority A] [--json]'],
  commands: ['commands/main.ts', 'answer juece.commands.* over NATS (start, act, comments) and keep the comment store'],
  projector: ['projector/main.ts', 'keep the procedure record (JUECE_DATABASE_URL, or PGlite in the data folder) up to date from NATS'],
  deadline: ['cli/deadline.ts', 'deadline calculator: --from YYYY-MM-DD (--working-days N | --days N | --rule NAME) [--region CODE] [--json]'],
  calendar: ['cli/calendar.ts', 'status: the calendar as loaded; announce: running workflows recompute provisional deadlines'],
  provision: ['scripts/provision.ts', 'build or fetch the Temporal CLI, the time-skipping test server and nats-server, once per machine'],
};

// The decision commands share one commander program (cli/decisions.ts).
const decisionCommands = {
  start: 'start a decision from a proposal file (JSON or YAML): juece start -f proposal.yaml',
  submit: "submit a step's result: juece submit <decisionId> <action> -f result.json",
  status: "a decision's status, open steps and deadline",
  record: "a decision's procedure record, its hash chain verified and its completeness checked; `juece record check [--repair]`: every record against its workflow (operator)",
  list: 'decisions and enforcement cases by --kind, --authority, --step, --status, --overdue',
  assignments: 'what is asked of you: the decisions on which you are an expert asked or the reviewer named, nearest deadline first',
  report: 'the annual compliance figures from the procedure record: juece report --year 2026 [--authority A] [--unit U] [--csv]',
  comments: "a decision's comment groups, largest first: juece comments <decisionId> [--campaigns] [--unanswered] [--answer answers.json]",
  catalog: "the annual catalog of decision matters: juece catalog open|show|act|record <authority> <year> ...",
  watch: "follow a decision's events live from NATS: juece watch <authority> <decisionId>",
  enforcement: 'enforcement decisions for publication: juece enforcement import <file.csv|file.jsonl> [--report R] (resumable)',
  review: 'legal review of a major enforcement decision: juece review start -f case.yaml | submit <caseId> <action> -f x.json | status <caseId>',
};
for (const [name, help] of Object.entries(decisionCommands)) commands[name] = ['cli/decisions.ts', `${help} (over the API: JUECE_API_URL, JUECE_TOKEN; --json)`];

const [command, ...rest] = process.argv.slice(2);
if (!commands[command]) {
  const asked = !command || command === '--help' || command === '-h';
  const out = asked ? console.log : console.error;
  if (!asked) out(`juece: unknown command "${command}"\n`);
  out('Usage: juece <command> [options]\n\nCommands:');
  for (const [name, [, help]] of Object.entries(commands)) out(`  ${name.padEnd(12)} ${help}`);
  process.exit(asked ? 0 : 2);
}

// `juece record check`: the operator's check of every record against its workflow (cli/recordCheck.ts).
if (command === 'record' && rest[0] === 'check') {
  const entry = path.join(root, 'cli/recordCheck.ts');
  process.argv = [process.argv[0], entry, ...rest.slice(1)];
  require('tsx/cjs');
  require(entry);
  return;
}

const entry = path.join(root, commands[command][0]);
process.argv = [process.argv[0], entry, ...rest];
require('tsx/cjs');
if (decisionCommands[command]) require(entry).run([command, ...rest]);
else require(entry);
