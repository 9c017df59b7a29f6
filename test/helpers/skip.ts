import * as fs from 'node:fs';
// When a test may skip because something outside the code under test is missing: an oracle (torch/torchvision under
// /usr/bin/python3, Chromium, TensorBoard) or a build product (the tensor addon). Locally a missing one skips its
// checks with the reason. CI runs scripts/test.sh with CI=true, and that script installs every *required* one, so
// there a missing required one fails the run instead: a broken install must not go green with nothing checked.
// *Optional* ones (not installable from the registries scripts/test.sh can reach) skip everywhere, visibly; they
// are listed in docs/development.md.

/** Required or optional (see above). */
export type Need = 'required' | 'optional';

/** True when a missing required oracle fails the run instead of skipping (CI sets CI=true). */
export function missingFailsRun(): boolean {
  return process.env.CI === 'true';
}

/**
 * A node:test `skip` value: false when `missing` is null (it is there), else the reason to skip. Under CI=true a
 * missing required one throws instead, which fails the test (or, at module level, the test file).
 */
export function skipIfMissing(missing: string | null, need: Need = 'required'): string | false {
  if (missing === null) return false;
  if (need === 'optional') return `${missing} (optional, not installed by scripts/test.sh: see docs/development.md)`;
  if (missingFailsRun()) {
    throw new Error(`CI=true and ${missing}: scripts/test.sh installs it, so the checks that need it must run here, not skip`);
  }
  return missing;
}

/** Debian's Chromium, which the report tests render pages with. */
export const CHROMIUM = '/usr/bin/chromium';

/** skipIfMissing for Chromium (required: scripts/test.sh installs it). */
export function skipWithoutChromium(): string | false {
  return skipIfMissing(
    fs.existsSync(CHROMIUM) ? null : `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run the browser check`,
  );
}
