import { WeightsError } from '../../core/errors.js';
import { weightsProblem } from './problem.js';
import { tensorSize, type NamedTensor } from '../state-dict.js';
import { bytesPerElement, decodeToFloat32, type WeightsDtype } from './dtypes.js';
import type { RawTensors } from './safetensors.js';
import { PickleError, unpickle, type PickleGlobal } from './unpickler.js';
import { openZip, type ZipEntry } from '../../core/io/zip.js';

/** What `_rebuild_tensor_v2(storage, offset, size, stride, ...)` describes: a strided view of a storage. */
interface TensorView {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: number[];
  readonly strides: number[];
}

interface StorageRef {
  readonly kind: 'storage';
  readonly key: string;
  readonly dtype: WeightsDtype;
}

const dtypeByStorage: Readonly<Record<string, WeightsDtype>> = { FloatStorage: 'float32', HalfStorage: 'float16', BFloat16Storage: 'bfloat16' };
/** Top-level keys under which training checkpoints keep a state dict, in order of preference (DINO: teacher). */
const wrapperKeys = ['teacher', 'state_dict', 'model', 'student'];

/**
 * Read a PyTorch checkpoint written by `torch.save` (zip format, PyTorch >= 1.6; see torch/serialization.py):
 * `<archive>/data.pkl` is a pickle whose tensors refer, by persistent id, to raw little-endian storages
 * `<archive>/data/<key>`. Tensors are rebuilt from storage offset, shape and strides (views included).
 */
export function parsePth(bytes: Uint8Array, file: string): RawTensors {
  const zip = openZip(bytes, file, { problem: weightsProblem });
  const { entries } = zip;
  const pickleEntry = [...entries.values()].find((entry) => /^[^/]+\/data\.pkl$/.test(entry.name));
  if (!pickleEntry) throw weightsProblem(file, unsupportedArchiveReason(entries));
  const prefix = pickleEntry.name.slice(0, -'data.pkl'.length);
  const byteorder = entries.get(`${prefix}byteorder`);
  if (byteorder && new TextDecoder().decode(zip.read(byteorder)).trim() !== 'little') {
    throw weightsProblem(file, 'big-endian checkpoints are not supported');
  }
  const root = unpickleCheckpoint(zip.read(pickleEntry), file);
  const { dict, ignored } = unwrapStateDict(root, file);
  // Decoded once per storage: views (and tied weights) share one storage.
  const storages = new Map<string, Float32Array>();
  const readStorage = ({ key, dtype }: StorageRef): Float32Array => {
    if (!storages.has(key)) {
      const entry = entries.get(`${prefix}data/${key}`);
      if (!entry) throw weightsProblem(file, `storage '${key}' is referenced but missing from the archive`);
      const raw = zip.read(entry);
      storages.set(key, decodeToFloat32(raw, 0, Math.floor(raw.length / bytesPerElement[dtype]), dtype));
    }
    return storages.get(key)!;
  };
  const tensors = new Map<string, NamedTensor>();
  const dtypes = new Map<string, WeightsDtype>();
  for (const [name, value] of dict) {
    if (!isTensorView(value)) {
      ignored.push(`${name} (not a tensor)`);
      continue;
    }
    tensors.set(name, materialize(value, readStorage(value.storage), `${file}: tensor '${name}'`));
    dtypes.set(name, value.storage.dtype);
  }
  if (tensors.size === 0) throw weightsProblem(file, 'the checkpoint holds no float tensors');
  return { tensors, dtypes, metadata: {}, ignored };
}

function unsupportedArchiveReason(entries: ReadonlyMap<string, ZipEntry>): string {
  const names = [...entries.keys()];
  if (names.some((name) => /(^|\/)constants\.pkl$/.test(name))) return 'a TorchScript archive (torch.jit.save) is not supported; save model.state_dict() with torch.save';
  return 'zip archive without <archive>/data.pkl: not a torch.save checkpoint';
}

function unpickleCheckpoint(pickle: Uint8Array, file: string): unknown {
  try {
    return unpickle(pickle, { persistentLoad: (id) => storageRef(id), reduce: (callable, args) => reduceTorchGlobal(callable, args) });
  } catch (error) {
    if (error instanceof WeightsError) throw error;
    if (error instanceof PickleError) throw weightsProblem(file, `unsupported content in data.pkl: ${error.message}`, { cause: error });
    throw error;
  }
}

