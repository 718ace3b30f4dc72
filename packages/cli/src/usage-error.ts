/** A wrong command line: `fluoro` prints the message and exits with status 2 (other failures exit 1). */
export class UsageError extends Error {}
