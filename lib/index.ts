/**
 * blasnet: perceptrons and multilayer perceptrons for Node.js on an OpenBLAS core.
 * This file holds the public exports only.
 */
export { Network, argmaxRows } from './network';
export type { NetworkOptions } from './network';
export { fit, fitSync } from './train';
export type {
  FitOptions,
  FitResult,
  EpochReport,
  BatchReport,
  StopReason,
  ByteTrainingData,
} from './train';
export type { StreamBatch, StreamFitOptions, TrainingStream } from './stream-fit';
export { evaluate } from './evaluate';
export type { TrainingData, Evaluation, Decoder } from './evaluate';
export { gradientCheck } from './gradient-check';
export type { GradientCheckOptions, GradientCheckReport, LayerCheck } from './gradient-check';
export {
  saveNetwork,
  loadNetwork,
  serializeNetwork,
  deserializeNetwork,
  readModelMetadata,
  MODEL_FORMAT_VERSION,
  MODEL_MAX_HEADER_BYTES,
  MODEL_DEFAULT_MAX_BYTES,
} from './model-file';
export type { SaveOptions, LoadOptions } from './model-file';
export {
  toSafetensors,
  fromSafetensors,
  saveSafetensors,
  loadSafetensors,
} from './interop/safetensors';
export type { SafetensorsLoadOptions } from './interop/safetensors';
export { toOnnx, saveOnnx, ONNX_OPSET } from './interop/onnx';
export {
  ACTIVATIONS,
  ACTIVATION_NAMES,
  ELU_ALPHA,
  LEAKY_RELU_SLOPE,
  activation,
} from './activations';
export type { Activation, ActivationName } from './activations';
export { HUBER_DELTA, LOSSES, LOSS_NAMES, loss } from './losses';
export type { Loss, LossName, BuiltinLoss } from './losses';
export { TASKS } from './task';
export { regressionMetrics } from './regression-metrics';
export type { RegressionMetrics } from './regression-metrics';
export type { Task } from './task';
export { INIT_NAMES } from './init';
export type { InitName } from './init';
export type { Schedule } from './schedule';
export { resolveOptimizer, stateSlots } from './optimizers';
export type { Optimizer, OptimizerName, OptimizerSettings } from './optimizers';
export { trainingState, setTrainingState } from './training-state';
export type { TrainingState } from './training-state';
export { clipGradNorm } from './clip';
export { Random, range } from './random';
export type { Uint32Source } from './random';
export { backend, getBackend, setBackend, nativeAvailability } from './backend/select';
export type { BackendName, BackendReport } from './backend/select';
export { ActivationCode, LossCode } from './backend/types';
export type { Backend, BackendInfo, Dropout, UpdateHyper } from './backend/types';
export type { Layout } from './backend/spec';
export type { BatchData, BatchRun, BatchWorkspace } from './backend/batches-contract';
export type { BlasnetError, BlasnetErrorCode } from './errors';
export { version } from './version';
export * from './data';
export * from './perceptron';
export { approximate, supNormError } from './universal';
export type {
  ApproximateOptions,
  Approximation,
  ErrorReport,
  TargetFunction,
  Interval,
} from './universal';
export { trainInBackground, BackgroundTraining } from './background';
export type {
  BackgroundTrainingOptions,
  BackgroundNetworkSpec,
  BackgroundReport,
  BackgroundResult,
  BackgroundFitOptions,
} from './background';
export { classificationMetrics, renderReport, writeReport, misclassifiedDigits } from './report';
export type {
  ClassMetrics,
  ClassificationMetrics,
  ReportInput,
  ReportDigit,
  ReportRegression,
} from './report';
