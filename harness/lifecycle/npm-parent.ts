// npm does not pass SIGTERM on. Started as `npx pushbench agent` (or `npm run bench`), the tree is
// npm → sh -c → node (→ tsx's child); SIGTERM to npm (what a supervisor or a pod's stop signals)
// ends npm and its shell, and leaves this process running under init with every child it started
// (measured: the agent kept listening, its parent now pid 1). Node cannot ask the kernel for a
// signal on its parent's death (prctl PR_SET_PDEATHSIG), and npm's own processes are not ours to
// change, so a long-running command started by npm watches that npm process: once it is gone, the
// command ends exactly as on SIGTERM (cleanup.ts ends every child, a run keeps what it measured).
//
// Only npm is watched, not any parent: `nohup node bin/pushbench.js run &` must outlive its shell.
import { readFileSync } from 'node:fs';

/** How often the npm process is looked at: one /proc read. */
const POLL_MS = 500;

interface ProcInfo {
  /** R, S, D, Z (exited, not yet reaped by its parent)... */
  state: string;
  ppid: number;
  /** Start time in clock ticks since boot: a pid reused by another process has another. */
  startTicks: string;
}

function procInfo(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is state (field 3): ppid is field 4, starttime field 22.
    return { state: fields[0] ?? '', ppid: Number(fields[1]), startTicks: fields[19] ?? '' };
  } catch {
    return null;
  }
}

function argv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** npm renames itself ("npm exec pushbench …", "npm run bench"); before that it is node running npm-cli.js. */
export function isNpmCommandLine(args: string[]): boolean {
  const first = args[0] ?? '';
  return /^npm( |$)/.test(first) || /^npx( |$)/.test(first) || args.some((a) => /(^|\/)(npm|npx)-cli\.js$/.test(a));
}

/** The nearest npm process among this process's ancestors, or null. */
export function npmAncestor(): { pid: number; startTicks: string } | null {
  let pid = process.ppid;
  for (let hops = 0; hops < 12 && pid > 1; hops++) {
    const info = procInfo(pid);
    if (info === null) return null;
    if (isNpmCommandLine(argv(pid))) return { pid, startTicks: info.startTicks };
    pid = info.ppid;
  }
  return null;
}

/**
 * When this process was started by npm (npx, npm exec, npm run), ends it as on SIGTERM once that
 * npm process is gone. A no-op elsewhere: not on Linux, or not started by npm.
 */
export function endWithNpm(): void {
  if (process.platform !== 'linux') return;
  // npm sets these in the environment of whatever it runs.
  if (process.env['npm_command'] === undefined && process.env['npm_execpath'] === undefined) return;
  const npm = npmAncestor();
  if (npm === null) return;
  const timer = setInterval(() => {
    const now = procInfo(npm.pid);
    if (now !== null && now.state !== 'Z' && now.startTicks === npm.startTicks) return;
    clearInterval(timer);
    process.stderr.write(`\npushbench: npm (pid ${npm.pid}), which started this command, is gone without passing its signal on: stopping as on SIGTERM\n`);
    process.kill(process.pid, 'SIGTERM');
  }, POLL_MS);
  timer.unref();
}
