// Streams globals: WebIDL-style class finishing and defineGlobal for every Streams class.

stFinishClass(ReadableStream, "ReadableStream");
stFinishClass(ReadableStreamDefaultReader, "ReadableStreamDefaultReader");
stFinishClass(ReadableStreamDefaultController, "ReadableStreamDefaultController");
stFinishClass(ReadableByteStreamController, "ReadableByteStreamController");
stFinishClass(ReadableStreamBYOBReader, "ReadableStreamBYOBReader");
stFinishClass(ReadableStreamBYOBRequest, "ReadableStreamBYOBRequest");
stFinishClass(WritableStream, "WritableStream");
stFinishClass(WritableStreamDefaultWriter, "WritableStreamDefaultWriter");
stFinishClass(WritableStreamDefaultController, "WritableStreamDefaultController");
stFinishClass(TransformStream, "TransformStream");
stFinishClass(TransformStreamDefaultController, "TransformStreamDefaultController");
stFinishClass(ByteLengthQueuingStrategy, "ByteLengthQueuingStrategy");
stFinishClass(CountQueuingStrategy, "CountQueuingStrategy");

defineGlobal("ReadableStream", ReadableStream);
defineGlobal("ReadableStreamDefaultReader", ReadableStreamDefaultReader);
defineGlobal("ReadableStreamDefaultController", ReadableStreamDefaultController);
defineGlobal("ReadableByteStreamController", ReadableByteStreamController);
defineGlobal("ReadableStreamBYOBReader", ReadableStreamBYOBReader);
defineGlobal("ReadableStreamBYOBRequest", ReadableStreamBYOBRequest);
defineGlobal("WritableStream", WritableStream);
defineGlobal("WritableStreamDefaultWriter", WritableStreamDefaultWriter);
defineGlobal("WritableStreamDefaultController", WritableStreamDefaultController);
defineGlobal("TransformStream", TransformStream);
defineGlobal("TransformStreamDefaultController", TransformStreamDefaultController);
defineGlobal("CountQueuingStrategy", CountQueuingStrategy);
defineGlobal("ByteLengthQueuingStrategy", ByteLengthQueuingStrategy);
