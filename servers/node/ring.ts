// The replay ring: the last `capacity` events, each kept as the bytes already framed for this
// server's transport, so a replay writes exactly what live clients got.
export class Ring {
  private readonly slots: (Buffer | undefined)[];
  /** Seq of the oldest event still held; meaningful when size > 0. */
  private firstSeq = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.slots = new Array<Buffer | undefined>(capacity);
  }

  push(seq: number, bytes: Buffer): void {
    if (this.size > 0 && seq !== this.firstSeq + this.size) {
      throw new Error(`ring: seq ${seq} does not follow ${this.firstSeq + this.size - 1}`);
    }
    if (this.size === 0) this.firstSeq = seq;
    this.slots[seq % this.capacity] = bytes;
    if (this.size < this.capacity) this.size++;
    else this.firstSeq++;
  }

  /** Events with seq > afterSeq still held, oldest first. */
  after(afterSeq: number): Buffer[] {
    if (this.size === 0) return [];
    const last = this.firstSeq + this.size - 1;
    const from = Math.max(afterSeq + 1, this.firstSeq);
    const out: Buffer[] = [];
    for (let seq = from; seq <= last; seq++) {
      const b = this.slots[seq % this.capacity];
      if (b) out.push(b);
    }
    return out;
  }

  clear(): void {
    this.slots.fill(undefined);
    this.size = 0;
    this.firstSeq = 0;
  }

  get length(): number {
    return this.size;
  }
}
