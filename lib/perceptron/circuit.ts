/**
 * Universality of NAND (lecture B.2), built: circuits whose only gate is the NAND perceptron.
 * A {@link Circuit} composes NAND gates into any boolean function; the derived gates (not, and,
 * or, xor, ...) are made of NANDs only, and evaluation runs every gate through one
 * {@link Perceptron} with θ = (3, −2, −2), never through JavaScript's boolean operators.
 *
 * Evaluation is batched: a circuit evaluates many input assignments at once, gate by gate in
 * topological order, and each gate is one `predict` of the NAND perceptron over a `[batch, 2]`
 * matrix of its two input wires (one sgemm on the backend).
 */
import type { BackendName } from '../backend/select';
import type { Backend } from '../backend/types';
import { rangeError, shapeError, typeError } from '../errors';
import { checkInt, checkOptions, isArray, isNumericTypedArray, isObject } from '../validate';
import { nandPerceptron } from './nand';
import type { Perceptron } from './perceptron';

/**
 * A wire of a {@link Circuit}: a named input, or the output of one NAND gate.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const a: Wire = c.input('a');
 * a.kind; // 'input'
 * c.not(a).kind; // 'nand'
 * ```
 */
export class Wire {
  /**
   * Not called directly: a circuit makes its wires.
   *
   * @internal
   * @example
   * ```ts
   * const a = circuit.input('a'); // a Wire; gates such as circuit.not(a) return new ones
   * ```
   */
  constructor(
    /** The circuit the wire belongs to. */
    readonly circuit: Circuit,
    /** Position of the wire in its circuit (inputs and gates, in creation order). */
    readonly id: number,
    /** `'input'` or `'nand'` (a gate's output). */
    readonly kind: 'input' | 'nand',
    /** The input's name, or `g<id>` for a gate. */
    readonly label: string,
  ) {}
}

/**
 * Options of {@link Circuit} and the circuit builders.
 *
 * @example
 * ```ts
 * const c = new Circuit({ backend: 'js' });
 * ```
 */
export interface CircuitOptions {
  /** Backend of the NAND perceptron. Default `'auto'`. */
  backend?: BackendName | Backend;
}

/**
 * A 0/1 input value; booleans are accepted too.
 *
 * @example
 * ```ts
 * circuit.evaluate({ a: 1, b: false });
 * ```
 */
export type Bit = 0 | 1 | boolean;

interface Gate {
  a: number;
  b: number;
}

/** Inputs per truth table: 2^16 rows at most. */
const MAX_TABLE_INPUTS = 16;

/**
 * A boolean circuit of NAND perceptrons.
 *
 * @example
 * ```ts
 * const c = new Circuit();
 * const a = c.input('a');
 * const b = c.input('b');
 * c.output('xor', c.xor(a, b));
 * c.evaluate({ a: 1, b: 0 }); // { xor: 1 }
 * c.gateCount; // 4
 * ```
 */
export class Circuit {
  /** The NAND perceptron every gate of this circuit runs through. */
  readonly gate: Perceptron;
  private readonly wires: Wire[] = [];
  /** gates[id] for a NAND wire, undefined for an input. */
  private readonly gates: (Gate | undefined)[] = [];

  /** The gate of a NAND wire. live() yields gates only, so a miss is a bug in Circuit itself. */
  private gateAt(id: number): Gate {
    const g = this.gates[id];
    if (g === undefined) throw new Error(`blasnet: internal error, wire ${id} is not a gate`);
    return g;
  }
  private readonly inputIds = new Map<string, number>();
  private readonly outputIds = new Map<string, number>();
  /** Structural hashing: the wire computing nand(a, b), keyed by "min,max". */
  private readonly nandOf = new Map<string, number>();
  private liveCache: number[] | undefined;

  /**
   * An empty circuit: declare inputs, combine them with NANDs, name the outputs.
   *
   * @example
   * ```ts
   * const circuit = new Circuit({ backend: 'js' });
   * ```
   */
  constructor(options?: CircuitOptions) {
    const opts = checkOptions<CircuitOptions>('options', options, ['backend']);
    this.gate = nandPerceptron(opts.backend);
  }

  /**
   * Declare an input; its name must be new and non-empty.
   *
   * @example
   * ```ts
   * const a = circuit.input('a');
   * ```
   */
  input(name: string): Wire {
    checkName('name', name);
    if (this.inputIds.has(name)) throw rangeError('name', 'the name of a new input', name);
    const wire = this.addWire('input', name);
    this.inputIds.set(name, wire.id);
    return wire;
  }

