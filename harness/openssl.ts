// openssl, for node-sse-h2's throw-away TLS certificate (browsers speak HTTP/2 only over TLS, so the
// browser scenario runs that server with PUSHBENCH_TLS=1 and PUSHBENCH_OPENSSL, the tool found here).
// The one probe the scenario and the tests ask.
import { withHidden } from './optional-parts.ts';
import { locateSystemTool } from './system-tool.ts';

export const OPENSSL_MISSING = "openssl is not installed (node-sse-h2's TLS mode makes its throw-away certificate with it): run npm run setup:system (as root)";

/** Null when a certificate can be made here, else why not (missing, or hidden by PUSHBENCH_WITHOUT). */
export function opensslUnavailableReason(): string | null {
  return withHidden('openssl', locateSystemTool('openssl') === null ? OPENSSL_MISSING : null);
}
