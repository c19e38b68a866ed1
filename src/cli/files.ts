// Files written by the CLI appear complete or not at all: each is written under `name.tmp`, then
// renamed. A lab folder is read into the path -> text map the importer takes.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { ByteSink } from '../pcap/sink.ts';
import type { LabFolder } from '../scenario/index.ts';
import { CliError } from './io.ts';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** A capture file: bytes go to `path.tmp`, which becomes `path` on close. */
export class FileSink implements ByteSink {
  private fd: number | undefined;
  private readonly tmp: string;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.tmp = `${path}.tmp`;
    this.fd = openSync(this.tmp, 'w');
  }

  write(chunk: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`FileSink ${this.path}: write after close`);
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    renameSync(this.tmp, this.path);
  }

  /** Removes the partial file (a run that failed half way leaves nothing behind). */
  abort(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      try {
        unlinkSync(this.tmp);
      } catch {
        // already gone
      }
    }
  }
}

const MAX_LAB_FILES = 5000;
const MAX_LAB_FILE_BYTES = 4 * 1024 * 1024;

export function isLabFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Reads a Netkit/Kathará lab folder: every text file, by path relative to the folder. */
export function readLabFolder(dir: string, warn: (msg: string) => void): LabFolder {
  const files = new Map<string, string>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue; // .git, editor files: not part of the lab
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        walk(p);
        continue;
      }
      if (!st.isFile()) continue;
      const rel = relative(dir, p).split(sep).join('/');
      if (files.size >= MAX_LAB_FILES) throw new CliError(`${dir}: more than ${MAX_LAB_FILES} files; is this a lab folder?`);
      if (st.size > MAX_LAB_FILE_BYTES) {
        warn(`lbsim: skipped ${join(dir, rel)} (${st.size} bytes; lab files above ${MAX_LAB_FILE_BYTES} bytes are not copied)`);
        continue;
      }
      const buf = readFileSync(p);
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        warn(`lbsim: skipped ${join(dir, rel)} (not UTF-8 text)`);
        continue;
      }
      files.set(rel, text);
    }
  };
  walk(dir);
  return { root: dir.replace(/\/+$/, '') || dir, files };
}
