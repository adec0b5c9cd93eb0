// Debian's headless Chromium for the harness: launched with the flags this machine needs (never a
// downloaded browser), one throw-away profile folder per launch, ended on close, on Ctrl-C and on
// SIGTERM (cleanup.ts), and any process that survives a close killed by its pid.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { onShutdown } from '../lifecycle/cleanup.ts';
import { withHidden } from '../optional-parts.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** What Playwright starts: CHROMIUM_PATH with the Omnibox popup WebUI off (see the script for why). */
const LAUNCHER = fileURLToPath(new URL('./chromium-launcher.sh', import.meta.url));
/**
 * Temp profile folders of this process's Chromium (removed after each run). The pid is in the name,
 * so a leak check finds this process's Chromium only, not another run's started meanwhile.
 */
export const PROFILE_PREFIX = `pb-browser-scenario-${process.pid}-`;
export const CHROMIUM_MISSING = 'headless Chromium not installed: run npm run setup:system';

/** Null when Chromium can run here, else why not (missing, or hidden by PUSHBENCH_WITHOUT). */
export function chromiumUnavailableReason(): string | null {
  return withHidden('chromium', existsSync(CHROMIUM_PATH) ? null : CHROMIUM_MISSING);
}
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Session {
  context: BrowserContext;
  userAgent: string;
  clockStepUs: number | null;
  close(): Promise<void>;
}

/** One Chromium per launch (a cold start takes seconds: launch once, open pages as needed). */
export async function launch(tls: boolean): Promise<Session> {
  const unavailable = chromiumUnavailableReason();
  if (unavailable !== null) throw new Error(unavailable);
  // Loaded here, not at the top: playwright-core takes ~1 s to import, and every `pushbench run`
  // loads this module whether or not it runs the browser scenario.
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), PROFILE_PREFIX));
  let context: BrowserContext | null = null;
  let closed = false;
  /** `fast`: on a signal cleanup.ts allows 2 s before it exits; a graceful close can take longer. */
  const close = async (fast = false): Promise<void> => {
    if (closed) return;
    closed = true;
    unregister();
    if (!fast) await context?.close().catch(() => undefined);
    await killLeftovers(profile);
    rmSync(profile, { recursive: true, force: true });
  };
  // Ctrl-C / SIGTERM go through cleanup.ts (which then exits), not through Playwright's own handlers.
  const unregister = onShutdown(() => close(true));
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: LAUNCHER,
      headless: true,
      // The HTTP/2 server's certificate is a throw-away self-signed one.
      args: tls ? [...CHROMIUM_ARGS, '--ignore-certificate-errors'] : CHROMIUM_ARGS,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const userAgent = await page.evaluate(() => navigator.userAgent);
    await page.close();
    return { context, userAgent, clockStepUs: null, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Chromium's processes all carry the profile folder on their command line. After a close they are
 * gone; should one survive (a crashed close), it is ended here, by its pid, and no other process.
 */
async function killLeftovers(profile: string): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const pids = chromiumPids(profile);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // Dead processes write no more into the profile: only then is removing it final.
    await sleep(50);
  }
}

/** Pids whose command line names this profile folder (exported for the test's leak check). */
export function chromiumPids(profile: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(profile)) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
