import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { type DuckDBAppender, type DuckDBConnection, DuckDBDataChunk, DuckDBTypeId } from '@duckdb/node-api';

/** A value of a row given to ChunkAppender.add: BIGINT columns take integral numbers, VARCHAR[] string arrays. */
export type ChunkValue = string | number | boolean | readonly string[] | null;

/** A data chunk's capacity: DuckDB's vector size. */
const CHUNK_ROWS = 2048;

type Vector = object;
/** The functions of @duckdb/node-bindings, the native module under @duckdb/node-api, that this file calls. */
interface Bindings {
  data_chunk_get_vector(chunk: object, column: number): Vector;
  data_chunk_set_size(chunk: object, size: number): void;
  data_chunk_reset(chunk: object): void;
  vector_assign_string_element(vector: Vector, index: number, value: string): void;
  vector_ensure_validity_writable(vector: Vector): void;
  copy_data_to_vector(vector: Vector, at: number, from: ArrayBufferLike, offset: number, bytes: number): void;
  copy_data_to_vector_validity(
    vector: Vector,
    at: number,
    from: ArrayBufferLike,
    offset: number,
    bytes: number,
  ): void;
  list_vector_get_child(vector: Vector): Vector;
  list_vector_reserve(vector: Vector, capacity: number): void;
  list_vector_set_size(vector: Vector, size: number): void;
}
// Loaded from where @duckdb/node-api loads it, so it is the very module (and version) it uses.
const requireFromApi = createRequire(createRequire(import.meta.url).resolve('@duckdb/node-api'));
const bindings = requireFromApi('@duckdb/node-bindings') as Bindings;

interface Column {
  type: DuckDBTypeId;
  /** The chunk's vector: valid as long as the chunk, across resets. */
  vector: Vector;
  /**
   * Copied into the vector once a chunk: BIGINT as two 32-bit words a row (little-endian),
   * INTEGER, DOUBLE, BOOLEAN (a byte), VARCHAR (16 bytes a row, see `inlined`).
   */
  data: Int32Array | Float64Array | Uint8Array | undefined;
  /** DuckDB's validity mask: a bit a row, set for a value, cleared for NULL. */
  validity: Uint8Array;
  /** Whether the chunk has a NULL in this column, so its mask must be copied in. */
  hasNull: boolean;
  /** VARCHAR[]: the chunk's lists, written at the end since their strings go into one child vector. */
  lists: (readonly string[] | null)[] | undefined;
}

/**
 * An appender fed whole data chunks (ADR 0002). DuckDB's appender costs one native call per
 * value and one per row; here numbers, booleans, NULLs and short ASCII strings are written into
 * typed arrays laid out as DuckDB's vectors (duckdb.h: little-endian values, a validity bit a
 * row, 16-byte string_t) and copied in once per column and chunk, so only longer or non-ASCII
 * strings cost a call each, and each chunk of 2,048 rows one more. Takes VARCHAR, VARCHAR[],
 * BIGINT, INTEGER, DOUBLE and BOOLEAN columns; a value out of its column's range throws, as
 * the appender's do, and nothing of that row is kept.
 */
export class ChunkAppender {
  private appender: DuckDBAppender | undefined;
  /** The chunk and its columns' arrays, made at the first `open` and kept for the next ones. */
  private chunk: DuckDBDataChunk | undefined;
  private columns: Column[] = [];
  private rows = 0;
  /** The strings not inlined in `data`, as (vector, row, string): given to DuckDB after `data` is copied in. */
  private readonly strings: (Vector | number | string)[] = [];

  constructor(private readonly table: string) {}

  /** Starts appending to the table in `c`'s transaction; rows of an earlier use not closed are dropped. */
  async open(c: DuckDBConnection): Promise<void> {
    // Numbers and masks are laid out here as DuckDB lays them out on little-endian machines.
    if (endianness() !== 'LE') throw new Error('ChunkAppender needs a little-endian machine');
    this.discard();
    const appender = await c.createAppender(this.table);
    this.appender = appender;
    this.rows = 0;
    this.strings.length = 0;
    if (this.chunk) {
      bindings.data_chunk_reset(this.chunk.chunk);
      for (const col of this.columns) col.hasNull = false;
      return;
    }
    // The appender's own column types, so it takes the chunks as they are.
    const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
    const chunk = DuckDBDataChunk.create(types);
    const columns: Column[] = [];
    for (const [i, t] of types.entries()) {
      const type = t.typeId;
      const data =
        type === DuckDBTypeId.BIGINT
          ? new Int32Array(CHUNK_ROWS * 2)
          : type === DuckDBTypeId.INTEGER
            ? new Int32Array(CHUNK_ROWS)
            : type === DuckDBTypeId.DOUBLE
              ? new Float64Array(CHUNK_ROWS)
              : type === DuckDBTypeId.BOOLEAN
                ? new Uint8Array(CHUNK_ROWS)
                : type === DuckDBTypeId.VARCHAR
                  ? new Uint8Array(CHUNK_ROWS * 16)
                  : undefined;
      const isList = type === DuckDBTypeId.LIST && t.valueType.typeId === DuckDBTypeId.VARCHAR;
      if (!data && !isList) throw new Error(`ChunkAppender: unsupported column type ${t}`);
      columns.push({
        type,
        vector: bindings.data_chunk_get_vector(chunk.chunk, i),
        data,
        validity: new Uint8Array(CHUNK_ROWS / 8),
        hasNull: false,
        lists: isList ? [] : undefined,
      });
    }
    this.chunk = chunk;
    this.columns = columns;
  }

