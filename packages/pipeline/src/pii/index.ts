export { cannotHoldPii, columnType, isTextLikeType } from './columns';
export { cardBrand, DETECTORS, luhn, type PiiType, validIban, validSsn } from './detectors';
export { type ColumnMasker, createMasker, type MaskConfig, type MaskCounts, type Masker, type MaskStyle } from './masker';
