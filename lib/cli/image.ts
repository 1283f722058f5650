/**
 * A PNG image as an MNIST-style input: grayscale, a white digit on black, `rows x cols`.
 *
 * MNIST's digits were size-normalized into a 20x20 box (aspect ratio kept) and centred by their
 * centre of mass in a 28x28 field. An image already of the model's size is taken as it is (only
 * made grayscale and, on a light background, inverted); any other size goes through the same
 * normalization: crop to the ink, scale into the box by area averaging, centre by mass.
 */
import { PNG } from 'pngjs';
import { CliError } from './errors';

/** What {@link pngToInput} made of an image. */
export interface PngInput {
  /** `[rows * cols]` inputs in [0, 1], white (1) digit on black (0). */
  input: Float32Array;
  /** The same as bytes 0..255. */
  pixels: Uint8Array;
  /** The size of the PNG. */
  width: number;
  height: number;
  /** Whether the image was inverted (its background was light). */
  inverted: boolean;
  /** Whether it was cropped, scaled and centred (its size differed from the model's). */
  normalized: boolean;
}

/** The image formats {@link imageFormatOf} recognises (only PNG is read). */
export type ImageFormat = 'PNG' | 'JPEG' | 'GIF' | 'BMP' | 'WebP' | 'TIFF';

/**
 * The image format of `bytes` by its magic number, or `undefined` when it is none of the common
 * ones (an IDX file starts with two zero bytes, so it never matches). Lets predict say "a JPEG
 * image" instead of failing to parse it as IDX.
 *
 * @example
 * ```ts
 * imageFormatOf(readFileSync('photo.jpg')); // 'JPEG'
 * ```
 */
export function imageFormatOf(bytes: Uint8Array): ImageFormat | undefined {
  const starts = (...magic: number[]) =>
    bytes.length >= magic.length && magic.every((v, i) => bytes[i] === v);
  const ascii = (at: number, text: string) =>
    bytes.length >= at + text.length &&
    [...text].every((c, i) => bytes[at + i] === c.charCodeAt(0));
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'PNG';
  if (starts(0xff, 0xd8, 0xff)) return 'JPEG';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'GIF';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'WebP';
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'TIFF';
  // BMP: "BM", then the file size (little-endian) and two reserved zero words.
  if (ascii(0, 'BM') && bytes.length >= 14 && starts(...bytes.subarray(0, 6), 0, 0, 0, 0))
    return 'BMP';
  return undefined;
}

/**
 * Turn PNG bytes into a `[rows * cols]` input in [0, 1] as MNIST expects.
 *
 * @example
 * ```ts
 * const { input } = pngToInput(readFileSync('seven.png'), 28, 28);
 * net.classify(input); // Uint8Array [7]
 * ```
 */
export function pngToInput(bytes: Buffer, rows: number, cols: number, source = 'image'): PngInput {
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (error) {
    throw new CliError(
      'ERR_BLASNET_FORMAT',
      `${source}: not a readable PNG image (${(error as Error).message})`,
    );
  }
  const { width, height, data } = png;
  if (width === 0 || height === 0)
    throw new CliError('ERR_BLASNET_FORMAT', `${source}: the image is empty`);
  const n = width * height;
  // Luminance and alpha in [0, 1].
  const gray = new Float32Array(n);
  const alpha = new Float32Array(n);
  let translucent = false;
  for (let i = 0; i < n; i++) {
    gray[i] = (0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]) / 255;
    alpha[i] = data[4 * i + 3] / 255;
    if (alpha[i] < 1) translucent = true;
  }
  if (translucent) {
    // A drawing on a transparent canvas: composite over the colour opposite its ink.
    let inkSum = 0;
    let weight = 0;
    for (let i = 0; i < n; i++) {
      inkSum += alpha[i] * gray[i];
      weight += alpha[i];
    }
    const background = weight > 0 && inkSum / weight < 0.5 ? 1 : 0;
    for (let i = 0; i < n; i++) gray[i] = alpha[i] * gray[i] + (1 - alpha[i]) * background;
  }
  // Light background (judged by the border): invert to a white digit on black.
  let border = 0;
  let count = 0;
  for (let x = 0; x < width; x++) {
    border += gray[x] + gray[(height - 1) * width + x];
    count += 2;
  }
  for (let y = 1; y < height - 1; y++) {
    border += gray[y * width] + gray[y * width + width - 1];
    count += 2;
  }
  const inverted = border / count > 0.5;
  if (inverted) for (let i = 0; i < n; i++) gray[i] = 1 - gray[i];

  let input: Float32Array;
  let normalized = false;
  if (width === cols && height === rows) {
    input = gray;
  } else {
    input = normalizeDigit(gray, width, height, rows, cols);
    normalized = true;
  }
  const pixels = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const v = Math.min(1, Math.max(0, input[i]));
    input[i] = v;
    pixels[i] = Math.round(v * 255);
  }
  return { input, pixels, width, height, inverted, normalized };
}

