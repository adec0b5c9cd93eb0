// The embedded suites: what `npm run bench` runs with no config at all, in three sizes:
// quick (CI, ≤ 60 s), default (a laptop, ≤ 3 min), full (the big numbers, tens of minutes).
import type { ScenarioInput } from './schema.ts';

/** Scenarios not in any suite, used when asked for by --scenario. */
export const EXTRA_SCENARIOS: ScenarioInput[] = [
  // Three repetitions: one step's req/s moved by ±15 % between identical runs here, more than the
  // streams' own effect (5,000 idle streams cost node-sse about 16 % over three repetitions).
  { kind: 'sideload', servers: ['node-sse', 'node-ws', 'express-sse', 'express-ws'], clients: [1000], repetitions: 3 },
  { kind: 'path', servers: ['node-sse', 'node-ws', 'express-sse', 'express-ws'] },
  // Needs Debian's chromium (npm run setup:system); without it the run records a skip reason.
  { kind: 'browser', servers: ['node-sse', 'node-ws', 'express-sse', 'express-ws'] },
];

export type Suite = 'quick' | 'default' | 'full';
export const SUITES: readonly Suite[] = ['quick', 'default', 'full'];

const NODE_PAIRS = ['node-sse', 'node-ws', 'express-sse', 'express-ws'];
/** The other frameworks Node users deploy push on (full suite only: they double the Node steps). */
const FRAMEWORK_PAIRS = ['fastify-sse', 'fastify-ws', 'hono-sse', 'hono-ws'];
/** HTTP/2 SSE beside HTTP/1.1 SSE: many streams share one TCP connection. */
const H2 = 'node-sse-h2';
const FLOOR = 'tcp-floor';

export function defaultSuite(suite: Suite): ScenarioInput[] {
  switch (suite) {
    case 'quick':
      return [
        { kind: 'idle', servers: ['node-sse', 'node-ws', FLOOR], clients: [1000], holdMs: 1000, settleMs: 500 },
        { kind: 'push', servers: ['node-sse', 'node-ws', FLOOR], clients: [200], rates: [100], bytes: [128], durationMs: 2000, warmupMs: 300 },
        { kind: 'reconnect', servers: ['node-sse', 'node-ws'], clients: [200], modes: ['drop'], beforeMs: 500, afterMs: 1500 },
      ];
    case 'default':
      return [
        { kind: 'idle', servers: [...NODE_PAIRS, H2, FLOOR], clients: [1000, 5000] },
        // 50/s x 1000 clients = 50k deliveries/s: clear of the ~100k/s where one client worker nears a core here.
        { kind: 'push', servers: [...NODE_PAIRS, H2, FLOOR], clients: [1000], rates: [10, 50], bytes: [128], durationMs: 3000 },
        { kind: 'reconnect', servers: ['node-sse', 'node-ws'], clients: [1000], modes: ['drop', 'restart'] },
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
