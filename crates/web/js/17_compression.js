// CompressionStream and DecompressionStream (Compression Streams standard): transform streams over a host codec
// (crates/web/src/compression.rs), fed chunk by chunk. Output comes back in bounded chunks, and the transform
// waits while the readable side is full, so a decompression bomb is paced by its reader.

const COMPRESSION_FORMATS = new Set(["gzip", "deflate", "deflate-raw"]);

// Codecs of streams dropped unfinished are closed when their stream is collected.
const compressionCodecs = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry((id) => ops.compressionClose(id))
  : null;

function compressionTransform(format, decompress) {
  const f = String(format);
  if (!COMPRESSION_FORMATS.has(f)) {
    throw new TypeError(`Unsupported compression format: '${f}' (use "gzip", "deflate" or "deflate-raw")`);
  }
  let id = 0; // made on the first chunk, so that an unused stream holds nothing
  let stream;
  const codec = () => {
    if (id === -1) throw new TypeError("The compression stream is closed");
    if (id === 0) {
      id = ops.compressionNew(f, decompress);
      compressionCodecs?.register(stream, id, stream);
    }
    return id;
  };
  const close = () => {
    if (id !== 0) {
      ops.compressionClose(id);
      compressionCodecs?.unregister(stream);
      id = -1;
    }
  };
  // Enqueue every output chunk ready now; wait whenever the readable side has backpressure.
  const drain = async (controller) => {
    const rec = stTransformRecord(stream);
    for (;;) {
      let out;
      try {
        out = ops.compressionRead(codec());
      } catch (e) {
        id = -1; // the host dropped the codec
        throw e;
      }
      if (out === null) return;
      controller.enqueue(out);
      if (rec.backpressure) await rec.backpressureChangePromise.promise;
      if (rec.readable.state !== "readable") return;
    }
  };
  stream = new TransformStream({
    async transform(chunk, controller) {
      const bytes = toUint8Array(chunk);
      if (bytes === null || (typeof SharedArrayBuffer === "function" && bytes.buffer instanceof SharedArrayBuffer)) {
        throw new TypeError("The chunk must be an ArrayBuffer or ArrayBufferView");
      }
      ops.compressionWrite(codec(), bytes);
      try {
        await drain(controller);
      } catch (e) {
        close();
        throw e;
      }
    },
    async flush(controller) {
      if (id === -1) return;
      ops.compressionFinish(codec());
      try {
        await drain(controller);
      } finally {
        close();
      }
    },
    cancel() {
      close();
    },
  });
  return stream;
}

let compressionInner; // (value) => TransformStream | undefined

class CompressionStream {
  #ts;
  constructor(format) {
    if (arguments.length < 1) throw new TypeError("CompressionStream constructor: 1 argument required");
    this.#ts = compressionTransform(format, false);
  }
  get readable() { return compressionGet(this).readable; }
  get writable() { return compressionGet(this).writable; }
  static {
    compressionInner = (v) => ((typeof v === "object" && v !== null) && #ts in v ? v.#ts : undefined);
  }
}

let decompressionInner;

class DecompressionStream {
  #ts;
  constructor(format) {
    if (arguments.length < 1) throw new TypeError("DecompressionStream constructor: 1 argument required");
    this.#ts = compressionTransform(format, true);
  }
  get readable() { return compressionGet(this).readable; }
  get writable() { return compressionGet(this).writable; }
  static {
    decompressionInner = (v) => ((typeof v === "object" && v !== null) && #ts in v ? v.#ts : undefined);
  }
}

function compressionGet(value) {
  const ts = compressionInner(value) ?? decompressionInner(value);
  if (ts === undefined) throw new TypeError("Illegal invocation");
  return ts;
}

defineGetters(CompressionStream.prototype, ["readable", "writable"]);
defineGetters(DecompressionStream.prototype, ["readable", "writable"]);
setToStringTag(CompressionStream, "CompressionStream");
setToStringTag(DecompressionStream, "DecompressionStream");
defineGlobal("CompressionStream", CompressionStream);
defineGlobal("DecompressionStream", DecompressionStream);
