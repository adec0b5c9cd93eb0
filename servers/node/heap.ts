// heapUsed for /healthz. A GC first (only when asked and when started with --expose-gc), so the
// idle scenario compares live heap, not garbage; never on the readiness polls.
export function heapUsedFor(collect: boolean): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (collect && gc) gc();
  return process.memoryUsage().heapUsed;
}
