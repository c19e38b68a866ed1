import { describe, expect, it } from 'vitest';
import { captureTimestamp, DEFAULT_START_EPOCH_SEC, formatVirtualTime, ms, sec, us } from '../../src/sim/index.ts';

describe('clock helpers', () => {
  it('default start is 2011-10-26T10:30:00Z', () => {
    expect(DEFAULT_START_EPOCH_SEC).toBe(Date.UTC(2011, 9, 26, 10, 30, 0) / 1000);
  });
  it('splits virtual ns into capture seconds and fraction', () => {
    expect(captureTimestamp(DEFAULT_START_EPOCH_SEC, sec(2) + us(35))).toEqual({
      sec: DEFAULT_START_EPOCH_SEC + 2,
      fracNs: 35_000,
    });
    expect(formatVirtualTime(ms(1500) + 7)).toBe('1.500000007');
  });
});
