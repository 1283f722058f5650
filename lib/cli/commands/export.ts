/**
 * `blasnet export <model> --format onnx|safetensors --out FILE`: a saved model as a file other
 * runtimes read: ONNX (onnxruntime in Python, C++, the browser) or safetensors (PyTorch's
 * `load_state_dict`, and back into blasnet).
 */
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { saveOnnx } from '../../interop/onnx';
import { saveSafetensors } from '../../interop/safetensors';
import { choiceOption, COMMON_OPTIONS, parseCommand } from '../args';
import { EXIT_CODES, UsageError } from '../errors';
import type { Output } from '../io';
import { describeNetwork, loadCliModel } from '../model';

/** `blasnet export --help`. */
export const EXPORT_HELP = `Usage: blasnet export <model> --out FILE [--format onnx|safetensors]

Write a saved model in a format other runtimes read:
  onnx         An ONNX model (opset 13): input "input" [batch, n0] float32, output
               "output" [batch, nL]; one Gemm per layer and its activation. Runs in
               onnxruntime (Python, C++, Node, the browser).
  safetensors  The weights as PyTorch names them for nn.Sequential(nn.Linear, act,
               nn.Linear, ...): 0.weight, 0.bias, 2.weight, ... (float32), with the
               sizes and activations in the metadata. blasnet loads it back with
               loadSafetensors().
The inputs are what the model was trained on: for the CLI's digit models, pixel
bytes divided by 255, one row of rows*cols values per image.

Options:
      --out FILE        The file to write (replaced atomically)
      --format NAME     onnx or safetensors (default: from the --out extension,
                        .onnx or .safetensors)
      --json            One JSON object: the files, format, sizes and bytes
  -h, --help            Show this help

Exit codes: 0 success, 1 unreadable model or unwritable output, 2 usage error.

Examples:
  blasnet export digits.blasnet --format onnx --out digits.onnx
  blasnet export digits.blasnet --out digits.safetensors
`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  out: { type: 'string' },
  format: { type: 'string' },
} as const;

const C = 'export';

type Format = 'onnx' | 'safetensors';
const FORMATS: readonly Format[] = ['onnx', 'safetensors'];

/** Run `blasnet export`. */
export async function exportCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(C, args, OPTIONS, {
    min: 1,
    max: 1,
    names: '<model> (the model file to export)',
  });
  if (values.help) {
    out.io.stdout.write(EXPORT_HELP);
    return EXIT_CODES.ok;
  }
  const file = positionals[0];
  const target = values.out;
  if (target === undefined || target === '')
    throw new UsageError(`Missing --out FILE for 'blasnet export'`, C);
  const fromExtension = extname(target).slice(1).toLowerCase();
  const guessed = (FORMATS as readonly string[]).includes(fromExtension)
    ? (fromExtension as Format)
    : undefined;
  if (values.format === undefined && guessed === undefined)
    throw new UsageError(
      `Missing --format onnx|safetensors for 'blasnet export' (or an --out file ending in .onnx or .safetensors)`,
      C,
    );
  const format = choiceOption<Format>(C, 'format', values.format, guessed ?? 'onnx', FORMATS);

  // Exporting runs no kernel: the js backend avoids loading the native addon for nothing.
  const { net, meta, inferred } = loadCliModel(file, 'js');
  if (format === 'onnx') saveOnnx(net, target);
  else
    saveSafetensors(
      net,
      target,
      // The CLI's decoding settings travel along (strings only: the format's rule).
      inferred
        ? undefined
        : {
            encoding: meta.encoding,
            classes: String(meta.classes),
            image: `${meta.rows}x${meta.cols}`,
            pixelScale: meta.pixelScale,
          },
    );
  const bytes = statSync(target).size;
  if (out.json) {
    out.record({
      model: file,
      out: target,
      format,
      bytes,
      network: { sizes: net.sizes, activations: net.activations },
    });
    return EXIT_CODES.ok;
  }
  out.line(`exported  ${file}: ${describeNetwork(net)}`);
  out.line(`to        ${target} (${format}, ${bytes} bytes)`);
  if (format === 'onnx')
    out.line(
      `tensors   input "input" [batch, ${net.inputSize}] float32 -> output "output" [batch, ${net.outputSize}]`,
    );
  else out.line(`tensors   ${net.depth} nn.Linear layers: 0.weight, 0.bias, ... (float32)`);
  return EXIT_CODES.ok;
}
