/** Where the SDK writes its own diagnostics. */
export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** Writes errors and warnings to stderr with a `[fluoro]` prefix; debug is silent. */
export const consoleLogger: Logger = {
  error: (m) => console.error(`[fluoro] ${m}`),
  warn: (m) => console.warn(`[fluoro] ${m}`),
  debug: () => {},
};

/** Counts dropped items by reason and logs the first drop of each reason once. */
export class DropCounter {
  private readonly counts = new Map<string, number>();
  constructor(private readonly logger: () => Logger) {}

  drop(reason: string, detail: string, count = 1): void {
    const before = this.counts.get(reason) ?? 0;
    this.counts.set(reason, before + count);
    if (before === 0) {
      this.logger().warn(`dropped (${reason}): ${detail}; further drops of this kind are only counted`);
    }
  }

  /** Drop counts by reason, e.g. `{ send_error: 2, oversize_metadata: 1 }`. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