  /** Adds a row: one value per column, in table order. */
  add(row: readonly ChunkValue[]): void {
    const strings = this.strings.length;
    try {
      this.set(row);
    } catch (e) {
      // Nothing of a refused row is kept (what it wrote in `data` the next row overwrites).
      this.strings.length = strings;
      throw e;
    }
    if (++this.rows === CHUNK_ROWS) this.appendChunk();
  }

  private set(row: readonly ChunkValue[]): void {
    const n = this.rows;
    for (let i = 0; i < this.columns.length; i++) {
      const c = this.columns[i]!;
      const v = row[i];
      if (v === null || v === undefined) {
        c.validity[n >> 3]! &= ~(1 << (n & 7));
        c.hasNull = true;
        if (c.lists) c.lists[n] = null;
        continue;
      }
      c.validity[n >> 3]! |= 1 << (n & 7);
      switch (c.type) {
        case DuckDBTypeId.VARCHAR:
          if (!inlined(c.data as Uint8Array, n, v as string)) this.strings.push(c.vector, n, v as string);
          break;
        case DuckDBTypeId.BIGINT: {
          const x = v as number;
          // Any integral double in range, as BigInt(x) would give it (the split is exact).
          if (!Number.isInteger(x) || x < -(2 ** 63) || x >= 2 ** 63)
            throw new RangeError(`not a BIGINT: ${x}`);
          const high = Math.floor(x / 2 ** 32);
          c.data![2 * n] = x - high * 2 ** 32;
          c.data![2 * n + 1] = high;
          break;
        }
        case DuckDBTypeId.INTEGER: {
          const x = v as number;
          if (!Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31)
            throw new RangeError(`not an INTEGER: ${x}`);
          c.data![n] = x;
          break;
        }
        case DuckDBTypeId.DOUBLE:
          c.data![n] = v as number;
          break;
        case DuckDBTypeId.BOOLEAN:
          c.data![n] = v ? 1 : 0;
          break;
        default:
          c.lists![n] = v as readonly string[];
      }
    }
  }

  /**
   * Drops the rows of a use that is not to be closed (a failed write, before its rollback). An
   * appender left open would append the chunks it holds when it is garbage-collected, into
   * whatever transaction its connection is in then.
   */
  discard(): void {
    const appender = this.appender;
    this.appender = undefined;
    if (!appender) return;
    try {
      appender.clear();
      appender.closeSync();
    } catch {
      // Its transaction may have failed already: then nothing of it can reach the table.
    }
  }

  /** Appends the rows still held and closes the appender (until the next `open`). */
  close(): void {
    if (this.rows > 0) this.appendChunk();
    this.appender!.flushSync();
    this.appender!.closeSync();
    this.appender = undefined;
  }

  private appendChunk(): void {
    const n = this.rows;
    for (const c of this.columns) {
      if (c.data)
        bindings.copy_data_to_vector(c.vector, 0, c.data.buffer, 0, (n * c.data.byteLength) / CHUNK_ROWS);
      if (c.lists) writeLists(c.vector, c.lists, n);
      if (c.hasNull) {
        bindings.vector_ensure_validity_writable(c.vector);
        bindings.copy_data_to_vector_validity(c.vector, 0, c.validity.buffer, 0, c.validity.byteLength);
        c.hasNull = false;
      }
    }
    const s = this.strings;
    for (let k = 0; k < s.length; k += 3)
      bindings.vector_assign_string_element(s[k] as Vector, s[k + 1] as number, s[k + 2] as string);
    s.length = 0;
    const chunk = this.chunk!;
    bindings.data_chunk_set_size(chunk.chunk, n);
    this.appender!.appendDataChunk(chunk);
    // The appender has copied the rows: the chunk is emptied for the next ones.
    bindings.data_chunk_reset(chunk.chunk);
    this.rows = 0;
  }
}

/**
 * Writes `s` as DuckDB's string_t (duckdb_string_t in duckdb.h) of row `n` if it is stored
 * inline there: up to 12 bytes after its length, zero-padded. Only ASCII is written here (one
 * byte a character); false for any other string, which DuckDB is given instead.
 */
function inlined(bytes: Uint8Array, n: number, s: string): boolean {
  if (s.length > 12) return false;
  const at = 16 * n;
  bytes.fill(0, at, at + 16);
  for (let k = 0; k < s.length; k++) {
    const code = s.charCodeAt(k);
    if (code >= 0x80) return false;
    bytes[at + 4 + k] = code;
  }
  bytes[at] = s.length;
  return true;
}

/** Writes the first `n` lists (NULL ones already marked invalid) into a VARCHAR[] vector. */
function writeLists(vector: Vector, lists: (readonly string[] | null)[], n: number): void {
  // Each row's offset into the child vector and its length, as two 64-bit words.
  const entries = new Uint32Array(n * 4);
  let total = 0;
  for (let r = 0; r < n; r++) {
    const list = lists[r];
    entries[4 * r] = total;
    entries[4 * r + 2] = list ? list.length : 0;
    total += list ? list.length : 0;
  }
  bindings.list_vector_reserve(vector, total);
  bindings.list_vector_set_size(vector, total);
  const child = bindings.list_vector_get_child(vector);
  let at = 0;
  for (let r = 0; r < n; r++)
    for (const s of lists[r] ?? []) bindings.vector_assign_string_element(child, at++, s);
  bindings.copy_data_to_vector(vector, 0, entries.buffer, 0, entries.byteLength);
  lists.length = 0;
}
