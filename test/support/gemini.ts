// A local server speaking Gemini's REST protocol as the SDK uses it for streaming:
// POST /<version>/models/<model>:streamGenerateContent?alt=sse with the key in x-goog-api-key, the
// answer as server-sent events, one GenerateContentResponse JSON per `data:` line. A test says
// what each turn answers: text pieces, or a function call; it sees every request it was sent.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GeminiPart {
  text?: string;
  functionCall?: { name: string; args: Record<string, unknown> };
  functionResponse?: { name: string; response: Record<string, unknown>; id?: string };
}
export interface GeminiContent {
  role?: string;
  parts: GeminiPart[];
}
export interface GeminiRequest {
  version: string;
  model: string;
  alt: string | null;
  apiKey: string | undefined;
  body: {
    contents: GeminiContent[];
    systemInstruction?: GeminiContent;
    tools?: { functionDeclarations?: { name: string }[] }[];
  };
}

/** A turn: text pieces streamed one frame each, or function calls in one frame. */
export type GeminiTurn =
  | { text: string[] }
  | { calls: { name: string; args: Record<string, unknown> }[] }
  | { status: number; error: string };

export interface GeminiStub {
  readonly url: string;
  readonly requests: GeminiRequest[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// The API version is the SDK's choice (`v1` in this SDK, `v1beta` in older ones).
const PATH = /^\/(v1[a-z0-9]*)\/models\/([^/:]+):streamGenerateContent$/;

export async function startGeminiStub(answer: (req: GeminiRequest) => GeminiTurn): Promise<GeminiStub> {
  const requests: GeminiRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      const m = PATH.exec(url.pathname);
      if (req.method !== 'POST' || !m) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: {
              code: 404,
              message: `no such method: ${req.method ?? ''} ${url.pathname}`,
              status: 'NOT_FOUND',
            },
          }),
        );
        return;
      }
      const request: GeminiRequest = {
        version: m[1] ?? '',
        model: m[2] ?? '',
        alt: url.searchParams.get('alt'),
        apiKey: req.headers['x-goog-api-key'] as string | undefined,
        body: JSON.parse(await readBody(req)) as GeminiRequest['body'],
      };
      requests.push(request);
      const turn = answer(request);
      if ('status' in turn) {
        res.writeHead(turn.status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { code: turn.status, message: turn.error, status: 'INVALID_ARGUMENT' } }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const frames =
        'calls' in turn
          ? [{ parts: turn.calls.map((c) => ({ functionCall: c })) }]
          : turn.text.map((t) => ({ parts: [{ text: t }] }));
      frames.forEach((content, i) => {
        const last = i === frames.length - 1;
        const chunk = {
          candidates: [
            { content: { role: 'model', ...content }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) },
          ],
          usageMetadata: {
            promptTokenCount: 100,
            candidatesTokenCount: 5 * (i + 1),
            totalTokenCount: 100 + 5 * (i + 1),
          },
          modelVersion: request.model,
          responseId: `stub-${String(requests.length)}`,
        };
        res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
      });
      res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** The function responses of a request's last turn, by name. */
export function functionResponses(req: GeminiRequest): Map<string, Record<string, unknown>> {
  const last = req.body.contents.at(-1);
  const out = new Map<string, Record<string, unknown>>();
  for (const p of last?.parts ?? [])
    if (p.functionResponse) out.set(p.functionResponse.name, p.functionResponse.response);
  return out;
}
