// The part of SaxonJS's API the e-invoice tests use (the package ships no types).
declare module 'saxon-js' {
  interface TransformOptions {
    stylesheetInternal?: unknown;
    stylesheetFileName?: string;
    sourceText?: string;
    destination: 'serialized' | 'raw' | 'document';
  }
  interface TransformResult {
    principalResult: unknown;
  }
  const SaxonJS: {
    transform(options: TransformOptions, execution: 'sync'): TransformResult;
    XPath: {
      evaluate(xpath: string, context: unknown, options?: { namespaceContext?: Record<string, string>; params?: Record<string, unknown>; resultForm?: 'array' | 'default' }): unknown;
    };
  };
  export default SaxonJS;
}
