export { classifyColumn, isVersionColumn, normalizeName } from './columns';
export { createMasker } from './masker';
export { isTextLikeType, type TypeKind, typeKind } from './pg-types';
export { findPii } from './scan';
export { LABELS as PII_LABELS } from './style';
export {
  type ColumnMasker,
  type ColumnRef,
  MASK_STYLES,
  type MaskConfig,
  type MaskCounts,
  type Masker,
  type MaskStyle,
  PII_TYPES,
  type PiiSpan,
  type PiiType,
} from './types';
export { cardBrand, isCardNumber, luhn } from './validate';
export { isIban } from './iban';
