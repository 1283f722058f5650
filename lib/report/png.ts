/**
 * Small grayscale PNGs of digits, as `data:` URIs for the report (pngjs, no network).
 */
import { PNG } from 'pngjs';
import { shapeError, typeError } from '../errors';
import { isUint8Array } from '../validate';

/**
 * The PNG bytes of a `[rows, cols]` grayscale image given as bytes 0..255 (MNIST: 0 is the
 * background). With `ink: 'dark'` the image is inverted: a dark digit on a light background.
 *
 * @example
 * ```ts
 * const bytes = grayscalePng(mnist.test.bytes.subarray(0, 784), 28, 28);
 * writeFileSync('digit.png', bytes);
 * ```
 */
export function grayscalePng(
  pixels: Uint8Array,
  rows: number,
  cols: number,
  ink: 'light' | 'dark' = 'light',
): Buffer {
  if (!isUint8Array(pixels)) throw typeError('pixels', 'a Uint8Array of gray levels', pixels);
  if (pixels.length !== rows * cols)
    throw shapeError(
      'pixels',
      `${rows} x ${cols} = ${rows * cols} gray levels`,
      `length ${pixels.length}`,
    );
  const png = new PNG({ width: cols, height: rows });
  for (let i = 0; i < pixels.length; i++) {
    const v = ink === 'dark' ? 255 - pixels[i] : pixels[i];
    png.data[4 * i] = v;
    png.data[4 * i + 1] = v;
    png.data[4 * i + 2] = v;
    png.data[4 * i + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: 0 });
}

/**
 * A `data:image/png;base64,...` URI of a grayscale image (see {@link grayscalePng}).
 *
 * @example
 * ```ts
 * const src = digitDataUri(pixels, 28, 28, 'dark'); // <img src="..."> without a network fetch
 * ```
 */
export function digitDataUri(
  pixels: Uint8Array,
  rows: number,
  cols: number,
  ink: 'light' | 'dark' = 'dark',
): string {
  return `data:image/png;base64,${grayscalePng(pixels, rows, cols, ink).toString('base64')}`;
}
