// Discrete-event scheduler over an integer-nanosecond virtual clock.
//
// Events are kept in a binary min-heap ordered by (time, seq): seq is a global insertion counter,
// so two events due at the same nanosecond always run in the order they were scheduled. That is
// what makes a run reproducible regardless of how the heap happens to be laid out.

/** A scheduled callback. Hold on to it to cancel it; `active` is false once it ran or was cancelled. */
export class Timer {
  /** Position in the heap, -1 once it has left the heap (fired or cancelled). */
  heapIndex = -1;
  constructor(
    readonly time: number,
    readonly seq: number,
    readonly fn: () => void,
  ) {}
  get active(): boolean {
    return this.heapIndex >= 0;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

function checkTime(what: string, t: number): void {
  if (!Number.isSafeInteger(t)) {
    throw new RangeError(`${what} must be an integer number of nanoseconds, got ${t}`);
  }
}

export class Scheduler {
  private heap: Timer[] = [];
  private seq = 0;
  private nowNs = 0;
  private executed = 0;

  /** Current virtual time in nanoseconds since the scenario start. */
  get now(): number {
    return this.nowNs;
  }

  /** Number of events waiting. */
  get pending(): number {
    return this.heap.length;
  }

  /** Number of events run so far (useful for benchmarks and runaway detection). */
  get eventsRun(): number {
    return this.executed;
  }

  /** Time of the next event, or undefined when the queue is empty. */
  nextTime(): number | undefined {
    return this.heap[0]?.time;
  }

  /** Runs `fn` at absolute virtual time `timeNs` (not earlier than now). */
  at(timeNs: number, fn: () => void): Timer {
    checkTime('event time', timeNs);
    if (timeNs < this.nowNs) {
      throw new RangeError(`cannot schedule an event in the past: ${timeNs} ns < now ${this.nowNs} ns`);
    }
    const timer = new Timer(timeNs, this.seq++, fn);
    this.push(timer);
    return timer;
  }

  /** Runs `fn` after `delayNs` nanoseconds (0 = later in this same instant, after what is queued). */
  after(delayNs: number, fn: () => void): Timer {
    checkTime('delay', delayNs);
    if (delayNs < 0) throw new RangeError(`negative delay: ${delayNs} ns`);
    return this.at(this.nowNs + delayNs, fn);
  }

  /** Removes a pending timer; harmless on one that already ran or was cancelled. */
  cancel(timer: Timer | null | undefined): void {
    if (!timer || timer.heapIndex < 0) return;
    this.removeAt(timer.heapIndex);
  }

  /** Runs the next event, if any. Returns false when the queue was empty. */
  step(): boolean {
    const top = this.popMin();
    if (!top) return false;
    this.nowNs = top.time;
    this.executed++;
    top.fn();
    return true;
  }

  /** Runs every event due at or before `timeNs`, then leaves the clock at `timeNs`. */
  runUntil(timeNs: number): void {
    checkTime('runUntil time', timeNs);
    if (timeNs < this.nowNs) {
      throw new RangeError(`runUntil(${timeNs}) is before now (${this.nowNs} ns)`);
    }
    for (;;) {
      const top = this.heap[0];
      if (!top || top.time > timeNs) break;
      this.step();
    }
    this.nowNs = timeNs;
  }

  /** Runs for `durationNs` more nanoseconds of virtual time. */
  runFor(durationNs: number): void {
    checkTime('duration', durationNs);
    this.runUntil(this.nowNs + durationNs);
  }

  /**
   * Runs events one by one while `pred()` is true and the next event is due at or before the
   * absolute time `limitNs`. Returns true when it stopped because `pred()` became false, false
   * when it ran out of events or reached the limit (the clock then stays at the last event run).
   */
  runWhile(pred: () => boolean, limitNs: number = Number.MAX_SAFE_INTEGER): boolean {
    checkTime('runWhile limit', limitNs);
    for (;;) {
      if (!pred()) return true;
      const top = this.heap[0];
      if (!top || top.time > limitNs) return false;
      this.step();
    }
  }

  /** Runs until the queue is empty or the next event is past `limitNs`. */
  runAll(limitNs: number = Number.MAX_SAFE_INTEGER): void {
    this.runWhile(() => true, limitNs);
  }

  private push(t: Timer): void {
    const h = this.heap;
    t.heapIndex = h.length;
    h.push(t);
    this.siftUp(t.heapIndex);
  }

  private popMin(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    if (!top) return undefined;
    this.removeAt(0);
    return top;
  }

  private removeAt(i: number): void {
    const h = this.heap;
    const removed = h[i] as Timer;
    const last = h.pop() as Timer;
    removed.heapIndex = -1;
    if (i === h.length) return; // removed the last slot
    h[i] = last;
    last.heapIndex = i;
    if (i > 0 && before(last, h[(i - 1) >> 1] as Timer)) this.siftUp(i);
    else this.siftDown(i);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    const t = h[i] as Timer;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as Timer;
      if (!before(t, parent)) break;
      h[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    h[i] = t;
    t.heapIndex = i;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const t = h[i] as Timer;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(h[r] as Timer, h[l] as Timer)) c = r;
      const child = h[c] as Timer;
      if (!before(child, t)) break;
      h[i] = child;
      child.heapIndex = i;
      i = c;
    }
    h[i] = t;
    t.heapIndex = i;
  }
}
