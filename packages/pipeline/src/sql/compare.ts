/**
 * A comparison of two constants of the same type, for the guards' always-true WHERE folding; undefined for an
 * operator it does not know. Each dialect converts its values first (Postgres: both numbers or both text; MySQL:
 * text as its collations compare it, or numbers).
 */
export function compareConstants<T extends string | number>(op: string | undefined, a: T, b: T): boolean | undefined {
  switch (op) {
    case '=':
      return a === b;
    case '<>':
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
    default:
      return undefined;
  }
}
