/**
 * blasnet's training report: metrics and a self-contained HTML page.
 */
export { classificationMetrics } from './metrics';
export type { ClassMetrics, ClassificationMetrics } from './metrics';
export { renderReport, writeReport, misclassifiedDigits } from './html';
export type { ReportInput, ReportDigit, ReportRegression } from './html';
export { grayscalePng, digitDataUri } from './png';
