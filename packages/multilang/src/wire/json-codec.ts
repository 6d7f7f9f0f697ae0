import { StringDecoder } from 'node:string_decoder';
import { ProtocolViolationError } from '../errors';
import { stringifyJson, topLevelMemberText } from './raw-json';
import { MAX_MESSAGE_BYTES, type DecodedMessage, type EchoableId, type WireCodec } from './wire-codec';

const END = '\nend\n';

/** Whether `text` holds only whitespace (without allocating a trimmed copy). */
function isBlank(text: string): boolean {
  const c = text.charCodeAt(0);
  // Any message starts with `{` or `[`: skip the full whitespace check (trim copies the string) for those.
  if (c === 0x7b || c === 0x5b) return false;
  return text.trim() === '';
}

function snippet(text: string): string {
  const s = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return JSON.stringify(s);
}

/**
 * Storm's JSON framing: each message is JSON text, a newline, a line `end`, a newline. Reading collects lines up to
 * a line equal to `end` (a trailing `\r` is tolerated on the child's lines; the host never writes `\r`, because
 * JSON.stringify escapes it inside strings). Empty messages (a lone `end`) are skipped, as Storm's clients do.
 */
export class JsonCodec implements WireCodec {
  readonly serializer = 'json' as const;
  private readonly decoder = new StringDecoder('utf8');
  private buf = '';
  /** Where the next line to examine starts (lines before it belong to the current, unfinished message). */
  private scan = 0;

  feed(chunk: Buffer): DecodedMessage[] {
    this.buf += this.decoder.write(chunk);
    const out: DecodedMessage[] = [];
    const buf = this.buf;
    let msgStart = 0;
    let lineStart = this.scan;
    for (;;) {
      const nl = buf.indexOf('\n', lineStart);
      if (nl < 0) break;
      let end = nl;
      if (end > lineStart && buf.charCodeAt(end - 1) === 0x0d) end--;
      if (end - lineStart === 3 && buf.startsWith('end', lineStart)) {
        const text = buf.slice(msgStart, lineStart);
        msgStart = nl + 1;
        if (!isBlank(text)) out.push(parseMessage(text));
      }
      lineStart = nl + 1;
    }
    this.buf = msgStart === 0 ? buf : buf.slice(msgStart);
    this.scan = lineStart - msgStart;
    if (this.buf.length > MAX_MESSAGE_BYTES)
      throw new ProtocolViolationError(
        `no 'end' line after ${this.buf.length} characters (message starts ${snippet(this.buf)})`,
      );
    return out;
  }

  encode(message: Record<string, unknown>): string {
    return stringifyJson(message) + END;
  }

  encodeTaskIds(ids: readonly number[]): string {
    return JSON.stringify(ids) + END;
  }

  encodeTuple(id: string, comp: string | null, stream: string, task: number, values: readonly unknown[]): string {
    return `{"id":${JSON.stringify(id)},"comp":${JSON.stringify(comp)},"stream":${JSON.stringify(stream)},"task":${task},"tuple":${stringifyJson(values)}}${END}`;
  }

  encodeSpoutCommand(command: 'ack' | 'fail', id: EchoableId): string {
    return `{"command":"${command}","id":${id.json ?? stringifyJson(id.value)}}${END}`;
  }
}

const ACK_PREFIX = '{"command":"ack","id":"';

/**
 * A bolt's ack as compact JSON with a plain string id (`{"command":"ack","id":"17"}`, what our Python library and
 * most clients write for every input): decoded without JSON.parse. Anything else (spaces, escapes) returns undefined.
 */
function fastAck(text: string): DecodedMessage | undefined {
  if (!text.startsWith(ACK_PREFIX)) return undefined;
  // The message text still ends with the line end before `end`.
  let stop = text.length;
  if (text.charCodeAt(stop - 1) === 0x0a) stop--;
  if (text.charCodeAt(stop - 1) === 0x0d) stop--;
  if (text.charCodeAt(stop - 1) !== 0x7d || text.charCodeAt(stop - 2) !== 0x22) return undefined; // `"}`
  const end = stop - 2;
  for (let i = ACK_PREFIX.length; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c < 0x20) return undefined; // a quote, a backslash or a control character
  }
  return { body: { command: 'ack', id: text.slice(ACK_PREFIX.length, end) } };
}

function parseMessage(text: string): DecodedMessage {
  const ack = fastAck(text);
  if (ack !== undefined) return ack;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ProtocolViolationError(
      `the child wrote a message that is not valid JSON (${(err as Error).message}): ${snippet(text)}`,
    );
  }
  if (body !== null && typeof body === 'object' && (body as Record<string, unknown>).command === 'emit') {
    const id = (body as Record<string, unknown>).id;
    if (id !== undefined && id !== null) {
      const rawId = topLevelMemberText(text, 'id');
      if (rawId !== undefined) return { body, rawId };
    }
  }
  return { body };
}
