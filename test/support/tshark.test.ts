import { afterEach, describe, expect, it, vi } from 'vitest';
import { requireTsharkOrSkip } from './tshark.ts';

describe('requireTsharkOrSkip', () => {
  const saved = process.env['LBSIM_REQUIRE_TSHARK'];
  afterEach(() => {
    if (saved === undefined) delete process.env['LBSIM_REQUIRE_TSHARK'];
    else process.env['LBSIM_REQUIRE_TSHARK'] = saved;
  });
  it('does nothing when tshark is available', () => {
    const notes: (string | undefined)[] = [];
    requireTsharkOrSkip({ skip: (n) => void notes.push(n) }, true);
    expect(notes).toEqual([]);
  });
  it('skips with a reason when tshark is absent and not required', () => {
    delete process.env['LBSIM_REQUIRE_TSHARK'];
    const notes: (string | undefined)[] = [];
    // The printed reason is part of the convention; capture it rather than print a false alarm.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      requireTsharkOrSkip({ skip: (n) => void notes.push(n) }, false);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^skipped: tshark not found on PATH/));
    } finally {
      warn.mockRestore();
    }
    expect(notes).toEqual([expect.stringMatching(/tshark not found on PATH/)]);
  });
  it('fails when tshark is absent and LBSIM_REQUIRE_TSHARK=1', () => {
    process.env['LBSIM_REQUIRE_TSHARK'] = '1';
    expect(() => requireTsharkOrSkip({ skip: () => {} }, false)).toThrow(/LBSIM_REQUIRE_TSHARK=1 makes this a failure/);
  });
});
