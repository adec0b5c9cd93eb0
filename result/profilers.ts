// The clinic.js profilers `pushbench run --profile` offers (apart from extras.ts: no zod, so the
// profiled server's launcher, harness/profiling/clinic-collect.ts, loads none). bubbleprof is left
// out on purpose: it hung for more than 5 minutes here and left trace files that broke the next doctor run.
export const PROFILERS = ['flame', 'doctor', 'heapprofiler'] as const;
export type Profiler = (typeof PROFILERS)[number];
