/**
 * Whether a suite that needs something from the machine (ClickHouse, Chromium, the Python SDK)
 * may run. Missing: the suite is skipped with the reason printed, unless
 * FLUORO_TEST_REQUIRE_ALL=1 (CI), where a missing dependency throws and fails the run.
 */
export function requireOrSkip(available: boolean, what: string): boolean {
  if (available) return true;
  if (process.env['FLUORO_TEST_REQUIRE_ALL'] === '1') {
    throw new Error(`${what} is required (FLUORO_TEST_REQUIRE_ALL=1) but not installed`);
  }
  console.warn(`skipping: ${what} is not installed`);
  return false;
}
