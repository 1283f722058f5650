/**
 * What a network is for: a task chooses the output activation and the default loss, how targets
 * given as class labels are encoded, and which metrics {@link evaluate} reports. A network built
 * without a task behaves exactly as before tasks existed (the lecture's examples).
 */
import type { ActivationName } from './activations';
import { blasnetError, rangeError, typeError } from './errors';
import type { LossName } from './losses';
import { checkOneOf, isArray } from './validate';

/**
 * `'classification'`: one output per class, softmax with cross-entropy; `'binary'`: one sigmoid
 * output with binary cross-entropy (class 1 when it exceeds 0.5); `'regression'`: identity
 * outputs with the quadratic loss.
 *
 * @example
 * ```ts
 * const task: Task = 'regression';
 * const net = new Network({ sizes: [7, 16, 1], activations: 'relu', task }); // output: identity
 * ```
 */
export type Task = 'classification' | 'regression' | 'binary';

/**
 * Every task, with its output activation and default loss.
 *
 * @example
 * ```ts
 * TASKS.binary; // { output: 'sigmoid', loss: 'binaryCrossEntropy' }
 * ```
 */
export const TASKS: Readonly<Record<Task, { output: ActivationName; loss: LossName }>> = {
  classification: { output: 'softmax', loss: 'crossEntropy' },
  regression: { output: 'identity', loss: 'quadratic' },
  binary: { output: 'sigmoid', loss: 'binaryCrossEntropy' },
};

/** The task names, in the order errors list them. */
export const TASK_NAMES = Object.keys(TASKS) as Task[];

/** A task name, checked. */
export function checkTask(name: string, value: unknown): Task {
  return checkOneOf(name, value, TASK_NAMES);
}

/** Whether a task predicts classes (so targets may be given as class labels). */
export function isClassTask(task: Task | undefined): task is 'classification' | 'binary' {
  return task === 'classification' || task === 'binary';
}

/** How many classes a network of this task and output size tells apart. */
export function classCount(task: 'classification' | 'binary', outputSize: number): number {
  return task === 'binary' ? 2 : outputSize;
}

/**
 * Check that a network's layers fit its task: the output activation, and one output for
 * `'binary'` (classification needs at least two). `where` prefixes the message (a file name).
 */
export function checkTaskLayers(
  task: Task,
  sizes: readonly number[],
  activations: readonly ActivationName[],
): void {
  const output = activations[activations.length - 1];
  const nOut = sizes[sizes.length - 1];
  if (output !== TASKS[task].output)
    throw rangeError(
      'activations',
      `a "${TASKS[task].output}" output layer for task "${task}"`,
      output,
    );
  if (task === 'binary' && nOut !== 1)
    throw rangeError('sizes', 'one output neuron for task "binary"', nOut);
  if (task === 'classification' && nOut < 2)
    throw rangeError(
      'sizes',
      'at least two outputs (one per class) for task "classification" (use task "binary" for one)',
      nOut,
    );
}

/**
 * Class names, checked: distinct non-empty strings, as many as the task's classes (`nOut` for
 * classification, two for binary, where the second is the positive class 1).
 */
export function checkClasses(
  name: string,
  value: unknown,
  task: Task | undefined,
  nOut: number,
): string[] {
  if (!isClassTask(task))
    throw rangeError(name, 'no class names unless the task is "classification" or "binary"', value);
  const count = classCount(task, nOut);
  if (!isArray(value)) throw typeError(name, `an array of ${count} class names`, value);
  if (value.length !== count)
    throw rangeError(
      name,
      `${count} class names (${task === 'binary' ? 'binary: negative, then positive' : 'one per output'})`,
      `${value.length} names`,
    );
  const seen = new Set<string>();
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const v = value[i];
    if (typeof v !== 'string' || v === '')
      throw typeError(`${name}[${i}]`, 'a non-empty string', v);
    if (seen.has(v)) throw rangeError(`${name}[${i}]`, 'a class name not already listed', v);
    seen.add(v);
    names.push(v);
  }
  return names;
}

/** A coded error for a value of a model file's header that fails a check (as a file error). */
export function asFormatError(error: unknown, source: string): Error {
  return blasnetError('ERR_BLASNET_FORMAT', `${source}: ${(error as Error).message}`);
}
