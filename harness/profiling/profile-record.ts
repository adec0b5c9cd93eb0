// The sidecar file the collector (clinic-collect.ts) writes beside each HTML profile, holding its
// ProfileRecord (result/extras.ts).
export const PROFILE_RECORD_SUFFIX = '.profile.json';
