import { newEntityId } from './ids.js';

/** One stack frame as X-Ray stores it. */
export interface StackFrame {
  path: string;
  line: number;
  label: string;
}

/** One exception in a `cause` object. */
export interface ExceptionDocument {
  id: string;
  message: string;
  type: string;
  remote?: boolean;
  truncated?: number;
  stack: StackFrame[];
}

/** The `cause` object of a segment or subsegment. */
export interface CauseDocument {
  working_directory: string;
  exceptions: ExceptionDocument[];
}

/** Frames kept per exception; the rest are counted in `truncated`. */
export const MAX_STACK_FRAMES = 50;

// `    at label (path:line:col)` or `    at path:line:col`; labels may contain spaces and parens
// (`new Foo`, `async Promise.all (index 0)`), so the location is matched from the right.
const FRAME_WITH_LABEL = /^\s*at (.*?) \((.*):(\d+):\d+\)$/;
const FRAME_BARE = /^\s*at (.*):(\d+):\d+$/;

/** Parses V8 `err.stack` text into frames (`label` defaults to `anonymous`, as X-Ray's SDK does). */
export function parseStack(
  stack: string | undefined,
  maxFrames = MAX_STACK_FRAMES,
): {
  frames: StackFrame[];
  truncated: number;
} {
  const frames: StackFrame[] = [];
  let total = 0;
  if (!stack) return { frames, truncated: 0 };
  for (const line of stack.split('\n')) {
    let frame: StackFrame | undefined;
    const labelled = FRAME_WITH_LABEL.exec(line);
    if (labelled) {
      frame = { path: stripFileUrl(labelled[2]!), line: Number(labelled[3]), label: labelled[1]! };
    } else {
      const bare = FRAME_BARE.exec(line);
      if (bare) frame = { path: stripFileUrl(bare[1]!), line: Number(bare[2]), label: 'anonymous' };
    }
    if (!frame) continue;
    total++;
    if (frames.length < maxFrames) frames.push(frame);
  }
  return { frames, truncated: total - frames.length };
}

function stripFileUrl(path: string): string {
  return path.startsWith('file://') ? path.slice(7) : path;
}

/** Builds a `cause` object from anything thrown (non-Error values get type `string` etc.). */
export function toCause(thrown: unknown, remote = false): CauseDocument {
  const exception: ExceptionDocument = { id: newEntityId(), message: '', type: typeof thrown, stack: [] };
  if (thrown instanceof Error) {
    exception.message = thrown.message;
    exception.type = thrown.name || thrown.constructor?.name || 'Error';
    const { frames, truncated } = parseStack(thrown.stack);
    exception.stack = frames;
    if (truncated > 0) exception.truncated = truncated;
  } else {
    exception.message = safeString(thrown);
  }
  if (remote) exception.remote = true;
  return { working_directory: process.cwd(), exceptions: [exception] };
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '[unprintable]';
  }
}
