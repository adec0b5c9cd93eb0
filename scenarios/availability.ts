// Which planned servers and paths can run on this machine, decided before anything starts, from the
// same availability probes `pushbench servers` and the path scenario use (servers/*/registry.ts,
// harness/proxy/nginx.ts via path.ts). Whatever cannot run is recorded as skipped with the probe's
// reason, never dropped in silence: the claims table reads these reasons to say what to install.
import { unavailableReason, type ServerSpec } from '../harness/servers/spec.ts';
import { brokerSkipReason } from '../harness/broker/scenarios.ts';
import { skipReason } from './path.ts';
import type { PathSkip } from '../result/extras.ts';
import type { PathSpec } from './path-spec.ts';
import type { Scenario } from './schema.ts';

export interface Probes {
  /** Why this server cannot run here, or null. */
  server: (spec: ServerSpec) => string | null;
  /** Why this server cannot be measured over this path here, or null. */
  path: (spec: ServerSpec, path: PathSpec) => string | null;
}

/** The probes the product uses; tests pass their own to plan both worlds (parts present / absent). */
export const PRODUCT_PROBES: Probes = { server: unavailableReason, path: skipReason };

export interface Availability {
  runnable: { scenario: Scenario; servers: ServerSpec[] }[];
  /** Server name → the reason it cannot run (first scenario's probe answer). */
  skipped: Map<string, string>;
  /**
   * Paths of servers that cannot run at all, each with its own reason (nginx missing as well as the
   * server): the path scenario's executor records the paths of the servers it runs itself.
   */
  pathSkips: PathSkip[];
}

export function planAvailability(resolved: { scenario: Scenario; specs: ServerSpec[] }[], probes: Probes = PRODUCT_PROBES): Availability {
  const skipped = new Map<string, string>();
  const pathSkips: PathSkip[] = [];
  const runnable = resolved.map(({ scenario, specs }) => ({
    scenario,
    servers: specs.filter((spec) => {
      // A broker target cannot run some scenarios at all (no way to drop its subscribers, ...).
      const reason = probes.server(spec) ?? brokerSkipReason(spec, scenario.kind);
      if (reason === null) return true;
      const earlier = skipped.get(spec.name);
      skipped.set(spec.name, earlier !== undefined && earlier !== reason ? `${earlier}; ${reason}` : reason);
      if (scenario.kind === 'path') {
        for (const path of scenario.paths) {
          const why = probes.path(spec, path);
          if (why !== null) pathSkips.push({ server: spec.name, path: path.label, reason: why });
        }
      }
      return false;
    }),
  }));
  return { runnable, skipped, pathSkips };
}
