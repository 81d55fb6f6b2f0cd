/**
 * The sandbox's local API Gateway: a Node HTTP server on loopback that turns each request into an API Gateway
 * HTTP API (payload format 2.0) event, calls the same handler the Lambdas run (scripts/sandbox/app.ts routes
 * each request to the `api` or the `console` function's handler), and writes its result back.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CordonError } from '../../functions/lib/errors.js';

/** API Gateway's own payload limit; cordon's handler enforces its much lower one and answers 413 itself. */
const GATEWAY_MAX_BYTES = 10 * 1024 * 1024;

export type EventHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LocalApiServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const TEXT_TYPES = /^(application\/(?:[\w.+-]+\+)?json|text\/|application\/x-www-form-urlencoded)/i;

/** Convert a Node request and its body into an API Gateway v2 event (the fields cordon and AWS set). */
export function toApiGatewayEvent(req: IncomingMessage, body: Buffer, port: number): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[key.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    // API Gateway joins repeated parameters with commas.
    query[key] = key in query ? `${query[key]},${value}` : value;
  }
  const contentType = headers['content-type'] ?? '';
  const isText = body.byteLength === 0 || TEXT_TYPES.test(contentType);
  const now = new Date();
  const method = (req.method ?? 'GET').toUpperCase();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'sandbox',
      apiId: 'local',
      domainName: `127.0.0.1:${port}`,
      domainPrefix: '127',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.byteLength > 0
      ? { body: isText ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !isText }
      : { isBase64Encoded: false }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.byteLength;
    if (size > GATEWAY_MAX_BYTES) return undefined;
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * Serve `handler` on `http://127.0.0.1:<port>` (loopback only).
 * @param port 0 for any free port
 */
export async function startLocalApi(handler: EventHandler, port: number): Promise<LocalApiServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (body === undefined) {
        res.writeHead(413, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Request Entity Too Large' }));
        return;
      }
      const address = server.address();
      const actualPort = address !== null && typeof address === 'object' ? address.port : port;
      const result = await handler(toApiGatewayEvent(req, body, actualPort));
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
      if (result.cookies && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
      const payload = result.body ?? '';
      res.writeHead(result.statusCode ?? 200, headers);
      res.end(result.isBase64Encoded ? Buffer.from(payload, 'base64') : payload);
    })().catch(() => {
      // The handler never throws; this guards the adapter itself. No details leave the process.
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal server error' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new CordonError(`port ${port} is in use: set PORT to another port`, { cause: error })
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new CordonError('the local API has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
