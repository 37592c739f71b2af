// The streams classes are host objects: structuredClone refuses them (as it does in browsers, where they are
// transferable but not cloneable). Part of the streams, so it runs when they are made.

structuredCloneMarkNotCloneable(
  ReadableStream,
  ReadableStreamDefaultReader,
  ReadableStreamDefaultController,
  WritableStream,
  WritableStreamDefaultWriter,
  WritableStreamDefaultController,
  TransformStream,
  TransformStreamDefaultController,
  ByteLengthQueuingStrategy,
  CountQueuingStrategy,
);