  /**
   * The one primitive: a NAND gate on two wires (one may be given twice). The same pair twice
   * returns the same gate.
   *
   * @example
   * ```ts
   * const g = circuit.nand(a, b); // 1 unless a = b = 1
   * ```
   */
  nand(a: Wire, b: Wire): Wire {
    const x = this.own('a', a).id;
    const y = this.own('b', b).id;
    const key = x <= y ? `${x},${y}` : `${y},${x}`;
    const known = this.nandOf.get(key);
    if (known !== undefined) return this.wires[known];
    const wire = this.addWire('nand');
    this.gates[wire.id] = { a: x, b: y };
    this.nandOf.set(key, wire.id);
    return wire;
  }

  /**
   * ¬a = nand(a, a): 1 gate (0 when a is itself a NOT: ¬¬x is x).
   *
   * @example
   * ```ts
   * const na = circuit.not(a);
   * ```
   */
  not(a: Wire): Wire {
    const gate = this.gates[this.own('a', a).id];
    if (gate && gate.a === gate.b) return this.wires[gate.a];
    return this.nand(a, a);
  }

  /**
   * a ∧ b ∧ ... = ¬nand(a, b) (2 gates per pair), a balanced tree for more than two.
   *
   * @example
   * ```ts
   * const all = circuit.and(a, b, c);
   * ```
   */
  and(a: Wire, b: Wire, ...more: Wire[]): Wire {
    return this.tree([a, b, ...more], (x, y) => this.not(this.nand(x, y)));
  }

  /**
   * a ∨ b ∨ ... = nand(¬a, ¬b) (3 gates per pair), a balanced tree for more than two.
   *
   * @example
   * ```ts
   * const any = circuit.or(a, b);
   * ```
   */
  or(a: Wire, b: Wire, ...more: Wire[]): Wire {
    return this.tree([a, b, ...more], (x, y) => this.nand(this.not(x), this.not(y)));
  }

  /**
   * ¬(a ∨ b ∨ ...).
   *
   * @example
   * ```ts
   * const none = circuit.nor(a, b);
   * ```
   */
  nor(a: Wire, b: Wire, ...more: Wire[]): Wire {
    return this.not(this.or(a, b, ...more));
  }

  /**
   * a ⊕ b ⊕ ...: t = nand(a, b), nand(nand(a, t), nand(b, t)), the classic 4-gate XOR per pair,
   * a balanced tree for more than two (parity).
   *
   * @example
   * ```ts
   * const odd = circuit.xor(a, b, c, d);
   * ```
   */
  xor(a: Wire, b: Wire, ...more: Wire[]): Wire {
    return this.tree([a, b, ...more], (x, y) => {
      const t = this.nand(x, y);
      return this.nand(this.nand(x, t), this.nand(y, t));
    });
  }

  /**
   * ¬(a ⊕ b ⊕ ...).
   *
   * @example
   * ```ts
   * const equal = circuit.xnor(a, b);
   * ```
   */
  xnor(a: Wire, b: Wire, ...more: Wire[]): Wire {
    return this.not(this.xor(a, b, ...more));
  }

  /**
   * The constant 1 from NANDs only: nand(x, ¬x) on the first input (2 gates). Needs an input.
   *
   * @example
   * ```ts
   * circuit.input('a');
   * const t = circuit.one(); // always 1
   * ```
   */
  one(): Wire {
    if (this.inputIds.size === 0)
      throw rangeError(
        'circuit',
        'at least one input before a constant (constants are built from NANDs of an input)',
        0,
      );
    const [first] = this.inputIds.values();
    const x = this.wires[first];
    return this.nand(x, this.not(x));
  }

  /**
   * The constant 0 = ¬1 (3 gates). Needs an input.
   *
   * @example
   * ```ts
   * const f = circuit.zero(); // always 0
   * ```
   */
  zero(): Wire {
    return this.not(this.one());
  }

  /**
   * Name a wire as an output; returns the circuit for chaining.
   *
   * @example
   * ```ts
   * circuit.output('sum', s).output('carry', c);
   * ```
   */
  output(name: string, wire: Wire): this {
    checkName('name', name);
    if (this.outputIds.has(name)) throw rangeError('name', 'the name of a new output', name);
    this.outputIds.set(name, this.own('wire', wire).id);
    this.liveCache = undefined;
    return this;
  }

