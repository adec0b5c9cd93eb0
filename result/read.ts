// Reading a results.json: a result file is untrusted input (reports are published and shared, and
// anyone can edit one), so every field is checked against the schema before anything renders or
// compares it, and the first wrong field is named in one line.
import type { z } from 'zod';
import { runResultSchema, type RunResult } from './result.ts';

/**
 * Checks `value` against the result schema: the result, or the first wrong field as one line
 * (`steps[1].outcome.state: expected one of "completed"|"invalid"|"failed"`).
 */
export function checkResult(value: unknown): { ok: true; result: RunResult } | { ok: false; problem: string } {
  const parsed = runResultSchema.safeParse(value);
  // The value itself (not the parsed copy, which drops keys the schema does not name): it passed.
  if (parsed.success) return { ok: true, result: value as RunResult };
  return { ok: false, problem: describeIssue(parsed.error.issues[0], value) };
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue | undefined, value: unknown): string {
  if (issue === undefined) return 'does not match the result schema';
  // A union whose every branch failed: report the deepest branch issue (the one that matched furthest).
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const deepest = issue.errors
      .map((branch) => branch[0])
      .filter((i): i is Issue => i !== undefined)
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (deepest) return describeIssue({ ...deepest, path: [...issue.path, ...deepest.path] }, value);
  }
  const where = fieldPath(issue.path);
  return `${where === '' ? 'the top level' : where}: ${issueText(issue, valueAt(value, issue.path))}`;
}

function issueText(issue: Issue, found: unknown): string {
  const got = describeValue(found);
  switch (issue.code) {
    case 'invalid_type':
      return found === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${got}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${got}`;
    case 'too_big':
    case 'too_small':
      return `${got} is out of range (a figure must be finite${issue.code === 'too_small' && issue.minimum === 0 ? ' and not negative' : ''}, within ±2^53)`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (Array.isArray(options)) return `expected ${options.map((v) => JSON.stringify(v)).join(' or ')}, got ${got}`;
      return `expected one of the known shapes, got ${got}`;
    }
    default:
      return `${issue.message}, got ${got}`;
  }
}

/** A short, inert description of a bad value: its type, and for short scalars the value itself. */
function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v.length <= 40 ? `the string ${JSON.stringify(v)}` : `a string of ${v.length} characters`;
  if (typeof v === 'number' && !Number.isInteger(v) && !Number.isFinite(v)) return String(v);
  return `${typeof v} ${String(v)}`;
}

function fieldPath(path: PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}
