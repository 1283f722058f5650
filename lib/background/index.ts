/**
 * Training off the main thread, in a worker_threads Worker.
 */
export { trainInBackground, BackgroundTraining } from './train-in-background';
export type {
  BackgroundTrainingOptions,
  BackgroundNetworkSpec,
  BackgroundReport,
  BackgroundResult,
} from './train-in-background';
export type { WireFitOptions as BackgroundFitOptions } from './protocol';
