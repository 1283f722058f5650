/**
 * The fields of a model file's header that describe what a network is for: its task, class
 * names and input scaler. Shared by the Node and browser readers, so both check them alike.
 */
import type { ActivationName } from './activations';
import { Scaler, type ScalerJson } from './data/scaler';
import type { BlasnetError } from './errors';
import { checkClasses, checkTaskLayers, type Task, TASK_NAMES } from './task';

/** What a header holds (already checked to be layer sizes and activation names). */
interface FieldsHeader {
  sizes: number[];
  activations: ActivationName[];
  task?: unknown;
  classes?: unknown;
  scaler?: unknown;
}

/** The checked fields, as {@link Network}'s options take them. */
export interface ModelFields {
  task?: Task;
  classes?: string[];
  scaler?: Scaler;
}

/**
 * The task, class names and scaler of a header, when present, each checked against the layers;
 * `bad` makes the file's error (ERR_BLASNET_FORMAT) from what is wrong.
 */
export function modelFields(
  header: FieldsHeader,
  bad: (what: string) => BlasnetError,
): ModelFields {
  const { sizes, activations } = header;
  const out: ModelFields = {};
  const task = header.task;
  if (task !== undefined) {
    if (typeof task !== 'string' || !(TASK_NAMES as string[]).includes(task))
      throw bad(`invalid task ${JSON.stringify(task)?.slice(0, 40)}`);
    out.task = task as Task;
    try {
      checkTaskLayers(out.task, sizes, activations);
    } catch (error) {
      throw bad(`the layers do not fit task "${task}": ${(error as Error).message}`);
    }
  }
  if (header.classes !== undefined) {
    try {
      out.classes = checkClasses('classes', header.classes, out.task, sizes[sizes.length - 1]);
    } catch (error) {
      throw bad(`invalid class names: ${(error as Error).message}`);
    }
  }
  if (header.scaler !== undefined) {
    try {
      out.scaler = Scaler.fromJSON(header.scaler as ScalerJson);
    } catch (error) {
      throw bad(`invalid scaler: ${(error as Error).message}`);
    }
    if (out.scaler.features !== sizes[0])
      throw bad(
        `the scaler is for ${out.scaler.features} features but the network has ${sizes[0]} inputs`,
      );
  }
  return out;
}
