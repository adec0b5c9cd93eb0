// Samples a process TREE from /proc at a fixed interval: VmRSS and VmHWM from /proc/<pid>/status,
// threads and CPU ticks from /proc/<pid>/stat, summed over the root and every descendant, so a
// server that forks workers (gunicorn, a shell wrapper) is measured whole.
//
// Descendants are found by scanning /proc/*/stat for parent pids: /proc/<pid>/task/*/children
// needs CONFIG_PROC_CHILDREN, which these kernels do not have.
//
// CPU has two sources. /proc/<pid>/stat counts in 10 ms ticks: a 1.5 s push window of a server at
// 20 % of a core is ~30 ticks, and each of utime and stime is truncated at both ends, a few per
// cent of noise from the unit alone. /proc/<pid>/task/<tid>/schedstat gives each thread's run time
// in nanoseconds; its sum over the tree's threads is exact, but only while the same threads live
// (an exited thread's time leaves the sum). So a span between two readings of the same threads
// uses nanoseconds, any other span the ticks, which stay continuous as processes come and go.
import { readdirSync, readFileSync } from 'node:fs';
import { median } from '../../result/aggregate.ts';
import type { ProcessSample } from '../../result/result.ts';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (`getconf CLK_TCK`, 100 on Linux). */
const CLK_TCK = 100;

/** One reading of a whole tree at one moment. */
export interface TreeReading {
  /** Wall clock (Date.now()), the clock callers frame windows in. */
  tMs: number;
  /** Monotonic clock (performance.now()), used for CPU spans so a clock step cannot skew them. */
  monoMs: number;
  /** Processes in the tree (0: the root is gone). */
  processes: number;
  rssBytes: number;
  /** Sum of each process's own peak RSS: an upper bound of the tree's peak (peaks need not coincide). */
  hwmBytes: number;
  threads: number;
  /**
   * utime + stime + cutime + cstime over the tree, in ticks. The children's terms keep the sum
   * continuous when a descendant exits: its ticks move into its parent's cutime/cstime once it is
   * reaped, instead of vanishing. (A descendant re-parented outside the tree is lost.)
   */
  cpuTicks: number;
  /**
   * Run time of every thread in the tree, ns (schedstat); null when a thread could not be read or a
   * process has more than MAX_THREADS_FOR_NS threads (a thread-per-connection server: thousands of
   * reads a second would load the harness). Compare only readings with the same `tasks`.
   */
  cpuNs: number | null;
  /** The tree's thread ids, joined: two readings with equal `tasks` summed the same threads. */
  tasks: string;
}

/** Above this many threads in one process, CPU comes from ticks only (see cpuNs). */
const MAX_THREADS_FOR_NS = 64;

interface Stat {
  ppid: number;
  ticks: number;
  threads: number;
}

/**
 * Parses /proc/<pid>/stat. `comm` (field 2) may hold spaces and parentheses, so fields are
 * counted from after the LAST ')'. Exported for its test.
 */
export function parseStat(text: string): Stat | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // After ") ": field 3 (state) is index 0, so field k is index k - 3.
  const f = text.slice(close + 2).split(' ');
  const num = (field: number): number => Number(f[field - 3]);
  const stat = { ppid: num(4), ticks: num(14) + num(15) + num(16) + num(17), threads: num(20) };
  return Number.isFinite(stat.ppid) && Number.isFinite(stat.ticks) && Number.isFinite(stat.threads) ? stat : null;
}

function readStat(pid: number): Stat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null; // exited
  }
}

/** VmRSS and VmHWM in bytes; a zombie has neither line and counts 0. Null once the process is gone. */
function readMemory(pid: number): { rss: number; hwm: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Run time of each thread of `pid` (ns, from schedstat); null when unreadable or too many threads. */
function threadRunTimes(pid: number, threads: number): { ns: number; tids: string } | null {
  if (threads > MAX_THREADS_FOR_NS) return null;
  try {
    const tids = readdirSync(`/proc/${pid}/task`);
    let ns = 0;
    for (const tid of tids) {
      const run = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ', 1)[0]);
      if (!Number.isFinite(run)) return null;
      ns += run;
    }
    return { ns, tids: tids.join(',') };
  } catch {
    return null; // exited, or a thread exited between the listing and its read
  }
}

/** Every process's stat, by pid, from one scan of /proc. */
function scanProc(): Map<number, Stat> {
  const out = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const st = readStat(pid);
    if (st) out.set(pid, st);
  }
  return out;
}

/** The root and all its descendants that exist now (root first); [] when the root is gone. */
export function processTree(rootPid: number): number[] {
  return treeOf(rootPid, scanProc());
}

