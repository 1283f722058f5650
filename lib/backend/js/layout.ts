/**
 * The decoded spec for a network call, cached per spec array so a training loop does not decode
 * (and allocate) once per batch. A copy of the spec guards against edits in place.
 */
import { decodeSpec, type Layout } from '../spec';

const cache = new WeakMap<Int32Array, { copy: Int32Array; layout: Layout }>();

function sameSpec(copy: Int32Array, spec: Int32Array): boolean {
  if (copy.length !== spec.length) return false;
  for (let i = 0; i < spec.length; i++) if (copy[i] !== spec[i]) return false;
  return true;
}

/** The {@link Layout} of a (valid) spec: sizes, activations and parameter offsets. */
export function layoutOf(spec: Int32Array): Layout {
  const hit = cache.get(spec);
  if (hit && sameSpec(hit.copy, spec)) return hit.layout;
  const layout = decodeSpec(spec);
  cache.set(spec, { copy: spec.slice(), layout });
  return layout;
}