/** torch.save's persistent id for a storage: ('storage', StorageClass, key, location, numel). */
function storageRef(id: unknown): StorageRef {
  if (!Array.isArray(id) || id[0] !== 'storage' || typeof id[1] !== 'object') throw new PickleError(`unexpected persistent id ${JSON.stringify(id)}`);
  const storageClass = id[1] as PickleGlobal;
  const dtype = dtypeByStorage[storageClass.name];
  if (storageClass.module !== 'torch' || !dtype) {
    throw new PickleError(`storage type ${storageClass.module}.${storageClass.name} is not supported (float32, float16, bfloat16 only)`);
  }
  return { kind: 'storage', key: String(id[2]), dtype };
}

function reduceTorchGlobal(callable: PickleGlobal, args: unknown[]): unknown {
  const name = `${callable.module}.${callable.name}`;
  if (name === 'collections.OrderedDict') return new Map(Array.isArray(args[0]) ? (args[0] as [unknown, unknown][]) : []);
  if (name === 'torch._utils._rebuild_tensor_v2') {
    const [storage, offset, shape, strides] = args as [StorageRef, number, number[], number[]];
    return { kind: 'tensor', storage, offset, shape: [...shape], strides: [...strides] } satisfies TensorView;
  }
  if (name === 'torch._utils._rebuild_parameter') return args[0];
  return undefined;
}

function isTensorView(value: unknown): value is TensorView {
  return typeof value === 'object' && value !== null && (value as TensorView).kind === 'tensor';
}

/** Pick the state dict out of a checkpoint: either the root dict or one of the wrapper keys. */
function unwrapStateDict(root: unknown, file: string): { dict: Map<string, unknown>; ignored: string[] } {
  if (!(root instanceof Map)) throw weightsProblem(file, 'expected a dict at the top of the checkpoint');
  const wrapper = wrapperKeys.find((key) => root.get(key) instanceof Map);
  if (!wrapper) return { dict: root as Map<string, unknown>, ignored: [] };
  const ignored = [...root.keys()].filter((key) => key !== wrapper).map((key) => `${String(key)} (top-level entry; using '${wrapper}')`);
  return { dict: root.get(wrapper) as Map<string, unknown>, ignored };
}

/** Gather a strided view into a contiguous float32 tensor; checks every element lies inside the storage. */
function materialize(view: TensorView, values: Float32Array, where: string): NamedTensor {
  const { shape, strides, offset } = view;
  const storageElements = values.length;
  const count = tensorSize(shape);
  if (count === 0) return { shape, data: new Float32Array(0) };
  const lastIndex = offset + shape.reduce((sum, size, axis) => sum + (size - 1) * strides[axis]!, 0);
  if (offset < 0 || lastIndex >= storageElements || strides.some((s) => s < 0)) {
    throw weightsProblem(where, `expected a view inside a storage of ${storageElements} elements but received offset ${offset}, shape [${shape}], strides [${strides}]`);
  }
  if (isContiguous(shape, strides)) {
    // The usual case, one tensor per storage: hand over the decoded storage without another copy.
    return { shape, data: offset === 0 && count === values.length ? values : values.slice(offset, offset + count) };
  }
  return { shape, data: gatherStrided(values, view) };
}

function isContiguous(shape: number[], strides: number[]): boolean {
  let expected = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    if (shape[axis] !== 1 && strides[axis] !== expected) return false;
    expected *= shape[axis]!;
  }
  return true;
}

/** Row-major walk over the view's index space with an odometer over the axes. */
function gatherStrided(values: Float32Array, view: TensorView): Float32Array {
  const { shape, strides } = view;
  const out = new Float32Array(tensorSize(shape));
  const index = new Array<number>(shape.length).fill(0);
  let source = view.offset;
  for (let i = 0; i < out.length; i++) {
    out[i] = values[source]!;
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      index[axis]! += 1;
      source += strides[axis]!;
      if (index[axis]! < shape[axis]!) break;
      source -= strides[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
  return out;
}
