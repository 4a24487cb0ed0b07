import { randomBytes } from 'node:crypto';
import { Decoder, Encoder } from 'socket.io-parser';

/**
 * A value already serialised to JSON. A snapshot of a big run is ~200 KB of JSON; serialising it
 * again for every watcher (and for every repeated `run:watch`) is what let one client stall the
 * server. The run keeps one SerializedJson per change and every acknowledgement shares it.
 */
export class SerializedJson {
  constructor(readonly json: string) {}
}

/** Unique to this process, so no client-supplied string can ever look like a placeholder. */
const NONCE = randomBytes(9).toString('base64url');

/**
 * socket.io's packet encoder, splicing SerializedJson values in as they are instead of
 * stringifying them. The bytes on the wire are exactly what the default encoder would send for
 * the parsed value, so clients use the default decoder.
 */
class SharedJsonEncoder extends Encoder {
  override encode(packet: Parameters<Encoder['encode']>[0]): ReturnType<Encoder['encode']> {
    if (!containsSerialized(packet.data)) return super.encode(packet);
    const raws: string[] = [];
    const replacer = (_key: string, value: unknown) => {
      if (!(value instanceof SerializedJson)) return value;
      raws.push(value.json);
      return `${NONCE}:${raws.length - 1}`;
    };
    const [encoded] = new Encoder(replacer).encode(packet) as string[];
    const spliced = encoded!.replace(
      new RegExp(`"${NONCE}:(\\d+)"`, 'g'),
      (_m, i: string) => raws[Number(i)]!,
    );
    return [spliced];
  }
}

/** Looks only where acknowledgements carry it: `[{ok, data}]`. */
function containsSerialized(data: unknown): boolean {
  if (!Array.isArray(data)) return false;
  return data.some(
    (arg) =>
      arg instanceof SerializedJson ||
      (arg !== null && typeof arg === 'object' && arg.data instanceof SerializedJson),
  );
}

/** The `parser` option for socket.io's Server. */
export const sharedJsonParser = { Encoder: SharedJsonEncoder, Decoder };
