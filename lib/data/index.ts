/**
 * blasnet's data layer: IDX files, the MNIST loader and downloader, the lecture's three output
 * encodings, and seeded shuffling / mini-batching.
 */
export {
  IDX_DEFAULT_MAX_BYTES,
  IDX_TYPE_CODES,
  IDX_TYPES,
  decodeIdx,
  encodeIdx,
  isGzip,
  readIdx,
  readIdxAsync,
  writeIdx,
} from './idx';
export type {
  IdxArray,
  IdxInput,
  IdxReadOptions,
  IdxType,
  IdxTypedArray,
  IdxWriteOptions,
} from './idx';
export { BUNDLED_MNIST_DIR, MNIST_FILE_NAMES, loadMnist, loadMnistAsync } from './mnist';
export type { LoadMnistOptions, MnistData, MnistFiles, MnistSet } from './mnist';
export { DATASETS, downloadMnist } from './download';
export type {
  DatasetName,
  DatasetSource,
  DownloadedFile,
  DownloadOptions,
  DownloadResult,
  FetchLike,
  FetchResponseLike,
  FileChecksum,
} from './download';
export { encodingNames, encodings, getEncoding } from './encodings';
export type { EncodingName, EncodingOptions, LabelEncoding } from './encodings';
export { batches, gatherRows, miniBatches, permutation, shuffleInPlace } from './shuffle';
export type { Batch, BatchSource, IndexBatch, MiniBatchOptions } from './shuffle';
export { loadCsv } from './csv';
export { CsvBatches, csvBatches } from './csv-batches';
export type { CsvBatchOptions, CsvSchema } from './csv-batches';
export type { CsvColumn, CsvColumnKind, CsvMissing, CsvOptions, CsvTable, CsvTarget } from './csv';
export { Scaler } from './scaler';
export type { ScalerJson, ScalerKind } from './scaler';
export { splitData } from './split';
export type { SplitOptions, SplitResult } from './split';
export type { Inputs, PlainData, Targets } from './plain';
