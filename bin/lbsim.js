#!/usr/bin/env node
// Starts the CLI from the TypeScript sources through tsx, so a fresh clone works after `npm install`.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

register();
const here = dirname(fileURLToPath(import.meta.url));
await import(join(here, '..', 'src', 'cli', 'main.ts'));
