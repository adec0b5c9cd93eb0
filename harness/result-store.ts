// Result files: every run gets a NEW folder, files are written atomically (temp + fsync + rename),
// so an interrupted or failed run never damages an earlier result.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from './errors.ts';
import { RESULT_SCHEMA, type RunResult } from './result.ts';

export function createRunFolder(resultsRoot: string, label: string): { dir: string; runId: string } {
  mkdirSync(resultsRoot, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
  const runId = `${stamp}-${label}`;
  for (let i = 0; i < 1000; i++) {
    const dir = join(resultsRoot, i === 0 ? runId : `${runId}-${i}`);
    try {
      mkdirSync(dir); // not recursive: fails if it exists, so two runs never share a folder
      return { dir, runId: basename(dir) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new UserError(`could not create a new run folder under ${resultsRoot}`, 1);
}

export function writeTextAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeTextAtomic(path, `${JSON.stringify(value, null, 1)}\n`);
}

export function readResult(path: string): RunResult {
  if (!existsSync(path)) throw new UserError(`${path} does not exist`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UserError(`${path} is not JSON: ${(err as Error).message}`);
  }
  const schema = (value as { schema?: unknown } | null)?.schema;
  if (schema !== RESULT_SCHEMA) throw new UserError(`${path} is not a pushbench result (schema ${JSON.stringify(schema)}, expected ${RESULT_SCHEMA})`);
  return value as RunResult;
}
