/**
 * Errors as plain data and back, for boundaries that structured clone would strip of their class (worker
 * threads, records on disk): every ExplainSegError comes back as the same class with the same code,
 * message and fields, because each class lists its constructor's arguments in `fields`.
 */
import {
  ChecksumError, DatasetError, DownloadError, ExplainSegError, InputFileError, InvalidArgumentError, ModelMismatchError,
  ImageTooLargeError, RunFolderError, RuntimeError, SizeMismatchError, WeightsError, type ErrorCode,
} from './errors.js';

export interface SerialisedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
  /** The class's constructor arguments besides the message (ExplainSegError.fields). */
  readonly fields?: Readonly<Record<string, unknown>>;
}

type Fields = Readonly<Record<string, unknown>>;
const text = (fields: Fields, key: string): string => String(fields[key] ?? '');

const REBUILDERS: Record<string, (message: string, fields: Fields) => Error> = {
  InvalidArgumentError: (message) => new InvalidArgumentError(message),
  InputFileError: (_, f) => new InputFileError(text(f, 'file'), text(f, 'problem')),
  SizeMismatchError: (message) => new SizeMismatchError(message),
  WeightsError: (_, f) => new WeightsError(text(f, 'file'), Array.isArray(f.problems) ? f.problems.map(String) : []),
  DatasetError: (message) => new DatasetError(message),
  ModelMismatchError: (message) => new ModelMismatchError(message),
  DownloadError: (message) => new DownloadError(message),
  ChecksumError: (_, f) => new ChecksumError(text(f, 'file'), text(f, 'expected'), text(f, 'received')),
  RuntimeError: (message) => new RuntimeError(message),
  RunFolderError: (_, f) => new RunFolderError(text(f, 'dir'), text(f, 'problem')),
  ImageTooLargeError: (_, f) => new ImageTooLargeError(text(f, 'file'), f.size as { rows: number; cols: number }, Number(f.maxPixels)),
  TypeError: (message) => new TypeError(message),
  RangeError: (message) => new RangeError(message),
};

export function serialiseError(error: unknown): SerialisedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name, message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
    ...(error instanceof ExplainSegError ? { fields: { ...error.fields } } : {}),
  };
}

/** The error that was serialised: same class, code, message and fields; the original stack is kept. */
export function deserialiseError(serialised: SerialisedError): Error {
  const rebuild = REBUILDERS[serialised.name];
  let error: Error;
  if (rebuild) error = rebuild(serialised.message, serialised.fields ?? {});
  else if (serialised.code?.startsWith('E_')) error = new ExplainSegError(serialised.code as ErrorCode, serialised.message);
  else error = new Error(serialised.message);
  if (!rebuild && serialised.name !== error.name) error.name = serialised.name;
  if (serialised.stack) error.stack = serialised.stack;
  return error;
}
