import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/sim/index.ts';

describe('Scheduler', () => {
  it('runs events in time order, ties in insertion order', () => {
    const s = new Scheduler();
    const log: string[] = [];
    s.at(30, () => log.push('c30'));
    s.at(10, () => log.push('a10'));
    s.at(20, () => log.push('b20-1'));
    s.at(20, () => log.push('b20-2'));
    s.at(10, () => log.push('a10-2'));
    s.at(20, () => log.push('b20-3'));
    s.runAll();
    expect(log).toEqual(['a10', 'a10-2', 'b20-1', 'b20-2', 'b20-3', 'c30']);
    expect(s.now).toBe(30);
  });

  it('keeps ties in insertion order across many events (heap stress)', () => {
    const s = new Scheduler();
    const seen: Array<[number, number]> = [];
    // 2000 events on 7 distinct times, inserted in a scrambled order.
    for (let i = 0; i < 2000; i++) {
      const t = (i * 37) % 7;
      s.at(t, () => seen.push([t, i]));
    }
    s.runAll();
    for (let k = 1; k < seen.length; k++) {
      const [t0, i0] = seen[k - 1] as [number, number];
      const [t1, i1] = seen[k] as [number, number];
      expect(t0 < t1 || (t0 === t1 && i0 < i1)).toBe(true);
    }
    expect(seen.length).toBe(2000);
  });

  it('events scheduled from an event at the same time run after those already queued', () => {
    const s = new Scheduler();
    const log: string[] = [];
    s.at(5, () => {
      log.push('first');
      s.after(0, () => log.push('nested'));
    });
    s.at(5, () => log.push('second'));
    s.runAll();
    expect(log).toEqual(['first', 'second', 'nested']);
  });

  it('cancels timers, including ones in the middle of the heap', () => {
    const s = new Scheduler();
    const log: number[] = [];
    const timers = [50, 10, 40, 20, 30, 60].map((t) => s.at(t, () => log.push(t)));
    s.cancel(timers[2]); // 40
    s.cancel(timers[1]); // 10
    expect(timers[1]?.active).toBe(false);
    s.cancel(timers[1]); // twice is harmless
    s.runAll();
    expect(log).toEqual([20, 30, 50, 60]);
    expect(s.pending).toBe(0);
  });

  it('a timer cancelled by an earlier event at the same time does not run', () => {
    const s = new Scheduler();
    const log: string[] = [];
    let b: ReturnType<Scheduler['at']> | undefined;
    s.at(7, () => {
      log.push('a');
      s.cancel(b);
    });
    b = s.at(7, () => log.push('b'));
    s.runAll();
    expect(log).toEqual(['a']);
  });

  it('runUntil runs due events and advances the clock to the limit', () => {
    const s = new Scheduler();
    const log: number[] = [];
    s.at(100, () => log.push(100));
    s.at(200, () => log.push(200));
    s.at(201, () => log.push(201));
    s.runUntil(200);
    expect(log).toEqual([100, 200]);
    expect(s.now).toBe(200);
    expect(s.pending).toBe(1);
    s.runFor(1);
    expect(log).toEqual([100, 200, 201]);
  });

  it('runWhile stops as soon as the predicate is false, or at the limit', () => {
    const s = new Scheduler();
    let count = 0;
    for (let i = 1; i <= 10; i++) s.at(i * 1000, () => count++);
    expect(s.runWhile(() => count < 3)).toBe(true);
    expect(count).toBe(3);
    expect(s.now).toBe(3000);
    expect(s.runWhile(() => true, 6500)).toBe(false);
    expect(count).toBe(6);
    expect(s.now).toBe(6000);
  });

  it('rejects non-integer or past times', () => {
    const s = new Scheduler();
    s.runUntil(10);
    expect(() => s.at(5, () => {})).toThrow(/past/);
    expect(() => s.after(1.5, () => {})).toThrow(/integer/);
    expect(() => s.after(-1, () => {})).toThrow(/negative/);
    expect(() => s.runUntil(3)).toThrow(/before now/);
  });
});
