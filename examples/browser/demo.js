// The demo page: draw a digit, see blasnet classify it. The bundle (npm run build:browser) is
// plain ES module JavaScript with no Node built-ins; the model is a file `blasnet train` wrote.
import { deserializeNetwork } from '../../dist/browser/blasnet.mjs';

const pad = document.getElementById('pad');
const preview = document.getElementById('preview');
const statusLine = document.getElementById('status');
const ink = pad.getContext('2d', { willReadFrequently: true });

/**
 * The drawing as MNIST's digits were made: cropped to the ink, scaled into a 20x20 box (aspect
 * kept), placed in 28x28 with its centre of mass at the centre; values in [0, 1], white on black.
 * Returns null for an empty pad.
 */
export function toInput(canvas) {
  const { width, height } = canvas;
  const rgba = canvas
    .getContext('2d', { willReadFrequently: true })
    .getImageData(0, 0, width, height).data;
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (rgba[4 * (y * width + x)] > 40) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  if (right < 0) return null;
  const cw = right - left + 1;
  const ch = bottom - top + 1;
  const scale = 20 / Math.max(cw, ch);
  const bw = Math.max(1, Math.round(cw * scale));
  const bh = Math.max(1, Math.round(ch * scale));
  const box = document.createElement('canvas');
  box.width = bw;
  box.height = bh;
  const boxContext = box.getContext('2d', { willReadFrequently: true });
  boxContext.imageSmoothingEnabled = true;
  boxContext.imageSmoothingQuality = 'high';
  boxContext.drawImage(canvas, left, top, cw, ch, 0, 0, bw, bh);
  const small = boxContext.getImageData(0, 0, bw, bh).data;
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const v = small[4 * (y * bw + x)] / 255;
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  // Shift so the centre of mass lands on the field's centre (13.5 in pixel indices), in bounds.
  const ox = Math.min(28 - bw, Math.max(0, Math.round(13.5 - mx / mass)));
  const oy = Math.min(28 - bh, Math.max(0, Math.round(13.5 - my / mass)));
  const input = new Float32Array(28 * 28);
  for (let y = 0; y < bh; y++)
    for (let x = 0; x < bw; x++) input[(y + oy) * 28 + x + ox] = small[4 * (y * bw + x)] / 255;
  return input;
}

function showPreview(input) {
  const context = preview.getContext('2d');
  const image = context.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(255 * (input ? input[i] : 0));
    image.data.set([v, v, v, 255], 4 * i);
  }
  context.putImageData(image, 0, 0);
}

function showOutputs(outputs) {
  const bars = document.getElementById('bars');
  bars.textContent = '';
  if (!outputs) {
    document.getElementById('label').textContent = '–';
    document.getElementById('confidence').textContent = 'draw a digit on the left';
    return;
  }
  let best = 0;
  for (let j = 1; j < outputs.length; j++) if (outputs[j] > outputs[best]) best = j;
  document.getElementById('label').textContent = String(best);
  document.getElementById('confidence').textContent =
    `${(100 * outputs[best]).toFixed(1)}% sure it is a ${best}`;
  outputs.forEach((p, j) => {
    const row = document.createElement('div');
    row.className = j === best ? 'bar top' : 'bar';
    row.innerHTML = `<b>${j}</b><div><span style="width:${(100 * p).toFixed(1)}%"></span></div><small>${(100 * p).toFixed(1)}%</small>`;
    bars.append(row);
  });
}

async function start() {
  const t0 = performance.now();
  const response = await fetch('./digits.blasnet');
  if (!response.ok) throw new Error(`cannot fetch digits.blasnet: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const net = deserializeNetwork(bytes, { source: 'digits.blasnet' });
  const loadMs = performance.now() - t0;
  // The first predict pays for the first compilation of the kernels: time it once, on a blank.
  const t1 = performance.now();
  net.predict(new Float32Array(784));
  const firstPredictMs = performance.now() - t1;

  const classify = () => {
    const input = toInput(pad);
    showPreview(input);
    showOutputs(input ? net.predict(input) : null);
  };
  let drawing = false;
  const at = (event) => {
    const r = pad.getBoundingClientRect();
    return [
      ((event.clientX - r.left) * pad.width) / r.width,
      ((event.clientY - r.top) * pad.height) / r.height,
    ];
  };
  pad.addEventListener('pointerdown', (event) => {
    drawing = true;
    pad.setPointerCapture(event.pointerId);
    ink.beginPath();
    ink.moveTo(...at(event));
  });
  pad.addEventListener('pointermove', (event) => {
    if (!drawing) return;
    ink.lineTo(...at(event));
    ink.stroke();
  });
  pad.addEventListener('pointerup', () => {
    drawing = false;
    classify();
  });
  document.getElementById('clear').addEventListener('click', () => {
    ink.fillRect(0, 0, pad.width, pad.height);
    classify();
  });
  ink.fillStyle = '#000';
  ink.fillRect(0, 0, pad.width, pad.height);
  ink.strokeStyle = '#fff';
  ink.lineWidth = 22;
  ink.lineCap = 'round';
  ink.lineJoin = 'round';

  const acts = net.activations;
  statusLine.textContent =
    `model [${net.sizes.join(', ')}] ${acts.slice(0, -1).join(', ')} → ${acts.at(-1)}, ` +
    `${(bytes.length / 1024).toFixed(0)} KiB, loaded and checked in ${loadMs.toFixed(1)} ms; ` +
    `first predict ${firstPredictMs.toFixed(2)} ms; backend ${net.backend.name}`;
  // For the browser test (test/73-browser.test.ts) and the curious, in the console.
  window.blasnetDemo = { net, toInput, classify, loadMs, firstPredictMs };
}

start().catch((error) => {
  statusLine.textContent = `error: ${error.message}`;
  window.blasnetDemo = { error: error.message };
});