  /**
   * Input names, in declaration order (the order of truth-table bits, first = most significant).
   *
   * @example
   * ```ts
   * circuit.inputNames; // ['a', 'b', 'cin']
   * ```
   */
  get inputNames(): string[] {
    return [...this.inputIds.keys()];
  }

  /**
   * Output names, in declaration order.
   *
   * @example
   * ```ts
   * circuit.outputNames; // ['sum', 'carry']
   * ```
   */
  get outputNames(): string[] {
    return [...this.outputIds.keys()];
  }

  /**
   * NAND gates the outputs depend on (gates no output uses are not counted, nor run).
   *
   * @example
   * ```ts
   * fullAdder().gateCount; // 9
   * ```
   */
  get gateCount(): number {
    return this.live().length;
  }

  /**
   * The longest chain of NAND gates from an input to an output.
   *
   * @example
   * ```ts
   * parity(8).depth; // 9: three levels of 3-gate-deep XORs
   * ```
   */
  get depth(): number {
    const level = new Map<number, number>();
    let deepest = 0;
    for (const id of this.live()) {
      const g = this.gateAt(id);
      const d = 1 + Math.max(level.get(g.a) ?? 0, level.get(g.b) ?? 0);
      level.set(id, d);
      deepest = Math.max(deepest, d);
    }
    return deepest;
  }

  /**
   * The outputs for one assignment of every input (0/1 or booleans), each gate computed by the
   * NAND perceptron.
   *
   * @example
   * ```ts
   * fullAdder().evaluate({ a: 1, b: 1, cin: 0 }); // { sum: 0, carry: 1 }
   * ```
   */
  evaluate(assignment: Record<string, Bit>): Record<string, 0 | 1> {
    if (!isObject(assignment) || isArray(assignment)) {
      throw typeError('assignment', 'an object of input values like { a: 1, b: 0 }', assignment);
    }
    for (const key of Object.keys(assignment)) {
      if (!this.inputIds.has(key))
        throw rangeError(
          `assignment.${key}`,
          `an input of the circuit (${this.inputNames.join(', ') || 'none'})`,
          key,
        );
    }
    const columns = this.inputNames.map((name) => {
      const v = assignment[name];
      if (v === undefined)
        throw rangeError(`assignment.${name}`, 'a value (0 or 1) for every input', v);
      return Uint8Array.of(toBit(`assignment.${name}`, v));
    });
    const out: Record<string, 0 | 1> = {};
    const values = this.run(columns, 1);
    for (const [name, column] of Object.entries(values)) out[name] = column[0] as 0 | 1;
    return out;
  }

  /**
   * Every output over all 2^n input assignments: row i sets input j (0-based, declaration order)
   * to bit n − 1 − j of i, so the first input is the most significant bit (rows 00, 01, 10, 11
   * for two inputs). At most 16 inputs.
   *
   * @example
   * ```ts
   * fromTruthTable([0, 1, 1, 0]).truthTable(); // { out: Uint8Array [0, 1, 1, 0] }
   * ```
   */
  truthTable(): Record<string, Uint8Array> {
    const n = this.inputIds.size;
    if (n > MAX_TABLE_INPUTS)
      throw rangeError('circuit', `at most ${MAX_TABLE_INPUTS} inputs for a truth table`, n);
    const rows = 2 ** n;
    const columns = this.inputNames.map((_, j) => {
      const column = new Uint8Array(rows);
      const shift = n - 1 - j;
      for (let i = 0; i < rows; i++) column[i] = (i >> shift) & 1;
      return column;
    });
    return this.run(columns, rows);
  }

  /** Evaluate the live gates over `batch` assignments, one perceptron call per gate. */
  private run(inputColumns: Uint8Array[], batch: number): Record<string, Uint8Array> {
    if (this.outputIds.size === 0)
      throw rangeError(
        'circuit',
        'at least one output (declare one with circuit.output(name, wire))',
        0,
      );
    const values: (Uint8Array | undefined)[] = new Array(this.wires.length);
    [...this.inputIds.values()].forEach((id, j) => (values[id] = inputColumns[j]));
    const x = new Float32Array(batch * 2); // [batch, 2]: the gate's two input wires, one row per assignment
    for (const id of this.live()) {
      const g = this.gateAt(id);
      const va = computed(values, g.a);
      const vb = computed(values, g.b);
      for (let i = 0; i < batch; i++) {
        x[2 * i] = va[i];
        x[2 * i + 1] = vb[i];
      }
      values[id] = this.gate.predict(x); // f(3 − 2a − 2b) for every assignment at once
    }
    const out: Record<string, Uint8Array> = {};
    for (const [name, id] of this.outputIds) out[name] = computed(values, id).slice();
    return out;
  }

