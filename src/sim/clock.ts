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

/** UTC calendar fields of an instant (hosts run on UTC; src/ has no Date object, no locale). */
export interface Civil {
  year: number;
  month: number; // 1..12
  day: number;
  weekday: number; // 0 = Sunday
  hour: number;
  minute: number;
  second: number;
}

/** UTC calendar fields of an epoch second (Howard Hinnant's civil_from_days). */
export function civilFromEpoch(epochSec: number): Civil {
  const s = Math.floor(epochSec);
  const days = Math.floor(s / 86400);
  const secOfDay = s - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return {
    year: yoe + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day,
    weekday: (((days % 7) + 7 + 4) % 7), // 1970-01-01 was a Thursday
    hour: Math.floor(secOfDay / 3600),
    minute: Math.floor((secOfDay % 3600) / 60),
    second: secOfDay % 60,
  };
}

/** Days since 1970-01-01 of a civil date, month 1..12 (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
