import type { ErrorRequestHandler, Response } from 'express';

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function sendProblem(res: Response, problem: Problem): void {
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).json(problem);
}

/** The one place that turns an error into a response. */
export function problemHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendProblem(res, {
        type: 'about:blank',
        title: (err as Error).message || 'Bad Request',
        status,
        instance: req.originalUrl,
      });
      return;
    }
    req.log.error({ err }, 'unhandled error');
    sendProblem(res, {
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      instance: req.originalUrl,
    });
  };
}
