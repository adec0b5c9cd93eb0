import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { UserError } from './errors.ts';
import { RESULT_SCHEMA } from '../result/result.ts';
import { createRunFolder, readResult, safeLabel, writeJsonAtomic, writeTextAtomic } from './result-store.ts';

const root = mkdtempSync(join(tmpdir(), 'pb-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

const ENVIRONMENT = { cpuModel: 'cpu', cores: 2, memoryBytes: 1, kernel: 'k', platform: 'linux', node: 'v20', packages: {}, gitSha: null, date: '', openFileCap: 1024, ephemeralPorts: 28000 };
const MINIMAL = { schema: RESULT_SCHEMA, runId: 'r', label: 'l', startedAt: '', finishedAt: '', command: '', environment: ENVIRONMENT, plan: {}, steps: [], groups: [], knees: [], skipped: [], extras: {} };

it('creates a new UTC-stamped folder per run and never reuses one', () => {
  const results = join(root, 'results');
  const at = new Date(Date.UTC(2026, 10, 24, 9, 5, 7, 123));
  const a = createRunFolder(results, 'default', at);
  assert.equal(a.runId, '2026-11-24_09-05-07-default');
  assert.equal(a.dir, join(results, a.runId));
  writeFileSync(join(a.dir, 'results.json'), 'earlier');
  const b = createRunFolder(results, 'default', at);
  const c = createRunFolder(results, 'default', at);
  assert.deepEqual([b.runId, c.runId], ['2026-11-24_09-05-07-default-1', '2026-11-24_09-05-07-default-2']);
  assert.equal(readFileSync(join(a.dir, 'results.json'), 'utf8'), 'earlier', 'the earlier run is untouched');
  assert.deepEqual(readdirSync(results).sort(), [a.runId, b.runId, c.runId]);
});

it('keeps labels to one safe path part', () => {
  assert.equal(safeLabel('bench-quick'), 'bench-quick');
  assert.equal(safeLabel('push idle/../x'), 'push-idle-..-x');
  assert.equal(safeLabel('../../etc'), 'etc');
  assert.equal(safeLabel('///'), 'run');
  const { dir, runId } = createRunFolder(join(root, 'labels'), '../escape', new Date(Date.UTC(2026, 0, 1)));
  assert.equal(runId, '2026-01-01_00-00-00-escape');
  assert.equal(dir, join(root, 'labels', runId));
});

it('writes atomically: whole new content, no temp file left, replaces only the named file', () => {
  const dir = join(root, 'atomic');
  mkdirSync(dir);
  const path = join(dir, 'results.json');
  writeJsonAtomic(path, { a: 1 });
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { a: 1 });
  const big = 'é'.repeat(300_000); // multi-byte, bigger than one write
  writeTextAtomic(path, big);
  assert.equal(readFileSync(path, 'utf8'), big);
  assert.deepEqual(readdirSync(dir), ['results.json']);
  // A write into a folder that does not exist fails and leaves nothing behind.
  assert.throws(() => writeTextAtomic(join(dir, 'missing', 'x.json'), 'x'), { code: 'ENOENT' });
  assert.deepEqual(readdirSync(dir), ['results.json']);
});

it('reads a result back', () => {
  const path = join(root, 'ok.json');
  writeJsonAtomic(path, MINIMAL);
  assert.deepEqual(readResult(path), MINIMAL);
});

it('gives one clear line for anything that is not a result', () => {
  const file = (name: string, text: string): string => {
    const p = join(root, name);
    writeFileSync(p, text);
    return p;
  };
  const cases: [string, string][] = [
    [join(root, 'nope.json'), `${join(root, 'nope.json')} does not exist`],
    [root, `${root} is a folder, not a result file (results.json inside it is)`],
    [file('bad.json', '{"schema": '), `${join(root, 'bad.json')} is not a pushbench result: not JSON (`],
    [file('array.json', '[1,2]'), `${join(root, 'array.json')} is not a pushbench result: not a JSON object`],
    [file('pkg.json', '{"name":"pushbench"}'), `${join(root, 'pkg.json')} is not a pushbench result (schema null, expected "pushbench/result@1")`],
    [file('v2.json', '{"schema":"pushbench/result@2"}'), `${join(root, 'v2.json')} is not a pushbench result (schema "pushbench/result@2", expected "pushbench/result@1")`],
    [file('damaged.json', JSON.stringify({ ...MINIMAL, steps: null })), `${join(root, 'damaged.json')} is a damaged pushbench result: "steps" is not a list`],
    [file('noenv.json', JSON.stringify({ ...MINIMAL, environment: undefined })), `${join(root, 'noenv.json')} is a damaged pushbench result: no "environment"`],
  ];
  for (const [path, message] of cases) {
    assert.throws(
      () => readResult(path),
      (err: unknown) => {
        assert.ok(err instanceof UserError, `${path}: ${String(err)}`);
        assert.ok(err.message.startsWith(message), `${err.message}\n  should start with\n${message}`);
        assert.ok(!err.message.includes('\n'), 'one line');
        return true;
      },
    );
  }
});
