export { linksDump, decodeEntities } from './linksdump.ts';
export type { LinksDumpOptions } from './linksdump.ts';
export { md5, md5Hex, md5sumLine } from './md5.ts';
