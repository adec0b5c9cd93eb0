// `pushbench run --profile <tool>`: Node servers start under a clinic.js profiler. The server's
// launch is wrapped (clinic-collect.ts becomes the process group leader), so every executor starts
// and stops profiled servers exactly as it does plain ones; profiles land in <run>/profiles/.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildServerBundle, bundledServer } from '../servers/bundle.ts';
import { ENV } from '../../servers/contract.ts';
import type { ServerSpec } from '../servers/spec.ts';
import { PROFILE_RECORD_SUFFIX } from './profile-record.ts';
import type { ProfileRecord } from '../../result/extras.ts';
import type { Profiler } from '../../result/profilers.ts';

/**
 * Time stop() grants a profiled server: after the server exits, flame processes the V8 tick log
 * and each tool renders its HTML (3–6 s for a short run here, longer for long ones).
 */
export const PROFILED_STOP_GRACE_MS = 120_000;

/** Null when clinic can profile this server, else the one-line reason. */
export function profilingUnsupportedReason(spec: ServerSpec): string | null {
  return spec.language === 'node' ? null : `profiling supports Node servers only: ${spec.name} runs unprofiled`;
}

/** The spec with its launch wrapped by the collector; profiles go to `profilesDir`. */
export function profiledSpec(spec: ServerSpec, profiler: Profiler, profilesDir: string): ServerSpec {
  mkdirSync(profilesDir, { recursive: true });
  const { command, args, env, prepare } = spec.launch;
  return {
    ...spec,
    launch: {
      ...spec.launch,
      // clinic-collect.ts from the servers' bundle (harness/servers/bundle.ts), which the server runs from too.
      command: process.execPath,
      args: [bundledServer('clinic-collect'), profiler, profilesDir, spec.name, '--', command, ...args],
      prepare: async () => {
        await buildServerBundle();
        await prepare?.();
      },
      env: { ...env, [ENV.profiler]: profiler },
      stopGraceMs: PROFILED_STOP_GRACE_MS,
    },
  };
}


/** The run folder's subfolder the profiles are written to (the report links into it). */
export const PROFILES_FOLDER = 'profiles';

/** Every profile the collectors finished in `profilesDir`, oldest first. */
export function listProfiles(profilesDir: string): ProfileRecord[] {
  let names: string[];
  try {
    names = readdirSync(profilesDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(PROFILE_RECORD_SUFFIX))
    .map((n) => JSON.parse(readFileSync(join(profilesDir, n), 'utf8')) as ProfileRecord)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
