/** An error about one file: `file` names it, the message is `<file>: <detail>`. */
export class FileError extends Error {
  override name = 'FileError';
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** A checkpoint file could not be read or written; the message names the file and what is wrong. */
export class CheckpointError extends FileError {
  override name = 'CheckpointError';
}

/** A file could not be written (checkpoint or not: config copies, metrics, results, reports); the message names it. */
export class FileWriteError extends FileError {
  override name = 'FileWriteError';
}

/** Rethrows ENOENT/EISDIR from fs as a CheckpointError naming the path; other errors pass through. */
export function rethrowFsError(file: string, err: unknown): never {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') throw new CheckpointError(file, 'no such file (checkpoint not found)');
  if (code === 'EISDIR') throw new CheckpointError(file, 'is a directory, expected a checkpoint file');
  throw err;
}
