// Types of bundle-cache.mjs for the TypeScript that uses it (harness/servers/bundle.ts).
import type { BuildOptions, Plugin } from 'esbuild';

export const REPO_ROOT: string;
export const CACHE_DIR: string;
export function sourceHash(folders: string[], opts?: { tests?: boolean; salt?: string }): string;
export const ownImportMetaUrl: Plugin;
export function buildCached(out: string, options: BuildOptions): Promise<void>;
