// A group's parameters as a reader says them ("100/s to 1000 clients, 128 B"), plus a numeric
// sort key so rows come in a natural order. Shared by the verdict table and compare's table.
import type { GroupSummary, IdleParams, PathParams, PushParams, ReconnectParams, ScenarioKind, SideloadParams } from '../harness/result.ts';

export function describeParams(kind: ScenarioKind, params: GroupSummary['params']): { text: string; order: number[] } {
  switch (kind) {
    case 'idle': {
      const p = params as IdleParams;
      return { text: `${p.clients} clients`, order: [p.clients] };
    }
    case 'push': {
      const p = params as PushParams;
      return { text: `${p.rate}/s to ${p.clients} clients, ${p.bytes} B${p.coalesce ? ', coalesced' : ''}`, order: [p.clients, p.bytes, p.coalesce ? 1 : 0, p.rate] };
    }
    case 'reconnect': {
      const p = params as ReconnectParams;
      const mode = p.mode === 'partial' ? `partial (${Math.round(p.fraction * 100)} % dropped)` : p.mode === 'restart' ? `restart (${p.downtimeMs} ms down)` : 'drop';
      return { text: `${mode}, ${p.clients} clients${p.backoff ? ', backoff' : ''}`, order: [['drop', 'partial', 'restart'].indexOf(p.mode), p.clients, p.fraction, p.downtimeMs] };
    }
    case 'path': {
      const p = params as PathParams;
      return { text: `via ${p.path}, ${p.rate}/s to ${p.clients} clients, ${p.bytes} B`, order: [p.clients, p.rate, p.bytes] };
    }
    case 'sideload': {
      const p = params as SideloadParams;
      return { text: `${p.clients} streams${p.pushRate > 0 ? ` at ${p.pushRate}/s` : ' idle'}`, order: [p.clients, p.pushRate] };
    }
  }
}

/** Compares two sort keys element by element. */
export function compareOrder(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
