/**
 * Loaded into the benchmark's worker process (`node --require ./bench/cpuProbe.cjs --import tsx workers/main.ts`,
 * spawned with an IPC channel): answers each `'usage'` message with the process's own `process.cpuUsage()` (every
 * thread: the workflow threads, the SDK core and the activities), user + system in microseconds, and its peak RSS
 * in KiB: `{ cpuMicros, maxRssKiB }`. Plain CommonJS, so that the workflow threads, which inherit the flags, load it
 * without a TypeScript loader; it does nothing there. The channel does not keep the worker alive.
 */
const { isMainThread } = require('node:worker_threads');

if (isMainThread && process.send) {
  process.on('message', (m) => {
    if (m !== 'usage') return;
    const cpu = process.cpuUsage();
    process.send({ cpuMicros: cpu.user + cpu.system, maxRssKiB: process.resourceUsage().maxRSS });
  });
  if (process.channel) process.channel.unref();
}
