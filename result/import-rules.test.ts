// The layering, read from the source files so it stays true: data flows config → plan → harness →
// result → report one way. result/ is types and pure functions that import nothing of the project;
// reports/ read only result files (result/ and themselves); the CLI sits on top of everything; the
// server processes and their contract stand alone. Tests of result/ and reports/ may reach across.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function sources(folder: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, folder)).sort()) {
    const p = join(folder, name);
    if (statSync(join(ROOT, p)).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mts|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

const isTestSupport = (file: string) => file.endsWith('.test.ts') || file.split('/').includes('fixtures');

/** Every relative module a file imports (static, dynamic and re-exports), as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]!);
  return specs.map((s) => relative(ROOT, normalize(join(ROOT, dirname(file), s))));
}

/** "file imports target" for every import of the files under `folder` into the `forbidden` folders. */
function crossings(folder: string, forbidden: string[], { tests }: { tests: boolean }): string[] {
  return sources(folder)
    .filter((f) => tests || !isTestSupport(f))
    .flatMap((f) => importsOf(f).filter((t) => forbidden.some((d) => t.startsWith(`${d}/`))).map((t) => `${f} imports ${t}`));
}

describe('import rules', () => {
  it('result/ imports nothing of the rest of the project', () => {
    assert.deepEqual(crossings('result', ['bin', 'cli', 'harness', 'reports', 'scenarios', 'servers', 'scripts'], { tests: false }), []);
  });

  it('reports/ import only result/ and themselves', () => {
    assert.deepEqual(crossings('reports', ['bin', 'cli', 'harness', 'scenarios', 'servers', 'scripts'], { tests: false }), []);
  });

  it('scenarios/ and harness/ never import cli/, not even in their tests', () => {
    assert.deepEqual([...crossings('scenarios', ['cli'], { tests: true }), ...crossings('harness', ['cli'], { tests: true })], []);
  });

  it('scenarios/ and harness/ never import reports/: the reports sit above them and read only result files', () => {
    assert.deepEqual([...crossings('scenarios', ['reports'], { tests: false }), ...crossings('harness', ['reports'], { tests: false })], []);
  });

  it('servers/ import none of the harness, scenarios, cli or reports, not even in their tests', () => {
    assert.deepEqual(crossings('servers', ['cli', 'harness', 'reports', 'scenarios'], { tests: true }), []);
  });

  it('reports/ cast no extra: result/extras.ts types every one', () => {
    const casts = sources('reports')
      .filter((f) => !isTestSupport(f))
      .flatMap((f) =>
        readFileSync(join(ROOT, f), 'utf8')
          .split('\n')
          .map((line, i) => ({ line, where: `${f}:${i + 1}` }))
          .filter(({ line }) => /\bextras\b[^;]*\bas\s+[A-Z{(]|\bas\s+(?:[A-Za-z]+Extra|[A-Za-z]+Check|PathSkip|ProfileRecord|AgentClock|BrokerRecord)\b/.test(line))
          .map(({ where, line }) => `${where}: ${line.trim()}`),
      );
    assert.deepEqual(casts, []);
  });

  it('the rules see the imports they judge', () => {
    // Guards the reader above: a file known to import across folders is seen doing so.
    assert.ok(importsOf('cli/commands/run.ts').includes('reports/terminal.ts'));
    assert.ok(importsOf('reports/html.ts').includes('result/result.ts'));
  });
});