  /** Gate ids the outputs depend on, in creation (= topological) order. */
  private live(): number[] {
    if (this.liveCache) return this.liveCache;
    const needed = new Uint8Array(this.wires.length);
    const stack = [...this.outputIds.values()];
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      if (needed[id]) continue;
      needed[id] = 1;
      const g = this.gates[id];
      if (g) stack.push(g.a, g.b);
    }
    this.liveCache = [];
    for (let id = 0; id < this.wires.length; id++)
      if (needed[id] && this.gates[id]) this.liveCache.push(id);
    return this.liveCache;
  }

  private tree(wires: Wire[], pair: (a: Wire, b: Wire) => Wire): Wire {
    wires.forEach((w, i) => this.own(`wires[${i}]`, w));
    let level = wires;
    while (level.length > 1) {
      const next: Wire[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(pair(level[i], level[i + 1]));
      if (level.length % 2 === 1) next.push(level[level.length - 1]);
      level = next;
    }
    return level[0];
  }

  private addWire(kind: 'input' | 'nand', name?: string): Wire {
    const id = this.wires.length;
    const wire = new Wire(this, id, kind, name ?? `g${id}`);
    this.wires.push(wire);
    this.gates.push(undefined);
    this.liveCache = undefined;
    return wire;
  }

  private own(name: string, wire: unknown): Wire {
    if (!(wire instanceof Wire)) throw typeError(name, 'a Wire of this circuit', wire);
    if (wire.circuit !== this || this.wires[wire.id] !== wire)
      throw rangeError(name, 'a Wire of this circuit (not of another one)', wire.label);
    return wire;
  }
}

/**
 * Options of {@link fromTruthTable}.
 *
 * @example
 * ```ts
 * const options: TruthTableOptions = { inputs: ['a', 'b'], output: 'f', backend: 'js' };
 * ```
 */
export interface TruthTableOptions extends CircuitOptions {
  /** Names of the n inputs, first = most significant bit of the row index. Default x1 .. xn. */
  inputs?: string[];
  /** Name of the output. Default `'out'`. */
  output?: string;
}

/**
 * A NAND-only circuit for any boolean function of n inputs (1 <= n <= 16), given by its truth
 * table: `table[i]` is the output for the row whose bits (first input most significant) spell i,
 * so 2^n entries, each 0/1 or a boolean.
 *
 * The construction is a sum of products in NAND-NAND form: the prime implicants of the ones
 * (Quine-McCluskey for n <= 10, plain minterms above) are covered greedily after the essential
 * ones; each product term is a NAND of its literals and the sum is a NAND of those NANDs
 * (f = ¬(¬t₁ ∧ ¬t₂ ∧ ...)). The same is built for ¬f from the zeros with one NOT on top, and
 * the circuit with fewer gates is kept. Constant functions use {@link Circuit.one}/{@link Circuit.zero}.
 *
 * @example
 * ```ts
 * const xor = fromTruthTable([0, 1, 1, 0], { inputs: ['a', 'b'] });
 * xor.evaluate({ a: 1, b: 1 }); // { out: 0 }
 * xor.gateCount; // 5
 * ```
 */
export function fromTruthTable(
  table: ArrayLike<number | boolean>,
  options?: TruthTableOptions,
): Circuit {
  const opts = checkOptions<TruthTableOptions>('options', options, ['inputs', 'output', 'backend']);
  if (!(isArray(table) || isNumericTypedArray(table))) {
    throw typeError('table', 'an array of 2^n outputs (0/1 or booleans)', table);
  }
  const rows = (table as ArrayLike<unknown>).length;
  const n = Math.round(Math.log2(rows));
  if (rows < 2 || 2 ** n !== rows || n > MAX_TABLE_INPUTS) {
    throw shapeError(
      'table',
      `2^n entries for n inputs, 1 <= n <= ${MAX_TABLE_INPUTS} (2, 4, 8, ...)`,
      `length ${rows}`,
    );
  }
  const bits = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) bits[i] = toBit(`table[${i}]`, (table as ArrayLike<unknown>)[i]);
  const names =
    opts.inputs === undefined
      ? Array.from({ length: n }, (_, j) => `x${j + 1}`)
      : checkNames(opts.inputs, n);
  const outName = opts.output ?? 'out';
  checkName('options.output', outName);

  const build = (negate: boolean): Circuit => {
    const c = new Circuit(opts.backend === undefined ? {} : { backend: opts.backend });
    const inputs = names.map((name) => c.input(name));
    const target = negate ? 0 : 1;
    const minterms: number[] = [];
    for (let i = 0; i < rows; i++) if (bits[i] === target) minterms.push(i);
    let f: Wire;
    if (minterms.length === 0) f = c.zero();
    else if (minterms.length === rows) f = c.one();
    else {
      const terms = cover(minterms, n).map(({ value, mask }) => {
        const literals: Wire[] = [];
        for (let j = 0; j < n; j++) {
          const bit = 1 << (n - 1 - j);
          if (mask & bit) continue;
          literals.push(value & bit ? inputs[j] : c.not(inputs[j]));
        }
        return literals;
      });
      // Σ t_k as ¬∧_k ¬t_k, with ¬t_k = nand(literals of t_k): two levels of NAND.
      const notTerms = terms.map((lits) =>
        lits.length === 1 ? c.not(lits[0]) : c.not(andAll(c, lits)),
      );
      f = notTerms.length === 1 ? c.not(notTerms[0]) : c.not(andAll(c, notTerms));
    }
    if (negate) f = c.not(f);
    return c.output(outName, f);
  };
  const direct = build(false);
  const complement = build(true);
  return complement.gateCount < direct.gateCount ? complement : direct;
}

