/**
 * Inverted dropout with a counter-based mask, bit for bit as the native core computes it
 * (native/core/dropout.h; the function is spelled out in docs/dropout.md): whether unit j of row
 * r of hidden layer l is kept at step s is a hash of (seed, s, l, r, j) alone.
 * Kept units are scaled by 1/(1 − p) (torch.nn.Dropout in train mode), dropped ones multiplied by 0.
 */
import type { Layout } from '../spec';
import type { ActivationCode, Dropout } from '../types';
import { activationBackwardAt, biasActivateAt } from './activations';

/** MurmurHash3's 32-bit finalizer (fmix32), on uint32 values. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The key of one row of hidden layer `layer` at `step` (taken mod 2^32). */
export function dropoutRowKey(seed: number, step: number, layer: number, row: number): number {
  let h = mix32(seed);
  h = mix32(h ^ (step >>> 0));
  h = mix32(h ^ layer);
  return mix32(h ^ row);
}

/** The 32 bits of unit `unit` of a row: the row key plus a Weyl step per unit, mixed. */
export function dropoutBits(rowKey: number, unit: number): number {
  return mix32(rowKey + Math.imul(unit, 0x9e3779b9));
}

/** The rate of hidden layer l (1..L−1) under `dropout`; 0 without it, and for the output layer. */
export function dropoutRate(
  layout: Layout,
  dropout: Dropout | null | undefined,
  l: number,
): number {
  return dropout && l >= 1 && l < layout.L ? dropout[1 + l] : 0;
}

/**
 * m[r, j] ← m[r, j] · (kept ? 1/(1 − p) : 0) over a `[rows, cols]` block at m[off], for hidden
 * layer l at `step`: a^l after σ in forward, δ^l after σ' in backward (the same mask).
 */
export function applyDropoutAt(
  dropout: Dropout,
  step: number,
  l: number,
  m: Float32Array,
  off: number,
  rows: number,
  cols: number,
): void {
  const p = dropout[1 + l];
  const threshold = Math.floor(p * 4294967296);
  const scale = Math.fround(1 / (1 - p));
  for (let r = 0; r < rows; r++) {
    const key = dropoutRowKey(dropout[0], step, l, r);
    const o = off + r * cols;
    for (let j = 0; j < cols; j++) m[o + j] *= dropoutBits(key, j) >= threshold ? scale : 0;
  }
}

// σ(z) of one row computed again (see dropoutBackwardAt), grown as needed, never shrunk.
let zCopy = new Float32Array(0);
let aTrue = new Float32Array(0);
let zeros = new Float32Array(0);

/**
 * BP2's σ' for hidden layer l with dropout, over `[rows, cols]` blocks of delta and z at `off`:
 * delta ← delta ∘ σ'(z) ∘ mask · 1/(1 − p). σ' needs a = σ(z) before the mask and the stored a is
 * masked, so a is computed again from z by the forward pass's own σ (the same bits).
 */
export function dropoutBackwardAt(
  dropout: Dropout,
  step: number,
  l: number,
  delta: Float32Array,
  z: Float32Array,
  off: number,
  rows: number,
  cols: number,
  act: ActivationCode,
): void {
  if (zCopy.length < cols) {
    zCopy = new Float32Array(cols);
    aTrue = new Float32Array(cols);
    zeros = new Float32Array(cols);
  }
  for (let r = 0; r < rows; r++) {
    const o = off + r * cols;
    zCopy.set(z.subarray(o, o + cols));
    // z + 0 is z (and −0 + 0 = +0 changes no σ'), so this is forward's σ, whatever the code.
    biasActivateAt(zCopy, 0, aTrue, 0, zeros, 0, 1, cols, act);
    activationBackwardAt(delta, o, z, o, aTrue, 0, 1, cols, act);
  }
  applyDropoutAt(dropout, step, l, delta, off, rows, cols);
}
