// The run's order: repetitions interleaved across servers (ABAB, not AABB), and the gate
// calibration's order of clean and faulty runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runOrder } from './gate-calibration.ts';
import { roundsOf } from './run.ts';
import { scenarioSchema, type Scenario } from './schema.ts';

const scenario = (input: object): Scenario => scenarioSchema.parse(input);

function order(runnable: { scenario: Scenario; servers: string[] }[]): string[] {
  return roundsOf(runnable).map((p) => `${p.scenario.kind} ${p.round ? `r${p.round.repetition}/${p.round.of}` : 'all'}: ${p.servers.join(',')}`);
}

describe('roundsOf', () => {
  it('interleaves idle and reconnect repetitions round by round, each round starting one server further', () => {
    const idle = scenario({ kind: 'idle', servers: ['a', 'b', 'f'], clients: [100], repetitions: 3 });
    const reconnect = scenario({ kind: 'reconnect', servers: ['a', 'b'], clients: [100], modes: ['drop'], repetitions: 2 });
    assert.deepEqual(
      order([
        { scenario: idle, servers: ['a', 'b', 'f'] },
        { scenario: reconnect, servers: ['a', 'b'] },
      ]),
      ['idle r1/3: a,b,f', 'reconnect r1/2: a,b', 'idle r2/3: b,f,a', 'reconnect r2/2: b,a', 'idle r3/3: f,a,b'],
    );
  });

  it('runs push (it interleaves its own), single repetitions and other kinds whole in the first round', () => {
    const push = scenario({ kind: 'push', servers: ['a', 'b'], clients: [10], rates: [10], bytes: [64], repetitions: 3 });
    const idle1 = scenario({ kind: 'idle', servers: ['a'], clients: [10] });
    const sideload = scenario({ kind: 'sideload', servers: ['a'], clients: [10], repetitions: 3 });
    const idle2 = scenario({ kind: 'idle', servers: ['a', 'b'], clients: [10], repetitions: 2 });
    assert.deepEqual(
      order([
        { scenario: push, servers: ['a', 'b'] },
        { scenario: idle1, servers: ['a'] },
        { scenario: sideload, servers: ['a'] },
        { scenario: idle2, servers: ['a', 'b'] },
      ]),
      ['push all: a,b', 'idle all: a', 'sideload all: a', 'idle r1/2: a,b', 'idle r2/2: b,a'],
    );
  });
});

describe('runOrder (gate calibration)', () => {
  it('alternates clean and faulty runs, a clean one first', () => {
    assert.deepEqual(runOrder(5, 2, ['memory', 'latency', 'cpu']), ['clean', 'memory', 'latency', 'cpu', 'clean', 'memory', 'latency', 'cpu', 'clean', 'clean', 'clean']);
    assert.deepEqual(runOrder(2, 0, ['memory']), ['clean', 'clean']);
  });
});
