/**
 * Category values as text: what reads as a number, and the order categories and class names get
 * (shared by the CSV loader and the plain-array labels, so both number classes the same way).
 */

/** A number as CSV writes one; `Number('')` and `Number(' ')` are 0, so they are not numbers. */
export function parseNumber(cell: string): number | undefined {
  if (cell === '') return undefined;
  const v = Number(cell);
  return Number.isFinite(v) ? v : undefined;
}

/** Sorted numerically when every value is a number (so "10" follows "9"), else as strings. */
export function sortCategories(values: string[]): string[] {
  if (values.every((v) => parseNumber(v) !== undefined))
    return values.sort((a, b) => Number(a) - Number(b));
  return values.sort();
}
