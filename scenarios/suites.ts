// The embedded suites: what `npm run bench` runs with no config at all, in three sizes:
// quick (the CI gate, ~2 min), default (a laptop, ≤ 3 min), full (the big numbers, tens of minutes).
import type { ScenarioInput } from './schema.ts';

/** Scenarios not in any suite, used when asked for by --scenario. */
export const EXTRA_SCENARIOS: ScenarioInput[] = [
  // Three repetitions: one step's req/s moved by ±15 % between identical runs here, more than the
  // streams' own effect (5,000 idle streams cost node-sse about 16 % over three repetitions).
  { kind: 'sideload', servers: ['node-sse', 'node-ws', 'express-sse', 'express-ws'], clients: [1000], repetitions: 3 },
  { kind: 'path', servers: ['node-sse', 'node-ws', 'express-sse', 'express-ws'] },
  // Needs Debian's chromium (npm run setup:system); without it the run records a skip reason.
  { kind: 'browser', servers: ['node-sse', 'node-ws', 'express-sse', 'express-ws'] },
  // Clients that send: 200 clients × 5 msg/s, echo and rooms of 10 (10,000 deliveries/s), SSE by
  // keep-alive POST and by a POST per message.
  { kind: 'upstream', servers: ['node-sse', 'node-ws'] },
];

export type Suite = 'quick' | 'default' | 'full';
export const SUITES: readonly Suite[] = ['quick', 'default', 'full'];

const NODE_PAIRS = ['node-sse', 'node-ws', 'express-sse', 'express-ws'];
/** The other frameworks Node users deploy push on (full suite only: they double the Node steps). */
const FRAMEWORK_PAIRS = ['fastify-sse', 'fastify-ws', 'hono-sse', 'hono-ws'];
/** HTTP/2 SSE beside HTTP/1.1 SSE: many streams share one TCP connection. */
const H2 = 'node-sse-h2';
const FLOOR = 'tcp-floor';

/**
 * The write-up's own servers (shared/reference/python-sse-patterns.txt), so the default run answers
 * each of its claims (reports/claims.ts). They need optional parts (npm run setup:system): on a
 * machine without them, the run records each server or path as skipped with what to install, and
 * the claims table says so. Each entry names every server it runs (no floor is added to them: the
 * idle one lists tcp-floor itself, the push one compares each server with itself across rates),
 * and they run only with the suite as it is (no --scenario, --servers or --clients: run-options.ts).
 * Measured here (2 cores, load average 14 from other work): 11 steps, all valid, in 31 s.
 */
export const WRITE_UP_SCENARIOS: readonly ScenarioInput[] = [
  // Thousands of idle streams; flask-sse's thread per stream shows in its thread count. Not
  // flask-sse-gunicorn: its 4 threads hold 4 streams, the rest wait out the 30 s connect timeout
  // and /healthz cannot answer, so its step is invalid by design and costs ~45 s.
  { kind: 'idle', servers: ['fastapi-sse', 'aiohttp-sse', 'flask-sse', FLOOR], clients: [2000], holdMs: 1000, settleMs: 500 },
  // Idle vs pushing CPU of the async pair: two rates, 2k and 20k deliveries/s.
  { kind: 'push', servers: ['fastapi-sse', 'aiohttp-sse'], clients: [200], rates: [10, 100], bytes: [128], durationMs: 1000, warmupMs: 300 },
  // The header claim on the write-up's FastAPI pattern. 512 B at 20/s fills nginx's 4 KB proxy
  // buffer in ~0.35 s, so buffering shows as a delay of the first event well past 100 ms within a
  // 1 s schedule; the tail nginx still holds is a finding, so the wait after it is short.
  { kind: 'path', servers: ['fastapi-sse'], paths: ['direct', 'nginx', 'nginx-noheader'], clients: [20], rate: 20, bytes: 512, durationMs: 1000, drainMs: 1000 },
];

export function defaultSuite(suite: Suite): ScenarioInput[] {
  switch (suite) {
    case 'quick':
      // The CI gate's suite (README "The CI gate"): repetitions so `compare` can judge with an
      // interval (at least 3 valid per group), interleaved across servers by the run. Idle at 2,000
      // connections: a process's own megabyte of RSS noise is ~0.5 KB per connection there. Push:
      // 30,000 latency samples per repetition (p99 rests on 300). Reconnect without jitter: with it,
      // the time to reconnect is mostly the random delays. Each addition costs about 5 s per step.
      return [
        { kind: 'idle', servers: ['node-sse', 'node-ws', FLOOR], clients: [2000], holdMs: 1000, settleMs: 500, repetitions: 4 },
        { kind: 'push', servers: ['node-sse', 'node-ws', FLOOR], clients: [200], rates: [100], bytes: [128], durationMs: 1500, warmupMs: 300, repetitions: 5 },
        { kind: 'reconnect', servers: ['node-sse', 'node-ws'], clients: [200], modes: ['drop'], beforeMs: 500, afterMs: 1500, jitter: false, repetitions: 3 },
      ];
    case 'default':
      // The laptop's answer in ≤ 150 s on 2 cores (≤ 180 s with the write-up's servers): holds and
      // windows as short as keep each figure on enough samples. Idle: the GC before the hold leaves
      // only what connections keep, so 1 s holds the memory figure as 2 s did (the quick suite's
      // hold). Push: 2 s at 10/s to 1,000 clients is 20,000 latency samples (p99 rests on 200).
      return [
        { kind: 'idle', servers: [...NODE_PAIRS, H2, FLOOR], clients: [1000, 5000], holdMs: 1000, settleMs: 500 },
        // 50/s x 1000 clients = 50k deliveries/s: clear of the ~100k/s where one client worker nears a core here.
        { kind: 'push', servers: [...NODE_PAIRS, H2, FLOOR], clients: [1000], rates: [10, 50], bytes: [128], durationMs: 2000 },
        { kind: 'reconnect', servers: ['node-sse', 'node-ws'], clients: [1000], modes: ['drop', 'restart'] },
        ...WRITE_UP_SCENARIOS,
      ];
    case 'full':
      return [
        { kind: 'idle', servers: [...NODE_PAIRS, ...FRAMEWORK_PAIRS, H2, FLOOR], clients: [1000, 5000, 10000, 19000], repetitions: 3 },
        {
          kind: 'push',
          servers: [...NODE_PAIRS, ...FRAMEWORK_PAIRS, FLOOR],
          clients: [100, 1000, 10000],
          rates: [10, 100, 1000],
          bytes: [128],
          durationMs: 5000,
          repetitions: 3,
        },
        { kind: 'push', servers: ['node-sse', 'node-ws', FLOOR], clients: [1000], rates: [1000], bytes: [128], findKnee: {} },
        { kind: 'reconnect', servers: ['node-sse', 'node-ws'], clients: [10000], modes: ['drop', 'restart', 'partial'], repetitions: 3 },
      ];
  }
}
