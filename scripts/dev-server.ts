/**
 * `npm run dev-server`: the Temporal dev server (with Web UI) and NATS on embedded defaults, until Ctrl-C.
 * Run workers (`npm run worker`) and clients against them.
 */
import { loadConfig } from '../infra/config';
import { startLocalStack, untilInterrupted } from '../infra/stack';

async function main() {
  const stack = await startLocalStack(loadConfig(), (line) => console.log(line));
  console.log(`Web UI: ${stack.uiUrl}\nPress Ctrl-C to stop.`);
  await untilInterrupted();
  await stack.stop();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
