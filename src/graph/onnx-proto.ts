/**
 * Encode an ONNX ModelProto (IR version 8, default-domain opset 17) from plain objects.
 * Field numbers follow onnx/onnx.proto; tensors carry their bytes in `raw_data`
 * (little-endian, as the format requires), so a float32 weight is copied once into the model.
 */
import { RuntimeError } from '../core/index.js';
import { ProtoWriter } from './protobuf.js';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

/** ONNX TensorProto.DataType values used by the engine. */
export const OnnxDataType = { float: 1, int64: 7 } as const;
export type OnnxElementType = keyof typeof OnnxDataType;

/** A dimension is a fixed size or a symbolic name (`dim_param`), such as the batch. */
export type Dim = number | string;

export interface OnnxTensor {
  readonly name: string;
  readonly type: OnnxElementType;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

export type OnnxAttributeValue = number | readonly number[] | { float: number };

export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, OnnxAttributeValue>>;
  readonly domain?: string;
}

export interface OnnxValueInfo {
  readonly name: string;
  readonly type: OnnxElementType;
  readonly shape: readonly Dim[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeModel(graph: OnnxGraph): Uint8Array {
  if (!LITTLE_ENDIAN) throw new RuntimeError('ONNX raw tensor data needs a little-endian host');
  const model = new ProtoWriter();
  model.varintField(1, ONNX_IR_VERSION);
  model.stringField(2, 'explainseg');
  const opset = new ProtoWriter();
  opset.stringField(1, '');
  opset.varintField(2, ONNX_OPSET);
  model.messageField(8, opset);
  model.messageField(7, encodeGraph(graph));
  return model.finish();
}

function encodeGraph(graph: OnnxGraph): ProtoWriter {
  const out = new ProtoWriter();
  for (const node of graph.nodes) out.messageField(1, encodeNode(node));
  out.stringField(2, graph.name);
  for (const tensor of graph.initializers) out.messageField(5, encodeTensor(tensor));
  for (const input of graph.inputs) out.messageField(11, encodeValueInfo(input));
  for (const output of graph.outputs) out.messageField(12, encodeValueInfo(output));
  return out;
}

function encodeNode(node: OnnxNode): ProtoWriter {
  const out = new ProtoWriter();
  for (const input of node.inputs) out.stringField(1, input);
  for (const output of node.outputs) out.stringField(2, output);
  out.stringField(3, node.outputs[0] ?? node.opType);
  out.stringField(4, node.opType);
  if (node.domain) out.stringField(7, node.domain);
  for (const [name, value] of Object.entries(node.attributes ?? {})) out.messageField(5, encodeAttribute(name, value));
  return out;
}

const ATTRIBUTE_FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

function encodeAttribute(name: string, value: OnnxAttributeValue): ProtoWriter {
  const out = new ProtoWriter();
  out.stringField(1, name);
  if (typeof value === 'number') {
    out.varintField(20, ATTRIBUTE_INT);
    out.varintField(3, value);
  } else if (Array.isArray(value)) {
    out.varintField(20, ATTRIBUTE_INTS);
    for (const item of value as readonly number[]) out.varintField(8, item);
  } else {
    out.varintField(20, ATTRIBUTE_FLOAT);
    out.float32Field(2, (value as { float: number }).float);
  }
  return out;
}

function encodeTensor(tensor: OnnxTensor): ProtoWriter {
  const out = new ProtoWriter();
  for (const dim of tensor.dims) out.varintField(1, dim);
  out.varintField(2, OnnxDataType[tensor.type]);
  out.stringField(8, tensor.name);
  const { buffer, byteOffset, byteLength } = tensor.data;
  out.bytesField(9, new Uint8Array(buffer, byteOffset, byteLength));
  return out;
}

function encodeValueInfo(info: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const dim of info.shape) {
    const dimension = new ProtoWriter();
    if (typeof dim === 'number') dimension.varintField(1, dim);
    else dimension.stringField(2, dim);
    shape.messageField(1, dimension);
  }
  const tensorType = new ProtoWriter();
  tensorType.varintField(1, OnnxDataType[info.type]);
  tensorType.messageField(2, shape);
  const type = new ProtoWriter();
  type.messageField(1, tensorType);
  const out = new ProtoWriter();
  out.stringField(1, info.name);
  out.messageField(2, type);
  return out;
}