function andAll(c: Circuit, wires: Wire[]): Wire {
  return wires.length === 1 ? wires[0] : c.and(wires[0], wires[1], ...wires.slice(2));
}

/** An implicant: the rows whose bits equal `value` outside `mask` (mask bits are "don't care"). */
interface Implicant {
  value: number;
  mask: number;
}

/** A small cover of the minterms by implicants (Quine-McCluskey primes for n <= 10). */
function cover(minterms: number[], n: number): Implicant[] {
  if (n > 10) return minterms.map((value) => ({ value, mask: 0 }));
  // Prime implicants: merge pairs that differ in one cared-for bit until nothing merges.
  let current = new Map<string, Implicant>(minterms.map((m) => [`0:${m}`, { value: m, mask: 0 }]));
  const primes: Implicant[] = [];
  while (current.size > 0) {
    const next = new Map<string, Implicant>();
    const merged = new Set<string>();
    for (const [key, t] of current) {
      for (let bit = 0; bit < n; bit++) {
        const b = 1 << bit;
        if (t.mask & b || t.value & b) continue;
        const partner = `${t.mask}:${t.value | b}`;
        if (!current.has(partner)) continue;
        merged.add(key).add(partner);
        const m = { value: t.value, mask: t.mask | b };
        next.set(`${m.mask}:${m.value}`, m);
      }
    }
    for (const [key, t] of current) if (!merged.has(key)) primes.push(t);
    current = next;
  }
  const covers = (t: Implicant, m: number) => (m & ~t.mask) === t.value;
  // Essential primes first, then greedily the prime covering the most rows still uncovered.
  const left = new Set(minterms);
  const chosen: Implicant[] = [];
  const take = (t: Implicant) => {
    chosen.push(t);
    for (const m of [...left]) if (covers(t, m)) left.delete(m);
  };
  for (const m of minterms) {
    if (!left.has(m)) continue;
    const by = primes.filter((t) => covers(t, m));
    if (by.length === 1 && !chosen.includes(by[0])) take(by[0]);
  }
  while (left.size > 0) {
    let best = primes[0];
    let bestCount = -1;
    for (const t of primes) {
      let count = 0;
      for (const m of left) if (covers(t, m)) count++;
      if (count > bestCount || (count === bestCount && popcount(t.mask) > popcount(best.mask))) {
        best = t;
        bestCount = count;
      }
    }
    take(best);
  }
  return chosen;
}

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}

/**
 * A 1-bit full adder of NAND perceptrons: inputs a, b, cin; outputs sum = a ⊕ b ⊕ cin and
 * carry = ab ∨ cin(a ⊕ b). The classic 9-NAND construction (two 4-gate half adders sharing
 * their first NANDs, and one NAND joining the carries).
 *
 * @example
 * ```ts
 * const adder = fullAdder();
 * adder.evaluate({ a: 1, b: 0, cin: 1 }); // { sum: 0, carry: 1 }
 * adder.gateCount; // 9
 * ```
 */
