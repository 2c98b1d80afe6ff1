/** @module The slice of xml2js 0.4 we call (the package ships no types). */
declare module 'xml2js' {
  export interface ParserOptions {
    explicitArray?: boolean
    trim?: boolean
    async?: boolean
  }
  export function parseString(
    xml: string,
    options: ParserOptions,
    callback: (error: Error | null, result: unknown) => void,
  ): void
}
