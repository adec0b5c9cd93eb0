// Where a system tool (nginx, ip, nft, tc) is installed. npm scripts and sudo often run with a PATH
// without the sbin directories, where Debian puts them: looking there too avoids a false "missing".
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { isHidden, partOfTool } from './optional-parts.ts';

const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/**
 * Absolute path of the tool, or null when it is not installed, or when the optional part it belongs
 * to is hidden by PUSHBENCH_WITHOUT (harness/optional-parts.ts): then nothing can start it.
 */
export function findSystemTool(name: string): string | null {
  const part = partOfTool(name);
  if (part !== null && isHidden(part)) return null;
  return locateSystemTool(name);
}

/** Where the tool is installed, hidden or not: only for saying whether a hidden part is there. */
export function locateSystemTool(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...SBIN_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; next directory
    }
  }
  return null;
}
