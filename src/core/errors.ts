/**
 * Error classes with stable codes. Library code throws these and never prints or exits;
 * the CLI maps `code` to a message and an exit status.
 */
export type ErrorCode =
  | 'E_INVALID_ARGUMENT'
  | 'E_INPUT_FILE'
  | 'E_SIZE_MISMATCH'
  | 'E_WEIGHTS'
  | 'E_DATASET'
  | 'E_MODEL_MISMATCH'
  | 'E_DOWNLOAD'
  | 'E_CHECKSUM'
  | 'E_RUNTIME'
  | 'E_RUN_FOLDER';

export class ExplainSegError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /** The constructor's arguments besides the message, so that the error can be rebuilt whole elsewhere. */
  get fields(): Readonly<Record<string, unknown>> {
    return {};
  }
}

/** A function argument or config value is out of its documented range or of the wrong type. */
export class InvalidArgumentError extends ExplainSegError {
  constructor(message: string) {
    super('E_INVALID_ARGUMENT', message);
  }
}

/** A file the user named cannot be read or decoded; the message names the file and the problem. */
export class InputFileError extends ExplainSegError {
  readonly file: string;
  readonly problem: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super('E_INPUT_FILE', `${file}: ${problem}`, options);
    this.file = file;
    this.problem = problem;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { file: this.file, problem: this.problem };
  }
}

/**
 * An input image has more pixels than the documented limit (`DEFAULT_MAX_PIXELS` in data/image-io.ts).
 * An InputFileError, so a run that skips bad images skips this one too, with the same exit status.
 */
export class ImageTooLargeError extends InputFileError {
  readonly size: { readonly rows: number; readonly cols: number };
  readonly pixels: number;
  readonly maxPixels: number;
  constructor(file: string, size: { rows: number; cols: number }, maxPixels: number) {
    const pixels = size.rows * size.cols;
    const count = (n: number): string => n.toLocaleString('en-US');
    super(file, `expected at most ${count(maxPixels)} pixels for an input image but received ${size.cols} x ${size.rows} = ${count(pixels)}; downscale it first`);
    this.size = { rows: size.rows, cols: size.cols };
    this.pixels = pixels;
    this.maxPixels = maxPixels;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { file: this.file, size: this.size, maxPixels: this.maxPixels };
  }
}

/** Two things that must agree in size do not (an image and its mask, a map and an image). */
export class SizeMismatchError extends ExplainSegError {
  constructor(message: string) {
    super('E_SIZE_MISMATCH', message);
  }
}

/** A weights file is unreadable, or its tensors are missing, unexpected or mis-shaped. */
export class WeightsError extends ExplainSegError {
  readonly file: string;
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[], options?: { cause?: unknown }) {
    super('E_WEIGHTS', `${file}: ${problems.length === 1 ? problems[0] : `\n  - ${problems.join('\n  - ')}`}`, options);
    this.file = file;
    this.problems = problems;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { file: this.file, problems: this.problems };
  }
}

/** A dataset folder is malformed: empty class, label without file, unknown layout. */
export class DatasetError extends ExplainSegError {
  constructor(message: string) {
    super('E_DATASET', message);
  }
}

/** A saved head was trained with another backbone, input size or class list than the one offered. */
export class ModelMismatchError extends ExplainSegError {
  constructor(message: string) {
    super('E_MODEL_MISMATCH', message);
  }
}

export class DownloadError extends ExplainSegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_DOWNLOAD', message, options);
  }
}

export class ChecksumError extends ExplainSegError {
  readonly file: string;
  readonly expected: string;
  readonly received: string;
  constructor(file: string, expected: string, received: string) {
    super('E_CHECKSUM', `${file}: expected SHA-256 ${expected} but received ${received}`);
    this.file = file;
    this.expected = expected;
    this.received = received;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { file: this.file, expected: this.expected, received: this.received };
  }
}

/** The inference runtime failed (a graph that does not load, a shape the runtime rejects). */
export class RuntimeError extends ExplainSegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_RUNTIME', message, options);
  }
}

/** An output folder that another process is writing, or that holds a run made with other settings. */
export class RunFolderError extends ExplainSegError {
  readonly dir: string;
  readonly problem: string;
  constructor(dir: string, problem: string) {
    super('E_RUN_FOLDER', `${dir}: ${problem}`);
    this.dir = dir;
    this.problem = problem;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { dir: this.dir, problem: this.problem };
  }
}
