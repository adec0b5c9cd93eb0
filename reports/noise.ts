// What run-to-run noise looks like, per headline metric: the effect sizes and minimums `compare`
// needs to tell a change from noise (measured with `pushbench calibrate --gate`: 5 clean quick-suite
// runs, every pair compared, on the 2-core dev machine shared with other work), and the
// single-repetition noise the verdict table uses to call a difference a tie. Re-measure on yours.

/**
 * Effect sizes: the smallest change `compare` calls a regression, per headline metric, as a
 * fraction (0.25 = 25 % worse); a config file's "thresholds" override them per metric. Each is set
 * above how far the median of the quick suite's repetitions moved between runs of the same commit
 * on the 2-core dev machine while other work shared it (`pushbench calibrate --gate`, README "The
 * CI gate"), so that identical commits pass; the figures the gate's faults move (memory per
 * connection, p50 latency, CPU per event) are what it is tuned to catch. A metric missing here uses
 * DEFAULT_EFFECT.
 */
export const DEFAULT_EFFECT = 0.25;
export const EFFECT_SIZES: Record<string, number> = {
  // Memory per connection moved at most 6 % between identical quick runs (GC before the hold).
  serverBytesPerConnection: 0.25,
  serverHeapBytesPerConnection: 0.1,
  kernelSocketBytesPerConnection: 0.5,
  clientBytesPerConnection: 0.25,
  // The ramp is what a busy machine slows first: connect rate and p99 moved up to 2.6× (3.6×
  // against the floor), idle CPU up to 1.9×.
  connectRatePerSecond: 2,
  connectP99Ms: 3,
  serverCpuHoldPercent: 1.5,
  // Latency on a machine shared at load 5-19: p1 from t0 moved up to 2.3× on its own (1.8×
  // against the floor), p50 up to 2.8× (2.1×), the tails far more: p99 from t1 went from 10 ms to
  // 146 ms between two clean runs (4.2× against the floor).
  p1FromT0Us: 1,
  p50FromT0Us: 1,
  p99FromT0Us: 4,
  p999FromT0Us: 4,
  p99FromT1Us: 4,
  deliveredPerSecond: 0.1,
  // CPU per 1k events: up to 1.39× on its own and 1.22× against the floor between clean runs (one
  // clean run's node-ws was 1.21× in every repetition: the push session keeps one server process
  // for all repetitions, and processes differ). 15 % and 20 % gave false alarms, 25 % none in 30 pairs.
  serverCpuMsPer1kEvents: 0.25,
  // Reconnect without jitter, 200 clients: times moved up to 2.0×, the catch-up 2.8×.
  timeTo99Ms: 3,
  timeTo100Ms: 3,
  reconnectRatePerSecond: 3,
  catchUpMs: 3,
  // Path steps: the time to the first event is what a buffering proxy turns from ms into seconds.
  firstEventP50Ms: 1.5,
  firstEventMaxMs: 1.5,
};

/**
 * The smallest absolute change (in the metric's own unit) that can count at all. Below these,
 * loopback timing noise dominates: latency within 0.2 ms (p99.9: 5 ms), CPU per 1k events within
 * 0.5 ms, connect p99 within 25 ms, reconnect times within 100 ms, and the time to catch up
 * within 250 ms (it was bimodal between identical runs here: about 25 ms or about 145 ms).
 */
export const MIN_CHANGE: Record<string, number> = {
  connectP99Ms: 25,
  serverCpuHoldPercent: 2,
  p1FromT0Us: 200,
  p50FromT0Us: 200,
  p99FromT0Us: 200,
  p999FromT0Us: 5000,
  p99FromT1Us: 200,
  serverCpuMsPer1kEvents: 0.5,
  timeTo99Ms: 100,
  timeTo100Ms: 100,
  catchUpMs: 250,
  firstEventP50Ms: 50,
  firstEventMaxMs: 50,
};

/**
 * Memory per connection is a process's RSS growth divided by its connections, so its noise is a
 * process-level amount spread over N: between identical quick runs here (500 connections, before
 * the GC ahead of the hold) the server's moved by up to 0.65 MB in all and the busy client's by up
 * to 2.5 MB. A change in these figures must exceed this many bytes divided by the connections held.
 */
export const MEMORY_NOISE_BYTES: Record<string, number> = {
  serverBytesPerConnection: 1024 * 1024,
  serverHeapBytesPerConnection: 1024 * 1024,
  kernelSocketBytesPerConnection: 1024 * 1024,
  clientBytesPerConnection: 4 * 1024 * 1024,
};

/**
 * How far one metric moved between single-repetition runs of the same code here (the largest
 * ratio among three quick runs, minus 1). The verdict table calls a single-repetition difference
 * within this band "no clear difference". A metric missing here gets 5 %.
 */
export const SINGLE_RUN_NOISE: Record<string, number> = {
  serverBytesPerConnection: 0.14,
  clientBytesPerConnection: 0.21,
  connectRatePerSecond: 0.17,
  connectP99Ms: 1.42,
  p50FromT0Us: 0.18,
  p99FromT0Us: 0.17,
  p999FromT0Us: 1.47,
  p99FromT1Us: 0.23,
  serverCpuMsPer1kEvents: 0.33,
  timeTo99Ms: 0.24,
  reconnectRatePerSecond: 0.2,
};
