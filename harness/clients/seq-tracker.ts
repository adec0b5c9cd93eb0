// Per-connection delivery accounting in a few numbers: the highest seq seen, the missing ranges
// (usually none), and counters. A seq above last+1 opens a missing range; a seq inside a missing
// range fills it (out of order, not a duplicate); any other seq at or below last is a duplicate.
export type SeqVerdict = 'ok' | 'gap' | 'duplicate' | 'out-of-order';

export class SeqTracker {
  lastSeq = 0;
  received = 0;
  duplicates = 0;
  outOfOrder = 0;
  /** Disjoint, ascending [from, to] ranges of seqs skipped and not (yet) filled. */
  private missingRanges: [number, number][] = [];

  /** `startAfter`: the last seq already accounted for (events before it are not expected). */
  constructor(startAfter = 0) {
    this.lastSeq = startAfter;
  }

  record(seq: number): SeqVerdict {
    if (seq === this.lastSeq + 1) {
      this.lastSeq = seq;
      this.received++;
      return 'ok';
    }
    if (seq > this.lastSeq) {
      this.missingRanges.push([this.lastSeq + 1, seq - 1]);
      this.lastSeq = seq;
      this.received++;
      return 'gap';
    }
    for (let i = 0; i < this.missingRanges.length; i++) {
      const r = this.missingRanges[i]!;
      if (seq < r[0] || seq > r[1]) continue;
      if (r[0] === r[1]) this.missingRanges.splice(i, 1);
      else if (seq === r[0]) r[0]++;
      else if (seq === r[1]) r[1]--;
      else this.missingRanges.splice(i, 1, [r[0], seq - 1], [seq + 1, r[1]]);
      this.received++;
      this.outOfOrder++;
      return 'out-of-order';
    }
    this.duplicates++;
    return 'duplicate';
  }

  /** Seqs skipped and never filled. */
  missing(): number {
    let n = 0;
    for (const [a, b] of this.missingRanges) n += b - a + 1;
    return n;
  }

  /** Missing seqs within [from, to]. */
  missingBetween(from: number, to: number): number {
    let n = 0;
    for (const [a, b] of this.missingRanges) {
      const lo = Math.max(a, from);
      const hi = Math.min(b, to);
      if (hi >= lo) n += hi - lo + 1;
    }
    return n;
  }

  /**
   * Seqs below `belowSeq` are lost with an old server process (restart mode): they stop counting
   * as missing. Returns how many were forgiven.
   */
  forgive(belowSeq: number): number {
    let n = 0;
    const kept: [number, number][] = [];
    for (const [a, b] of this.missingRanges) {
      if (b < belowSeq) n += b - a + 1;
      else if (a < belowSeq) {
        n += belowSeq - a;
        kept.push([belowSeq, b]);
      } else kept.push([a, b]);
    }
    this.missingRanges = kept;
    return n;
  }
}
