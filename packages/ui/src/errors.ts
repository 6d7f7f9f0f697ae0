import { SquallError } from '@squall/core';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  429: 'Too Many Requests',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

/**
 * Thrown by REST handlers for a failure the caller should see as an HTTP status: sent as Storm UI's error document
 * `{"error": <status text>, "errorMessage": <message>}`.
 */
export class HttpError extends SquallError {
  /** The HTTP status, e.g. 404. */
  readonly status: number;
  constructor(status: number, message: string) {
    super(`HTTP_${status}`, message);
    this.status = status;
  }
  /** Storm's reason phrase for the status ("Not Found"). */
  get statusText(): string {
    return STATUS_TEXT[this.status] ?? 'Error';
  }
}

/** Thrown when the UI daemon's configuration is unusable (a bad port or host); names the key. */
export class UiConfigError extends SquallError {
  constructor(message: string) {
    super('UI_CONFIG', message);
  }
}
