import { ProtocolViolationError } from '../errors';

/** Bytes of the header + payload of formats with a fixed size, by head byte; 0 for variable or container formats. */
function fixedSize(b: number): number {
  if (b <= 0x7f || b >= 0xe0) return 1;
  switch (b) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return 1;
    case 0xcc:
    case 0xd0:
      return 2;
    case 0xcd:
    case 0xd1:
      return 3;
    case 0xd4:
      return 3;
    case 0xd5:
      return 4;
    case 0xca:
    case 0xce:
    case 0xd2:
      return 5;
    case 0xd6:
      return 6;
    case 0xcb:
    case 0xcf:
    case 0xd3:
      return 9;
    case 0xd7:
      return 10;
    case 0xd8:
      return 18;
    default:
      return 0;
  }
}

function readLength(buf: Uint8Array, at: number, bytes: 1 | 2 | 4): number {
  if (bytes === 1) return buf[at]!;
  if (bytes === 2) return (buf[at]! << 8) | buf[at + 1]!;
  return buf[at]! * 0x1000000 + ((buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!);
}

/**
 * Where the msgpack object starting at `pos` ends, or -1 when `buf` ends before it does. Walks headers only (no
 * decoding), so a stream of back-to-back objects can be cut into complete messages before decoding each.
 * @throws ProtocolViolationError on the never-used head byte 0xc1
 */
export function msgpackObjectEnd(buf: Uint8Array, pos: number): number {
  let remaining = 1;
  let i = pos;
  while (remaining > 0) {
    if (i >= buf.length) return -1;
    const b = buf[i]!;
    remaining--;
    const fixed = fixedSize(b);
    if (fixed > 0) {
      i += fixed;
      continue;
    }
    if (b >= 0x80 && b <= 0x8f) {
      remaining += 2 * (b & 0x0f);
      i += 1;
      continue;
    }
    if (b >= 0x90 && b <= 0x9f) {
      remaining += b & 0x0f;
      i += 1;
      continue;
    }
    if (b >= 0xa0 && b <= 0xbf) {
      i += 1 + (b & 0x1f);
      continue;
    }
    const lenBytes: 1 | 2 | 4 | 0 =
      b === 0xc4 || b === 0xc7 || b === 0xd9
        ? 1
        : b === 0xc5 || b === 0xc8 || b === 0xda || b === 0xdc || b === 0xde
          ? 2
          : b === 0xc6 || b === 0xc9 || b === 0xdb || b === 0xdd || b === 0xdf
            ? 4
            : 0;
    if (lenBytes === 0) throw new ProtocolViolationError(`the child wrote an invalid msgpack byte 0x${b.toString(16)}`);
    if (i + 1 + lenBytes > buf.length) return -1;
    const len = readLength(buf, i + 1, lenBytes);
    const header = 1 + lenBytes;
    if (b === 0xdc || b === 0xdd) {
      remaining += len;
      i += header;
    } else if (b === 0xde || b === 0xdf) {
      remaining += 2 * len;
      i += header;
    } else if (b === 0xc7 || b === 0xc8 || b === 0xc9) {
      i += header + 1 + len; // ext: type byte then data
    } else {
      i += header + len;
    }
  }
  return i > buf.length ? -1 : i;
}
