export { linksDump, decodeEntities } from './linksdump.ts';
export type { LinksDumpOptions } from './linksdump.ts';
