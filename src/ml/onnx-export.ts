/**
 * Builds the ONNX graph for a linear model over hashed features:
 *   indices int32 [B,K], values float [B,K]  (padding: index 0, value 0; int32 avoids BigInt conversion in Node)
 *   → Gather(W[dim,C]) [B,K,C] → MatMul(Unsqueeze(values) [B,1,K], ·) [B,1,C] → Squeeze [B,C] → Add(b)
 *   → Softmax | Sigmoid
 * Output `scores` float [B,C]. Opset 13, no timestamps or random ids, so equal weights give equal bytes.
 * A batched MatMul does the weighted sum in one kernel; the earlier Mul + ReduceSum materialised a second [B,K,C]
 * tensor and took twice as long per session.run for the same scores (measured in bench, docs/bench.md).
 */
import onnxProto from 'onnx-proto';
import { TRAINER_VERSION } from './versions';

const { onnx } = onnxProto;

export const ONNX_INPUT_INDICES = 'indices';
export const ONNX_INPUT_VALUES = 'values';
export const ONNX_OUTPUT_SCORES = 'scores';
export const ONNX_WEIGHTS = 'W';
export const ONNX_BIAS = 'b';

export interface ExportableModel {
  kind: 'single' | 'multi';
  labels: readonly string[];
  featurizer: { dim: number };
  W: Float32Array;
  b: Float32Array;
}

/** Float32 raw data in little-endian order, as ONNX requires, whatever the host's byte order. */
function rawFloats(a: Float32Array): Uint8Array {
  const out = new Uint8Array(a.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat32(i * 4, a[i]!, true);
  return out;
}

function int64Tensor(name: string, values: number[]) {
  return onnx.TensorProto.create({
    name,
    dataType: onnx.TensorProto.DataType.INT64,
    dims: [values.length],
    int64Data: values,
  });
}

function valueInfo(name: string, elemType: number, dims: (string | number)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType,
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) =>
            typeof d === 'string'
              ? onnx.TensorShapeProto.Dimension.create({ dimParam: d })
              : onnx.TensorShapeProto.Dimension.create({ dimValue: d }),
          ),
        }),
      }),
    }),
  });
}

export function exportOnnx(model: ExportableModel): Uint8Array {
  const C = model.labels.length;
  const dim = model.featurizer.dim;
  if (model.W.length !== dim * C) throw new Error(`weight matrix has ${model.W.length} entries, expected ${dim}×${C}`);
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const nodes = [
    onnx.NodeProto.create({
      opType: 'Gather',
      input: [ONNX_WEIGHTS, ONNX_INPUT_INDICES],
      output: ['gathered'],
      name: 'gather',
      attribute: [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 })],
    }),
    onnx.NodeProto.create({
      opType: 'Unsqueeze',
      input: [ONNX_INPUT_VALUES, 'axis_k'],
      output: ['values_row'],
      name: 'unsqueeze',
    }),
    onnx.NodeProto.create({
      opType: 'MatMul',
      input: ['values_row', 'gathered'],
      output: ['weighted_sum'],
      name: 'matmul',
    }),
    onnx.NodeProto.create({
      opType: 'Squeeze',
      input: ['weighted_sum', 'axis_k'],
      output: ['summed'],
      name: 'squeeze',
    }),
    onnx.NodeProto.create({ opType: 'Add', input: ['summed', ONNX_BIAS], output: ['logits'], name: 'add' }),
    model.kind === 'single'
      ? onnx.NodeProto.create({
          opType: 'Softmax',
          input: ['logits'],
          output: [ONNX_OUTPUT_SCORES],
          name: 'softmax',
          attribute: [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 })],
        })
      : onnx.NodeProto.create({ opType: 'Sigmoid', input: ['logits'], output: [ONNX_OUTPUT_SCORES], name: 'sigmoid' }),
  ];
  const graph = onnx.GraphProto.create({
    name: 'label_bot_linear',
    node: nodes,
    initializer: [
      onnx.TensorProto.create({ name: ONNX_WEIGHTS, dataType: FLOAT, dims: [dim, C], rawData: rawFloats(model.W) }),
      onnx.TensorProto.create({ name: ONNX_BIAS, dataType: FLOAT, dims: [C], rawData: rawFloats(model.b) }),
      int64Tensor('axis_k', [1]),
    ],
    input: [
      valueInfo(ONNX_INPUT_INDICES, onnx.TensorProto.DataType.INT32, ['batch', 'k']),
      valueInfo(ONNX_INPUT_VALUES, FLOAT, ['batch', 'k']),
    ],
    output: [valueInfo(ONNX_OUTPUT_SCORES, FLOAT, ['batch', C])],
  });
  const proto = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'label-bot',
    producerVersion: TRAINER_VERSION,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 13 })],
    graph,
  });
  return onnx.ModelProto.encode(proto).finish();
}

/** Reads the weights back out of an exported model (used by the TypeScript reference scorer). */
export function readOnnxWeights(bytes: Uint8Array): {
  W: Float32Array;
  b: Float32Array;
  dims: number[];
  kind: 'single' | 'multi';
} {
  const model = onnx.ModelProto.decode(bytes);
  const init = model.graph?.initializer ?? [];
  const get = (name: string) => {
    const t = init.find((x) => x.name === name);
    if (!t || !t.rawData) throw new Error(`ONNX model has no raw initializer "${name}"`);
    const raw = t.rawData;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new Float32Array(raw.byteLength / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
    return { data: out, dims: (t.dims ?? []).map(Number) };
  };
  const W = get(ONNX_WEIGHTS);
  const b = get(ONNX_BIAS);
  const kind = (model.graph?.node ?? []).some((n) => n.opType === 'Softmax') ? 'single' : 'multi';
  return { W: W.data, b: b.data, dims: W.dims, kind };
}
