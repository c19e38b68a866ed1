export { Scheduler, Timer } from './scheduler.ts';
export { Rng, rngFor, hashSeedName, fmix32, DEFAULT_SEED } from './rng.ts';
export {
  DEFAULT_START_EPOCH_SEC,
  NS_PER_US,
  NS_PER_MS,
  NS_PER_SEC,
  us,
  ms,
  sec,
  captureTimestamp,
  formatVirtualTime,
  civilFromEpoch,
  daysFromCivil,
  type Civil,
} from './clock.ts';
