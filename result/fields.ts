// The field kinds every result schema is built of.
import { z } from 'zod';

// Zod compiles a parser for each object schema (new Function) on its first parse. Here a schema
// parses a handful of values per process (a result file, a config, a reply), so the compiling
// costs more than it saves: parsing without it took 1 s less CPU in result/read.test.ts alone.
// Process-wide, from the first import of the result schemas; the parsing itself is unchanged.
z.config({ jitless: true });

/**
 * Every figure: a finite number within ±2^53. JSON cannot say NaN or Infinity, but 1e400 parses
 * to Infinity, and 1e300 turns into one as soon as a report sums or scales it.
 */
export const figure = z.number().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
export const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const nullableFigure = figure.nullable();
export const text = z.string();
export const figures = z.record(z.string(), figure);

/** The protocols a server speaks (servers/contract.ts has the same list; harness/servers/spec.ts checks they agree at compile time). */
export const PROTOCOLS = ['sse', 'ws', 'tcp', 'sse-h2'] as const;
export const protocol = z.enum(PROTOCOLS);
export type Protocol = z.infer<typeof protocol>;
