// Where capture writers put their bytes. Portable: cli/ backs it with a file (written under a
// temporary name, then renamed), tests and the bench with memory.

/**
 * A byte sink. `write` must consume or copy `chunk` before returning: writers reuse their buffer.
 * `close` is called once, after the last write.
 */
export interface ByteSink {
  write(chunk: Uint8Array): void;
  close(): void;
}

/** Keeps everything in memory; `bytes()` returns one contiguous copy. */
export class MemorySink implements ByteSink {
  private chunks: Uint8Array[] = [];
  private total = 0;
  private closed = false;

  write(chunk: Uint8Array): void {
    if (this.closed) throw new Error('MemorySink: write after close');
    this.chunks.push(chunk.slice());
    this.total += chunk.length;
  }

  close(): void {
    this.closed = true;
  }

  get length(): number {
    return this.total;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  bytes(): Uint8Array {
    if (this.chunks.length !== 1) {
      const out = new Uint8Array(this.total);
      let o = 0;
      for (const c of this.chunks) {
        out.set(c, o);
        o += c.length;
      }
      this.chunks = [out];
    }
    return this.chunks[0] ?? new Uint8Array(0);
  }
}

/** Counts bytes and discards them (benchmarks of the serializer alone). */
export class NullSink implements ByteSink {
  length = 0;
  write(chunk: Uint8Array): void {
    this.length += chunk.length;
  }
  close(): void {}
}

/**
 * Bounded buffering in front of a sink: small writes are gathered into one fixed buffer and handed
 * on when it fills (or on flush), so memory stays flat however long the capture.
 */
export class BufferedWriter {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos = 0;

  constructor(
    private readonly sink: ByteSink,
    capacity = 64 * 1024,
  ) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Makes room for `n` contiguous bytes; false if n exceeds the capacity (write around the buffer). */
  reserve(n: number): boolean {
    if (this.pos + n <= this.buf.length) return true;
    this.flush();
    return n <= this.buf.length;
  }

  /** Appends bytes, passing large ones straight through to the sink. */
  append(bytes: Uint8Array): void {
    if (this.reserve(bytes.length)) {
      this.buf.set(bytes, this.pos);
      this.pos += bytes.length;
    } else {
      this.sink.write(bytes);
    }
  }

  flush(): void {
    if (this.pos > 0) {
      this.sink.write(this.buf.subarray(0, this.pos));
      this.pos = 0;
    }
  }

  close(): void {
    this.flush();
    this.sink.close();
  }
}
