/**
 * A filter expression that cannot be parsed (or names a group that does not exist). `column`
 * is 1-based and counts UTF-16 code units from the start of the expression; the message ends
 * with "at column N" so it can be shown to a user as is (the X-Ray API returns it in a 400).
 */
export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';

  constructor(
    /** What went wrong, without the position (e.g. "expected a number after 'responsetime >'"). */
    readonly reason: string,
    /** 1-based column of the offending character. */
    readonly column: number,
  ) {
    super(`${reason} at column ${column}`);
  }
}
