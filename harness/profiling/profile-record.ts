// What the collector records beside each HTML profile, and what the result file carries.
import type { Profiler } from './profilers.ts';

export interface ProfileRecord {
  server: string;
  profiler: Profiler;
  /** HTML file name, relative to the run's profiles/ folder. */
  html: string;
  startedAt: string;
  finishedAt: string;
}

/** Sidecar file the collector writes beside each HTML profile. */
export const PROFILE_RECORD_SUFFIX = '.profile.json';
