// A group's parameters as a reader says them ("100/s to 1000 clients, 128 B"), plus a numeric
// sort key so rows come in a natural order. Shared by the verdict table and compare's table;
// and an idle ramp's limit in words.
import type { GroupSummary, IdleMetrics, IdleParams, PathParams, PushParams, ReconnectParams, ScenarioKind, SideloadParams, UpstreamParams } from '../result/result.ts';

/** How an upstream step's clients sent, in words. */
export const TRANSPORT_TEXT = { socket: 'on the WebSocket', keepalive: 'by POST on a keep-alive connection', 'per-request': 'by POST, a connection per message' } as const;

export function describeParams(kind: ScenarioKind, params: GroupSummary['params']): { text: string; order: number[] } {
  switch (kind) {
    case 'idle': {
      const p = params as IdleParams;
      return { text: `${p.clients} clients`, order: [p.clients] };
    }
    case 'push': {
      const p = params as PushParams;
      return { text: `${p.rate}/s to ${p.clients} clients, ${p.bytes} B${p.payload === 'binary' ? ' binary' : ''}${p.coalesce ? ', coalesced' : ''}`, order: [p.clients, p.payload === 'binary' ? 1 : 0, p.bytes, p.coalesce ? 1 : 0, p.rate] };
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
    case 'upstream': {
      const p = params as UpstreamParams;
      // The transport is not in the text: the verdict compares each SSE transport with WS under one text.
      return { text: `${p.mode === 'room' ? `room of ${p.roomSize}` : 'echo'}, ${p.rate} msg/s from each of ${p.clients} clients, ${p.bytes} B`, order: [p.mode === 'echo' ? 0 : 1, p.clients, p.bytes, p.rate] };
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

/** What held an idle step's connect ramp back, in words (report.html and the terminal print this). */
export function rampLimitText(limitedBy: IdleMetrics['ramp']['limitedBy']): string {
  return limitedBy === 'accept-queue' ? "the server's accept queue overflowed (listen backlog; the contract asks for 4096)" : `limited by ${limitedBy}`;
}
