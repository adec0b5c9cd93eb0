// Fault knobs for calibration (PUSHBENCH_FAULT, off by default): a server with known faults must
// be measured as exactly those faults. Format: comma list of key=value:
//   delay=MS     every event is sent MS later than its schedule (t0 unchanged, t1 when really sent)
//   drop=K       events with seq % K == 0 are not written to affected clients
//   dup=K        events with seq % K == 0 are written twice to affected clients
//   reorder=K    events with seq % K == 0 are held back and written after the next event
//   hold=BYTES   each connection holds BYTES of extra server memory (touched, so it is resident)
//   work=US      the server spends US of CPU per event per affected client (a slow server)
//   clients=M    drop/dup/reorder affect every M-th connection (default 1: all)
//   noresume=1   a reconnecting client's Last-Event-ID / ?lastEventId= is ignored: live events only
//                (the browser scenario's replay check must catch it)
import type { Subscriber } from './core.ts';

export interface FaultConfig {
  delayMs: number;
  drop: number;
  dup: number;
  reorder: number;
  holdBytes: number;
  workUs: number;
  everyClient: number;
  /** 1: subscribe() ignores the client's last event id (no replay from the ring). */
  noResume: number;
}

export const NO_FAULTS: FaultConfig = { delayMs: 0, drop: 0, dup: 0, reorder: 0, holdBytes: 0, workUs: 0, everyClient: 1, noResume: 0 };

const KEYS: Record<string, keyof FaultConfig> = { delay: 'delayMs', drop: 'drop', dup: 'dup', reorder: 'reorder', hold: 'holdBytes', work: 'workUs', clients: 'everyClient', noresume: 'noResume' };

export function parseFaults(raw: string | undefined): FaultConfig {
  const f: FaultConfig = { ...NO_FAULTS };
  if (!raw) return f;
  for (const part of raw.split(',')) {
    const [key, value] = part.split('=');
    const field = KEYS[(key ?? '').trim()];
    const n = Number(value);
    if (!field || !Number.isFinite(n) || n < 0) throw new Error(`PUSHBENCH_FAULT: bad entry "${part}" (keys: ${Object.keys(KEYS).join(', ')})`);
    f[field] = n;
  }
  if (f.everyClient < 1) f.everyClient = 1;
  return f;
}

export function hasPerClientFaults(f: FaultConfig): boolean {
  return f.drop > 0 || f.dup > 0 || f.reorder > 0 || f.holdBytes > 0 || f.workUs > 0;
}

/** Wraps a subscriber with this connection's faults; the core passes each event's seq along. */
export function faultySubscriber(inner: Subscriber, f: FaultConfig, clientIndex: number): Subscriber & { writeEvent(seq: number, bytes: Buffer): void } {
  const affected = clientIndex % f.everyClient === 0;
  // Kept only for its memory; `fill` makes the pages resident so RSS sees them.
  const held = f.holdBytes > 0 ? Buffer.alloc(f.holdBytes, 1) : null;
  let heldBack: Buffer | null = null;
  return {
    ...inner,
    writeEvent(seq: number, bytes: Buffer): void {
      void held;
      if (!affected) return inner.write(bytes);
      if (f.workUs > 0) {
        // performance.now(), not hrtime.bigint(), which allocated a BigInt per turn of the loop:
        // in the gate's calibrations ~3.1 µs of spin per event then cost 5.0–6.1 µs of server
        // CPU per event, now 4.2–4.4 µs. The spin is a size asked for; the calibration reports
        // the change it measured.
        const until = performance.now() + f.workUs / 1000;
        while (performance.now() < until);
      }
      if (f.drop > 0 && seq % f.drop === 0) return;
      if (f.reorder > 0 && seq % f.reorder === 0) {
        heldBack = bytes;
        return;
      }
      if (f.dup > 0 && seq % f.dup === 0) inner.writeMany([bytes, bytes]);
      else inner.write(bytes);
      if (heldBack) {
        inner.write(heldBack);
        heldBack = null;
      }
    },
  };
}
