// Result files: every run gets a NEW folder, files are written atomically (temp + fsync + rename),
// so an interrupted or failed run never damages an earlier result.
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { groupSummaries } from '../result/aggregate.ts';
import { captureEnvironment } from './environment.ts';
import { EXIT, UserError } from './errors.ts';
import { RESULT_SCHEMA, type RunResult } from '../result/result.ts';
import { checkResult } from '../result/read.ts';

/** A label as a safe folder-name part: anything but letters, digits, '.', '_' and '-' becomes '-'. */
export function safeLabel(label: string): string {
  const safe = label.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return safe === '' ? 'run' : safe.slice(0, 80);
}

/**
 * Creates `<resultsRoot>/<UTC timestamp>-<label>` (e.g. 2026-11-24_10-08-00-default), or with a
 * `-1`, `-2` … suffix when that exists: mkdir without `recursive` fails on an existing folder, so
 * two runs, even concurrent ones, never share a folder.
 */
export function createRunFolder(resultsRoot: string, label: string, now: Date = new Date()): { dir: string; runId: string } {
  ensureOutDir(resultsRoot);
  const stamp = now.toISOString().slice(0, 19).replace('T', '_').replace(/:/g, '-');
  const base = `${stamp}-${safeLabel(label)}`;
  for (let i = 0; i < 1000; i++) {
    const runId = i === 0 ? base : `${base}-${i}`;
    const dir = join(resultsRoot, runId);
    try {
      mkdirSync(dir);
      return { dir, runId };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new UserError(`could not create a new run folder under ${resultsRoot}: 1000 folders named ${base}[-N] exist`, EXIT.failure);
}

/**
 * Makes sure `dir` (an `--out` folder) is a folder this process can write into, creating it (and
 * its parents) when missing. A file in the way or a folder we may not write is one line, exit 2.
 */
export function ensureOutDir(dir: string, flag = '--out'): void {
  const notDir = (what: string) => new UserError(`${flag} ${dir} is not a directory (${what}): name a folder, or a path that does not exist yet`);
  const notWritable = (code: string) => new UserError(`${flag} ${dir} is not writable (${code}): pick a folder you can write to, or fix its permissions`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'EEXIST') throw notDir('it is a file');
    if (code === 'ENOTDIR') throw notDir('a part of the path is a file');
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw notWritable(code);
    throw new UserError(`${flag} ${dir} cannot be created (${code}): ${(err as Error).message}`);
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw notWritable((err as NodeJS.ErrnoException).code ?? 'error');
  }
}

/**
 * Writes `text` to `path` so that a reader sees either the old file or the whole new one: a temp
 * file in the same folder (same filesystem, so rename is atomic), fsync, rename, fsync the folder.
 */
export function writeTextAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const data = Buffer.from(text, 'utf8');
  try {
    const fd = openSync(tmp, 'wx');
    try {
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* never created, or already renamed */
    }
    throw err;
  }
  syncDir(dirname(path));
}

/** Writes a run's report.html and summary.md into `dir`, each atomically; returns their paths. */
export function writeReportFiles(dir: string, texts: { html: string; summary: string }): { html: string; summary: string } {
  const paths = { html: join(dir, 'report.html'), summary: join(dir, 'summary.md') };
  writeTextAtomic(paths.html, texts.html);
  writeTextAtomic(paths.summary, texts.summary);
  return paths;
}

/** What only the runner of a run knows; writeResult fills in the rest. */
export type RunRecord = Omit<RunResult, 'schema' | 'finishedAt' | 'environment' | 'groups'>;

/**
 * The one way a result is made and written (`run` and `calibrate` alike): the schema, the finish
 * time, this machine's environment and the group statistics added to `record`, and results.json
 * written into the run folder atomically.
 */
export function writeResult(dir: string, r: RunRecord): RunResult {
  const { runId, label, startedAt, command, plan, steps, knees, skipped, extras } = r;
  const result: RunResult = { schema: RESULT_SCHEMA, runId, label, startedAt, finishedAt: new Date().toISOString(), command, environment: captureEnvironment(), plan, steps, groups: groupSummaries(steps), knees, skipped, extras };
  writeJsonAtomic(join(dir, 'results.json'), result);
  return result;
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeTextAtomic(path, `${JSON.stringify(value, null, 1)}\n`);
}

/** Makes the rename itself durable. Best effort: some filesystems refuse fsync on a directory. */
function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* not supported here */
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Reads a result file. Anything that is not one (missing, a folder, not JSON, another schema, any
 * field of the wrong type, a non-finite figure, an unknown state) is one UserError line (exit 2)
 * naming the file and the first wrong field.
 */
export function readResult(path: string): RunResult {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new UserError(`${path} is a folder, not a result file (results.json inside it is)`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${path} does not exist` : `${path} cannot be read: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path} is not a pushbench result: not JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UserError(`${path} is not a pushbench result: not a JSON object`);
  const r = value as Record<string, unknown>;
  if (r['schema'] !== RESULT_SCHEMA) {
    throw new UserError(`${path} is not a pushbench result (schema ${JSON.stringify(r['schema'] ?? null)}, expected ${JSON.stringify(RESULT_SCHEMA)})`);
  }
  for (const key of ['steps', 'groups', 'knees', 'skipped'] as const) {
    if (!Array.isArray(r[key])) throw new UserError(`${path} is a damaged pushbench result: "${key}" is not a list`);
  }
  if (typeof r['environment'] !== 'object' || r['environment'] === null) throw new UserError(`${path} is a damaged pushbench result: no "environment"`);
  // Untrusted from here on: every field is checked before anything renders or compares it.
  const checked = checkResult(value);
  if (!checked.ok) throw new UserError(`${path} is a damaged pushbench result: ${checked.problem}; re-run it, or fix that field`);
  return checked.result;
}
