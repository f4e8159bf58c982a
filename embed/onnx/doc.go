// Package onnx embeds text with a sentence-transformer model run by ONNX
// Runtime: a user-supplied directory holding model.onnx and tokenizer.json
// (the all-MiniLM-L6-v2 export layout upstream uses, 384 dimensions).
//
// The implementation needs cgo and the ONNX Runtime shared library, so it
// is only compiled with the build tag "onnx" (CGO_ENABLED=1 go build -tags
// onnx). Without the tag this package is empty and the service is a static
// binary with no cgo. With it, New returns an Embedder that implements
// memory.Embedder, memory.Preloader and memory.EmbedderReporter.
//
// The library is loaded with dlopen at run time, from Config.Library, the
// ONNXRUNTIME_LIB environment variable, the executable's directory, or the
// system's library search path, in that order. ONNX Runtime 1.30.0 for
// linux/x64, linux/arm64, darwin/arm64 and windows ships inside the npm
// package onnxruntime-node@1.30.0: `npm pack onnxruntime-node@1.30.0`, then
// take package/bin/napi-v6/linux/x64/libonnxruntime.so.1 (a plain npm
// install fails: its install script downloads from elsewhere). The script
// scripts/test-onnx.sh does exactly this.
//
// Tokenization is the pure-Go embed/wordpiece package; inference takes
// input_ids, attention_mask and token_type_ids and reads sentence_embedding
// if the graph has it, else mean-pools last_hidden_state over the attention
// mask; vectors are L2-normalised. Texts are batched by similar length and
// each batch is padded only to its longest text, so padding never changes a
// vector.
package onnx
