/**
 * The OpenAPI document that `GET /openapi.json` serves. Unbundled (tests, the sandbox) it is generated from the
 * schemas on first use. In the Lambda bundle, scripts/build.ts replaces this whole module with the document
 * generated at build time, Brotli-compressed, so the API carries neither zod-openapi nor the document as code;
 * the route imports it dynamically, so only a request for the document loads it.
 */
import { buildOpenApiDocument, type OpenApiDocument } from './openapi-spec.js';

let document: OpenApiDocument | undefined;

/** The API's OpenAPI 3.1 document (docs/openapi.json holds the same, committed). */
export function openApiDocument(): unknown {
  document ??= buildOpenApiDocument();
  return document;
}
