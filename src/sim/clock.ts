// Virtual time units and the mapping to capture/wall-clock timestamps.

/** 2011-10-26T10:30:00Z, the day of the original lab's screenshot. */
export const DEFAULT_START_EPOCH_SEC = 1319625000;

export const NS_PER_US = 1_000;
export const NS_PER_MS = 1_000_000;
export const NS_PER_SEC = 1_000_000_000;

export function us(n: number): number {
  return Math.round(n * NS_PER_US);
}
export function ms(n: number): number {
  return Math.round(n * NS_PER_MS);
}
export function sec(n: number): number {
  return Math.round(n * NS_PER_SEC);
}

/** Splits virtual ns into a capture timestamp: whole seconds since the epoch and the ns fraction. */
export function captureTimestamp(startEpochSec: number, tNs: number): { sec: number; fracNs: number } {
  return { sec: startEpochSec + Math.floor(tNs / NS_PER_SEC), fracNs: tNs % NS_PER_SEC };
}

/** `seconds.nanoseconds` of virtual time since the start, as the text traces print it. */
export function formatVirtualTime(tNs: number): string {
  const s = Math.floor(tNs / NS_PER_SEC);
  const f = tNs % NS_PER_SEC;
  return `${s}.${String(f).padStart(9, '0')}`;
}
