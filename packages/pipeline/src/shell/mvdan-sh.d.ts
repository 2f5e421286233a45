/** The part of `mvdan-sh` (mvdan/sh compiled to JavaScript) that parser.ts uses; the tree itself is read in syntax.ts. */
declare module 'mvdan-sh' {
  interface Parser {
    Parse(src: string, name: string): { __internal_object__?: unknown };
  }
  const sh: { syntax: { NewParser(...options: unknown[]): Parser; KeepComments(enabled: boolean): unknown; Variant(lang: number): unknown; LangBash: number } };
  export = sh;
}
