import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { fixtureResult } from '../reports/fixtures/fixture.ts';
import { checkResult } from './read.ts';

const baseline = JSON.parse(readFileSync(fileURLToPath(new URL('../bench/baseline.json', import.meta.url)), 'utf8')) as unknown;
const FIXTURE = JSON.stringify(fixtureResult());
const fixture = (): Record<string, unknown> => JSON.parse(FIXTURE) as Record<string, unknown>;

function problem(value: unknown): string {
  const r = checkResult(value);
  assert.equal(r.ok, false, 'refused');
  return r.ok ? '' : r.problem;
}

/** Every [path, value] leaf of a JSON value, outside `plan` (kept as run, checked only where read). */
function leaves(v: unknown, path: (string | number)[] = []): [(string | number)[], unknown][] {
  if (path.length === 1 && path[0] === 'plan') return [];
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, Array.isArray(v) ? Number(k) : k]));
  return [[path, v]];
}

function setAt(root: unknown, path: (string | number)[], value: unknown): void {
  let o = root as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) o = o[p] as Record<string | number, unknown>;
  o[path[path.length - 1]!] = value;
}

function pathText(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

describe('result files are checked field by field', () => {
  it('reads the committed baseline and the report fixture', () => {
    assert.equal(checkResult(baseline).ok, true, JSON.stringify(checkResult(baseline)));
    assert.equal(checkResult(fixture()).ok, true, JSON.stringify(checkResult(fixture())));
  });

  it('names the field of markup where a state or a repetition belongs', () => {
    const attack = '"><img src=x onerror=alert(1)>';
    const a = fixture();
    setAt(a, ['steps', 0, 'outcome', 'state'], attack);
    assert.equal(problem(a), `steps[0].outcome.state: expected "completed" or "invalid" or "failed", got the string ${JSON.stringify(attack)}`);
    const b = fixture();
    setAt(b, ['steps', 2, 'repetition'], attack);
    assert.equal(problem(b), `steps[2].repetition: expected number, got the string ${JSON.stringify(attack)}`);
    const c = fixture();
    setAt(c, ['steps', 1, 'kind'], 'script');
    assert.equal(problem(c), 'steps[1].kind: expected "idle" or "push" or "reconnect" or "sideload" or "path" or "upstream", got the string "script"');
  });

  it('refuses huge, infinite, null and string figures, and a step without metrics', () => {
    const pushIndex = (fixture()['steps'] as { kind: string; outcome: { state: string } }[]).findIndex((s) => s.kind === 'push' && s.outcome.state === 'completed');
    const at = ['steps', pushIndex, 'outcome', 'metrics', 'latencyFromT0', 'p50'];
    const cases: [unknown, string][] = [
      [1e300, 'number 1e+300 is out of range (a figure must be finite, within ±2^53)'],
      [JSON.parse('1e400'), 'expected number, got Infinity'],
      [null, 'expected number, got null'],
      ['12', 'expected number, got the string "12"'],
    ];
    for (const [value, why] of cases) {
      const r = fixture();
      setAt(r, at, value);
      assert.equal(problem(r), `${pathText(at)}: ${why}`);
    }
    const noMetrics = fixture();
    delete (noMetrics['steps'] as { outcome: Record<string, unknown> }[])[pushIndex]!.outcome['metrics'];
    assert.equal(problem(noMetrics), `steps[${pushIndex}].outcome.metrics: missing (expected object)`);
    const nullMedian = fixture();
    const g = (nullMedian['groups'] as { metrics: Record<string, { median: unknown }> }[])[0]!;
    const name = Object.keys(g.metrics)[0]!;
    g.metrics[name]!.median = null;
    assert.equal(problem(nullMedian), `groups[0].metrics.${name}.median: expected number, got null`);
  });

  it('checks every leaf: any number made infinite and any string made a number is refused at its path', () => {
    const all = leaves(fixture());
    assert.ok(all.length > 500, `the fixture has ${all.length} leaves`);
    let numbers = 0;
    let strings = 0;
    for (const [path, value] of all) {
      if (typeof value === 'number') {
        numbers++;
        const r = fixture();
        setAt(r, path, Number.POSITIVE_INFINITY);
        assert.match(problem(r), new RegExp(`^${pathText(path).replace(/[.[\]]/g, '\\$&')}: `), pathText(path));
      } else if (typeof value === 'string' && path[0] !== 'schema') {
        strings++;
        const r = fixture();
        setAt(r, path, 42);
        assert.match(problem(r), new RegExp(`^${pathText(path).replace(/[.[\]]/g, '\\$&')}: expected `), pathText(path));
      }
    }
    assert.ok(numbers > 300 && strings > 50, `${numbers} numbers, ${strings} strings`);
  });

  it('checks the extras the report renders, and the plan fields it reads', () => {
    const r = fixture();
    r['extras'] = { profiles: { profiler: 'flame', folder: 'profiles', records: [{ server: 's', profiler: 'flame', html: 7, startedAt: '', finishedAt: '' }], unprofiled: [] } };
    assert.equal(problem(r), 'extras.profiles.records[0].html: expected string, got number 7');
    const p = fixture();
    p['plan'] = null;
    assert.equal(problem(p), 'plan: expected object, got null');
    const q = fixture();
    q['plan'] = { profile: '<b>' };
    assert.equal(problem(q), 'plan.profile: expected "none" or "flame" or "doctor" or "heapprofiler", got the string "<b>"');
    // Extras nobody renders are kept as they are.
    const u = fixture();
    u['extras'] = { somethingNew: { any: ['shape'] } };
    assert.equal(checkResult(u).ok, true);
  });
});
