/** Reading a model directory's two files, with errors that name the file. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFileError } from './model-format';

export function readModelFiles(dir: string): { onnx: Uint8Array; modelJson: unknown } {
  const jsonPath = join(dir, 'model.json');
  const onnxPath = join(dir, 'model.onnx');
  let text: string;
  try {
    text = readFileSync(jsonPath, 'utf8');
  } catch (err) {
    throw new ModelFileError(
      jsonPath,
      `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(jsonPath, `not valid JSON (${(err as Error).message})`);
  }
  let onnx: Uint8Array;
  try {
    onnx = readFileSync(onnxPath);
  } catch (err) {
    throw new ModelFileError(
      onnxPath,
      `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  return { onnx, modelJson };
}