function treeOf(rootPid: number, stats: Map<number, Stat>): number[] {
  if (!stats.has(rootPid)) return [];
  const children = new Map<number, number[]>();
  for (const [pid, st] of stats) {
    const list = children.get(st.ppid);
    if (list) list.push(pid);
    else children.set(st.ppid, [pid]);
  }
  const out = [rootPid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/** One reading of the tree rooted at `rootPid`. A process that exits while it reads counts its CPU ticks, not its memory. */
export function readTree(rootPid: number): TreeReading {
  const stats = scanProc();
  const reading: TreeReading = { tMs: Date.now(), monoMs: performance.now(), processes: 0, rssBytes: 0, hwmBytes: 0, threads: 0, cpuTicks: 0, cpuNs: 0, tasks: '' };
  const tasks: string[] = [];
  let ns: number | null = 0;
  for (const pid of treeOf(rootPid, stats)) {
    const st = stats.get(pid)!;
    // Its ticks count even when it exits before its memory is read: its parent's stat came
    // earlier in the same scan (/proc lists pids in ascending order), before the reap moved
    // these ticks into the parent's cutime.
    reading.cpuTicks += st.ticks;
    const mem = readMemory(pid);
    if (!mem) continue; // exited between the scan and this read
    reading.processes++;
    reading.rssBytes += mem.rss;
    reading.hwmBytes += mem.hwm;
    reading.threads += st.threads;
    const run = ns === null ? null : threadRunTimes(pid, st.threads);
    if (run && ns !== null) {
      ns += run.ns;
      tasks.push(`${pid}:${run.tids}`);
    } else ns = null;
  }
  reading.cpuNs = ns;
  reading.tasks = tasks.join(' ');
  return reading;
}

/**
 * Samples one process tree every `intervalMs` while started, and answers for any time window in
 * the past. RSS for a window is the MEDIAN of its readings: robust to a GC or allocation spike at
 * one instant, and what "the memory it holds during the hold" means. HWM and threads are the
 * maximum. CPU is the tick delta between the readings that bracket the window, in % of one core
 * (200 % = two cores busy); at 100 ticks/s a 5 s window resolves 0.2 %.
 */
export class ProcessTreeSampler {
  private readonly readings: TreeReading[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly rootPid: number,
    readonly intervalMs = 200,
  ) {}

  start(): void {
    if (this.timer) return;
    this.take();
    this.timer = setInterval(() => this.take(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Readings taken so far (oldest first, at most one hour's worth). */
  get history(): readonly TreeReading[] {
    return this.readings;
  }

  /**
   * The tree now: memory from a reading taken now, CPU over up to the last second of readings
   * (0 % when there is no earlier reading: start() the sampler at least one interval before).
   */
  snapshot(): ProcessSample {
    const now = this.take();
    if (now.processes === 0) throw new Error(`process ${this.rootPid} is gone`);
    const alive = this.readings.filter((r) => r.processes > 0);
    const from = [...alive].reverse().find((r) => r.monoMs <= now.monoMs - 1000) ?? alive[0] ?? now;
    return { rssBytes: now.rssBytes, hwmBytes: now.hwmBytes, threads: now.threads, cpuPercent: cpuPercent(from, now) };
  }

  /**
   * The window [fromMs, toMs] in Date.now() time. A window ending now (within one interval) gets a
   * fresh reading while the sampler runs, so a window shorter than the interval still has two.
   * Memory comes from the readings inside the window (or, when none falls inside, the two that
   * bracket it). Throws when no reading of the living tree brackets or falls in the window.
   */
  window(fromMs: number, toMs: number): ProcessSample {
    const fresh = this.timer && Date.now() - toMs < this.intervalMs ? this.take() : null;
    const alive = this.readings.filter((r) => r.processes > 0);
    const start = [...alive].reverse().find((r) => r.tMs <= fromMs) ?? alive.find((r) => r.tMs >= fromMs);
    const end = alive.find((r) => r.tMs >= toMs) ?? alive[alive.length - 1];
    if (!start || !end) throw new Error(`no readings of process ${this.rootPid} for the window`);
    const inside = alive.filter((r) => (r.tMs >= fromMs && r.tMs <= toMs) || r === fresh);
    const mem = inside.length > 0 ? inside : [start, end];
    return {
      rssBytes: median(mem.map((r) => r.rssBytes)),
      hwmBytes: Math.max(...mem.map((r) => r.hwmBytes)),
      threads: Math.max(...mem.map((r) => r.threads)),
      cpuPercent: cpuPercent(start, end),
    };
  }

  private take(): TreeReading {
    let r: TreeReading;
    try {
      r = readTree(this.rootPid);
    } catch {
      // /proc unreadable for a moment: record nothing rather than crash the run from a timer.
      r = { tMs: Date.now(), monoMs: performance.now(), processes: 0, rssBytes: 0, hwmBytes: 0, threads: 0, cpuTicks: 0, cpuNs: null, tasks: '' };
    }
    // A descendant reaped between the scan's read of its parent and of itself is in neither
    // (one scan cannot read the tree atomically), so one reading can fall short by its ticks. The
    // tree's CPU never goes back: hold the previous total until the next reading catches up.
    const prev = this.readings.at(-1);
    if (prev && prev.processes > 0 && r.processes > 0 && r.cpuTicks < prev.cpuTicks) r.cpuTicks = prev.cpuTicks;
    // The same threads as last time: keep one copy of their list (an hour of readings holds it).
    if (prev && prev.tasks === r.tasks) r.tasks = prev.tasks;
    this.readings.push(r);
    // Bounded: one hour at 5 readings a second.
    if (this.readings.length > 18_000) this.readings.splice(0, this.readings.length - 18_000);
    return r;
  }
}

/**
 * CPU between two readings, % of one core; 0 for an empty span. Never negative (see cpuTicks).
 * In nanoseconds when both readings summed the same threads, else in ticks (see the file's top).
 */
export function cpuPercent(from: TreeReading, to: TreeReading): number {
  const spanS = (to.monoMs - from.monoMs) / 1000;
  if (spanS <= 0) return 0;
  const cpuS = from.cpuNs !== null && to.cpuNs !== null && from.tasks === to.tasks && from.tasks !== '' ? (to.cpuNs - from.cpuNs) / 1e9 : (to.cpuTicks - from.cpuTicks) / CLK_TCK;
  return Math.max(0, cpuS / spanS) * 100;
}
