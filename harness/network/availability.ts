// Whether this machine can build the harness's imperfect network: it needs root (network
// namespaces, veth, nft, tc all need CAP_NET_ADMIN) and the iproute2 and nftables tools.
import { withHidden } from '../optional-parts.ts';
import { findSystemTool, locateSystemTool } from '../system-tool.ts';

export type NetTool = 'ip' | 'nft' | 'tc';

/** Absolute path of a tool, or null when it is not installed. */
export function resolveTool(name: NetTool): string | null {
  return findSystemTool(name);
}

/**
 * Null when network conditions can be created here, else one line saying what is missing and the
 * fix (or that PUSHBENCH_WITHOUT hides them: part `netns`).
 */
export function networkUnavailableReason(): string | null {
  return withHidden('netns', reasonAsInstalled());
}

function reasonAsInstalled(): string | null {
  const missing = (['ip', 'nft', 'tc'] as const).filter((t) => locateSystemTool(t) === null);
  const isRoot = process.getuid?.() === 0;
  if (isRoot && missing.length === 0) return null;
  const lacking = [...(isRoot ? [] : ['not running as root']), ...missing.map((t) => `${t} not found`)].join(', ');
  return `network conditions need root and ip/nft/tc (${lacking}): run npm run setup:system as root, then pushbench as root`;
}
