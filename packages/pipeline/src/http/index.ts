export { canonicalPath, type CanonicalPath, pathMatches } from './path';
export { fieldValues, JsonBodyError, type JsonNode, parseJsonBody } from './json-fields';
export { evaluateHttp, type HttpDecision, type HttpRequestFacts, methodsOf, needsBody } from './evaluate';
export { type JsonMaskers, JsonStreamError, JsonStreamMasker, MAX_JSON_TOKEN } from './json-stream';
export { sseLineMasker, TextStreamMasker } from './text-stream';
