// shapeseg's own version, from its package.json (what `shapeseg --version` prints and exports record).
import * as fs from 'node:fs';

/** The package version, or 0.0.0 when package.json cannot be read. */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
