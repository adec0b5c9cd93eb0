// Samples a process tree from /proc at a fixed interval: VmRSS and VmHWM from /proc/<pid>/status,
// threads, and CPU ticks (utime+stime) from /proc/<pid>/stat, summed over the root and every
// descendant (servers that fork workers are measured whole).
import { readdirSync, readFileSync } from 'node:fs';
import type { ProcessSample } from '../result.ts';

const CLK_TCK = 100; // USER_HZ on Linux

interface RawSample {
  tMs: number;
  rssBytes: number;
  hwmBytes: number;
  threads: number;
  cpuTicks: number;
}

/** pid → ppid, utime+stime, threads for every process, from /proc/<pid>/stat. */
function readStat(pid: number): { ppid: number; ticks: number; threads: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), threads: Number(fields[17]) };
  } catch {
    return null;
  }
}

function readStatusKb(pid: number): { rss: number; hwm: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(text);
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(text);
    return { rss: rss ? Number(rss[1]) : 0, hwm: hwm ? Number(hwm[1]) : 0 };
  } catch {
    return null;
  }
}

/** The root and all its descendants that exist now. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (!st) continue;
    const list = children.get(st.ppid);
    if (list) list.push(Number(name));
    else children.set(st.ppid, [Number(name)]);
  }
  const out: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

export function sampleTree(rootPid: number): RawSample {
  let rss = 0;
  let hwm = 0;
  let threads = 0;
  let ticks = 0;
  for (const pid of processTree(rootPid)) {
    const st = readStat(pid);
    const mem = readStatusKb(pid);
    if (!st || !mem) continue; // exited between the scan and the read
    rss += mem.rss * 1024;
    hwm += mem.hwm * 1024;
    threads += st.threads;
    ticks += st.ticks;
  }
  return { tMs: Date.now(), rssBytes: rss, hwmBytes: hwm, threads, cpuTicks: ticks };
}

export class ProcessTreeSampler {
  private readonly samples: RawSample[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly rootPid: number,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.take();
    this.timer = setInterval(() => this.take(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Now, with CPU over the last interval. */
  snapshot(): ProcessSample {
    this.take();
    const n = this.samples.length;
    return toProcessSample(this.samples.slice(Math.max(0, n - 2)));
  }

  /**
   * The window [fromMs, toMs]: median RSS (robust to a GC spike), max HWM and threads, CPU as
   * ticks over the window's span in % of one core. A sample is taken at the end so a short
   * window still has two points.
   */
  window(fromMs: number, toMs: number): ProcessSample {
    if (Date.now() >= toMs) this.take();
    const inside = this.samples.filter((s) => s.tMs >= fromMs && s.tMs <= toMs + this.intervalMs);
    const before = [...this.samples].reverse().find((s) => s.tMs < fromMs);
    const points = before ? [before, ...inside] : inside;
    return toProcessSample(points, inside);
  }

  private take(): void {
    this.samples.push(sampleTree(this.rootPid));
    // Bounded: one hour at 5 samples a second.
    if (this.samples.length > 18_000) this.samples.splice(0, this.samples.length - 18_000);
  }
}

function toProcessSample(cpuPoints: RawSample[], memPoints: RawSample[] = cpuPoints): ProcessSample {
  const mem = memPoints.length > 0 ? memPoints : cpuPoints;
  const rss = mem.map((s) => s.rssBytes).sort((a, b) => a - b);
  const first = cpuPoints[0];
  const last = cpuPoints[cpuPoints.length - 1];
  const spanS = first && last ? (last.tMs - first.tMs) / 1000 : 0;
  const cpuPercent = first && last && spanS > 0 ? ((last.cpuTicks - first.cpuTicks) / CLK_TCK / spanS) * 100 : 0;
  return {
    rssBytes: rss.length > 0 ? rss[Math.floor(rss.length / 2)]! : 0,
    hwmBytes: Math.max(0, ...mem.map((s) => s.hwmBytes)),
    threads: Math.max(0, ...mem.map((s) => s.threads)),
    cpuPercent,
  };
}
