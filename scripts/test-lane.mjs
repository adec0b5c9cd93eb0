// One lane of `npm test` in a process of its own: scripts/test.mjs starts it under taskset, so the
// lane's test files, and everything they start, run from their first instruction on the CPU it was
// given (a file pinned after it started had loaded on the busy CPUs: the serial files took 80 s
// instead of 42). Runs the bundled test files it is given one at a time with node's runner and sends
// each event to the parent over IPC (scripts/test-wire.mjs), which reports them with its own.
import { run } from 'node:test';
import { toWire } from './test-wire.mjs';

if (typeof process.send !== 'function') {
  process.stderr.write('scripts/test-lane.mjs: started by scripts/test.mjs only (it reports over IPC)\n');
  process.exit(2);
}
const send = (message) => new Promise((resolve) => process.send(message, resolve));
for await (const event of run({ files: process.argv.slice(2), concurrency: 1 })) await send(toWire(event));
await send('end');
process.exit(0);