/**
 * Area-averaging resample of a `[sh, sw]` image to `[dh, dw]`: each target pixel is the mean of
 * the source area it covers (fractional pixels weighted by coverage).
 */
export function resampleArea(
  src: Float32Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
): Float32Array {
  const out = new Float32Array(dw * dh);
  const fx = sw / dw;
  const fy = sh / dh;
  for (let dy = 0; dy < dh; dy++) {
    const y0 = dy * fy;
    const y1 = y0 + fy;
    for (let dx = 0; dx < dw; dx++) {
      const x0 = dx * fx;
      const x1 = x0 + fx;
      let sum = 0;
      let area = 0;
      for (let sy = Math.floor(y0); sy < Math.min(sh, Math.ceil(y1)); sy++) {
        const wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
        if (wy <= 0) continue;
        for (let sx = Math.floor(x0); sx < Math.min(sw, Math.ceil(x1)); sx++) {
          const wx = Math.min(x1, sx + 1) - Math.max(x0, sx);
          if (wx <= 0) continue;
          sum += src[sy * sw + sx] * wx * wy;
          area += wx * wy;
        }
      }
      out[dy * dw + dx] = area > 0 ? sum / area : 0;
    }
  }
  return out;
}

/** MNIST's normalization: crop to the ink, fit into a 20/28 box keeping the aspect ratio, centre by mass. */
function normalizeDigit(
  gray: Float32Array,
  width: number,
  height: number,
  rows: number,
  cols: number,
): Float32Array {
  // Bounding box of the ink (pixels above a fraction of the brightest).
  let max = 0;
  for (let i = 0; i < gray.length; i++) max = Math.max(max, gray[i]);
  const threshold = max * 0.2;
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (gray[y * width + x] > threshold) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  if (right < 0 || max === 0) return resampleArea(gray, width, height, cols, rows); // blank image
  const cw = right - left + 1;
  const ch = bottom - top + 1;
  const crop = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++)
    crop.set(gray.subarray((top + y) * width + left, (top + y) * width + left + cw), y * cw);
  const boxRows = Math.max(1, Math.round((rows * 20) / 28));
  const boxCols = Math.max(1, Math.round((cols * 20) / 28));
  const scale = Math.min(boxCols / cw, boxRows / ch);
  const bw = Math.max(1, Math.min(cols, Math.round(cw * scale)));
  const bh = Math.max(1, Math.min(rows, Math.round(ch * scale)));
  const box = resampleArea(crop, cw, ch, bw, bh);
  // Centre of mass of the box, placed at the centre of the field.
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const v = box[y * bw + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const cx = mass > 0 ? mx / mass : bw / 2;
  const cy = mass > 0 ? my / mass : bh / 2;
  const ox = Math.min(cols - bw, Math.max(0, Math.round(cols / 2 - cx)));
  const oy = Math.min(rows - bh, Math.max(0, Math.round(rows / 2 - cy)));
  const out = new Float32Array(rows * cols);
  for (let y = 0; y < bh; y++) out.set(box.subarray(y * bw, (y + 1) * bw), (oy + y) * cols + ox);
  return out;
}
