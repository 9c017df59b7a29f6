/** A dataset problem (missing/corrupt file, size mismatch, unknown colour, empty split); the message names the file. */
export class DataError extends Error {
  override readonly name = 'DataError';
}