export function fullAdder(options?: CircuitOptions): Circuit {
  const c = new Circuit(options);
  const a = c.input('a');
  const b = c.input('b');
  const cin = c.input('cin');
  const t1 = c.nand(a, b); // ¬(ab)
  const x = c.nand(c.nand(a, t1), c.nand(b, t1)); // a ⊕ b
  const t2 = c.nand(x, cin); // ¬((a ⊕ b)·cin)
  const sum = c.nand(c.nand(x, t2), c.nand(cin, t2)); // a ⊕ b ⊕ cin
  const carry = c.nand(t1, t2); // ab ∨ (a ⊕ b)cin
  return c.output('sum', sum).output('carry', carry);
}

/**
 * n-bit parity of NAND perceptrons: inputs x1 .. xn, output `parity` = x1 ⊕ .. ⊕ xn (1 when an
 * odd number of inputs are 1), a balanced tree of 4-gate XORs: 4(n − 1) gates, depth 3⌈log₂ n⌉.
 *
 * @example
 * ```ts
 * const p = parity(8);
 * p.evaluate({ x1: 1, x2: 1, x3: 1, x4: 0, x5: 0, x6: 0, x7: 0, x8: 0 }); // { parity: 1 }
 * ```
 */
export function parity(bits: number, options?: CircuitOptions): Circuit {
  const n = checkInt('bits', bits, 2, 64);
  const c = new Circuit(options);
  const xs = Array.from({ length: n }, (_, j) => c.input(`x${j + 1}`));
  return c.output('parity', c.xor(xs[0], xs[1], ...xs.slice(2)));
}

/**
 * The 16 boolean functions of two variables, numbered by their truth table: function k outputs
 * bit 3 − i of k on row i (rows 00, 01, 10, 11), so `table` reads f(0,0) f(0,1) f(1,0) f(1,1).
 *
 * @example
 * ```ts
 * const xor = TWO_INPUT_FUNCTIONS[6]; // { name: 'XOR', formula: 'a ⊕ b', table: [0, 1, 1, 0] }
 * fromTruthTable(xor.table, { inputs: ['a', 'b'] }).gateCount; // 5
 * ```
 */
export const TWO_INPUT_FUNCTIONS: readonly {
  readonly name: string;
  readonly formula: string;
  readonly table: readonly (0 | 1)[];
}[] = Object.freeze(
  (
    [
      ['FALSE', '0'],
      ['AND', 'a ∧ b'],
      ['A AND NOT B', 'a ∧ ¬b'],
      ['A', 'a'],
      ['NOT A AND B', '¬a ∧ b'],
      ['B', 'b'],
      ['XOR', 'a ⊕ b'],
      ['OR', 'a ∨ b'],
      ['NOR', '¬(a ∨ b)'],
      ['XNOR', '¬(a ⊕ b)'],
      ['NOT B', '¬b'],
      ['A OR NOT B', 'a ∨ ¬b'],
      ['NOT A', '¬a'],
      ['NOT A OR B', '¬a ∨ b'],
      ['NAND', '¬(a ∧ b)'],
      ['TRUE', '1'],
    ] as const
  ).map(([name, formula], k) =>
    Object.freeze({
      name,
      formula,
      table: Object.freeze([0, 1, 2, 3].map((i) => ((k >> (3 - i)) & 1) as 0 | 1)),
    }),
  ),
);

function toBit(name: string, v: unknown): 0 | 1 {
  if (v === 0 || v === false) return 0;
  if (v === 1 || v === true) return 1;
  if (typeof v !== 'number' && typeof v !== 'boolean')
    throw typeError(name, '0, 1 or a boolean', v);
  throw rangeError(name, '0, 1 or a boolean', v);
}

function checkName(name: string, value: unknown): string {
  if (typeof value !== 'string') throw typeError(name, 'a non-empty string', value);
  if (value.length === 0) throw rangeError(name, 'a non-empty string', value);
  return value;
}

function checkNames(value: unknown, n: number): string[] {
  if (!isArray(value)) throw typeError('options.inputs', `an array of ${n} input names`, value);
  if (value.length !== n)
    throw shapeError(
      'options.inputs',
      `${n} input names (one per input of a ${2 ** n}-row table)`,
      `length ${value.length}`,
    );
  value.forEach((v, i) => checkName(`options.inputs[${i}]`, v));
  if (new Set(value).size !== n) throw rangeError('options.inputs', 'distinct names', value);
  return value as string[];
}

/** A wire's column in run(): inputs are set first and gates in order, so a miss is a bug. */
function computed(values: (Uint8Array | undefined)[], id: number): Uint8Array {
  const v = values[id];
  if (v === undefined) throw new Error(`blasnet: internal error, wire ${id} evaluated too early`);
  return v;
}
