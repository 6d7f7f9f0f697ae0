import { StringDecoder } from 'node:string_decoder';
import { ProtocolViolationError } from '../errors';
import { stringifyJson, topLevelMemberText } from './raw-json';
import { MAX_MESSAGE_BYTES, type DecodedMessage, type EchoableId, type WireCodec } from './wire-codec';

const END = '\nend\n';

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
        if (text.trim() !== '') out.push(parseMessage(text));
      }
      lineStart = nl + 1;
    }
    this.buf = msgStart === 0 ? buf : buf.slice(msgStart);
    this.scan = lineStart - msgStart;
    if (this.buf.length > MAX_MESSAGE_BYTES)
      throw new ProtocolViolationError(`no 'end' line after ${this.buf.length} characters (message starts ${snippet(this.buf)})`);
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

function parseMessage(text: string): DecodedMessage {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ProtocolViolationError(`the child wrote a message that is not valid JSON (${(err as Error).message}): ${snippet(text)}`);
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
