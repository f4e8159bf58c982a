// ref_tokenize.mjs writes wordpiece_golden.json: the ids that HuggingFace's
// Rust tokenizers (through the npm package @anush008/tokenizers, a prebuilt
// binding of tokenizers 0.22) gives for a fixed list of tricky texts, with
// bert-base-uncased-tokenizer.json.gz and a few variants of it. The Go test
// compares the wordpiece package against this file, so `go test` needs no
// Node. No network is used.
//
// Added tokens take the ids HF gives them (the vocabulary's, else the next
// free one), so the file's ids and the reference agree.
//
// Usage (REF_TOKENIZERS is a directory holding node_modules/@anush008/tokenizers):
//   REF_TOKENIZERS=/tmp/reftok node testdata/ref_tokenize.mjs > testdata/wordpiece_golden.json
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const base = process.env.REF_TOKENIZERS;
if (!base) {
  console.error("set REF_TOKENIZERS to a directory with node_modules/@anush008/tokenizers (see testdata/README.md)");
  process.exit(2);
}
const req = createRequire(path.join(path.resolve(base), "x.js"));
const { Tokenizer } = req("@anush008/tokenizers");
const refVersion = JSON.parse(readFileSync(req.resolve("@anush008/tokenizers/package.json"), "utf8")).version;

const tokenizerFile = "bert-base-uncased-tokenizer.json.gz";
const baseJSON = JSON.parse(gunzipSync(readFileSync(path.join(here, tokenizerFile))).toString("utf8"));

const sentences = [
  "Hello, world!",
  "The quick brown fox jumps over the lazy dog.",
  "Don't stop believin' \u2014 it's 5 o'clock somewhere.",
  "na\u00efve caf\u00e9 r\u00e9sum\u00e9 co\u00f6perate \u00c5ngstr\u00f6m fa\u00e7ade",
  "\u00c9COLE \u00c9L\u00c9MENTAIRE \u0130stanbul \u03a3\u038a\u03a3\u03a5\u03a6\u039f\u03a3 Stra\u00dfe",
  "\u5317\u4eac\u6b22\u8fce\u4f60\uff0c\u6211\u4eec\u5728\u4e1c\u4eac\u89c1\u9762\u3002",
  "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3068\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8",
  "Emoji: \u{1F600}\u{1F389}\u{1F44D}\u{1F3FD} \u{1F468}\u200d\u{1F469}\u200d\u{1F467} \u2764\ufe0f \u{1F970} \u{1FAE0}",
  "control\u0000chars\u0007and\u001bescape\u007fdel\u0085nel",
  "tabs\tand\nnewlines\r\nand\u000bvertical\u000cfeed",
  "   leading and trailing whitespace   ",
  "multiple     spaces\u00a0\u00a0nbsp\u2003em-space\u3000ideographic\u2028line-sep",
  "numbers 3.14159 1,000,000 -42 +7 1e-9 0x1F 2024-11-25 10:30pm",
  "URLs: https://example.com/path?q=1&r=two#frag and www.test.org/a_b-c",
  "email me at john.doe+tag@example.co.uk",
  "MiXeD CaSe WoRdS and ALLCAPS and camelCaseIdentifiers",
  "a".repeat(101) + " " + "b".repeat(100) + " supercalifragilisticexpialidocious",
  "pneumonoultramicroscopicsilicovolcanoconiosis is long but under the limit",
  "unaffable unbelievably tokenization detokenizer",
  "[CLS] literal special tokens [SEP] and [MASK] and [UNK] and [PAD]",
  "[cls] lowercase look-alikes [sep] and [MA SK] and x[SEP]y",
  "",
  "   ",
  "!!!???...,,,;;;",
  "C++ & C# are languages; so is F*.",
  "Price: $19.99 (\u20ac17.50) ~ \u00a315 \u00a52000",
  "Math: x\u00b2 + y\u00b3 = z\u2074, \u00bd + \u00bc = \u00be, \u2211\u222b\u2202\u221a\u221e \u2260 \u2264 \u2265",
  "Quotes \u201ccurly\u201d \u2018single\u2019 \u00abguillemets\u00bb \u201elow\u201c",
  "Dashes \u2013 \u2014 \u2010 and ellipsis\u2026 and bullets \u2022 \u00b7",
  "Zero\u200bwidth\u200cjoiners\u200d and BOM\ufeff and soft\u00adhyphen",
  "Combining: e\u0301 a\u0308 n\u0303 (decomposed) vs \u00e9 \u00e4 \u00f1 (composed)",
  "Arabic \u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645 and Hebrew \u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd",
  "Hindi \u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e and Thai \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
  "Russian \u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! Greek \u0393\u03b5\u03b9\u03ac \u03c3\u03bf\u03c5 \u039a\u03cc\u03c3\u03bc\u03b5",
  "Ligatures \ufb01 \ufb02 \ufb03 and fullwidth \uff21\uff22\uff23\uff11\uff12\uff13",
  "replacement \ufffd char and private use \ue000\uf8ff and unassigned \u0378 and tag \u{E0041}",
  "user's memory: remember to buy milk @ 5pm #todo",
  "snake_case_identifier and kebab-case-identifier and dotted.name.space",
  "Tab\tseparated\tvalues\tand|pipe|separated",
  "<html><body>markup & entities &amp; &lt;tag&gt;</body></html>",
  "JSON {\"key\": [1, 2, 3], \"nested\": {\"a\": null}}",
  "\u0130 \u00df \ufb03 \u2126 \u212b \u1e9e \u0149 \u01c5",
  "Hangul \uac00\ub098\ub2e4 and jamo \u1100\u1161 and CJK ext \u{20000} \u{2B820} \u{2B920}",
  Array(40).fill("The memory service stores notes about meetings, decisions and preferences.").join(" "),
];

// One string per block: every code point, separated by spaces, so each is
// normalized and split on its own.
function sweep(lo, hi) {
  const chars = [];
  for (let cp = lo; cp <= hi; cp++) if (cp < 0xd800 || cp > 0xdfff) chars.push(String.fromCodePoint(cp));
  return chars.join(" ");
}
const sweeps = [
  [0x0000, 0x024f], [0x0250, 0x036f], [0x0370, 0x052f], [0x0590, 0x06ff], [0x0900, 0x097f],
  [0x0e00, 0x0e7f], [0x1100, 0x11ff], [0x1e00, 0x1fff], [0x2000, 0x218f], [0x2190, 0x22ff],
  [0x2e00, 0x2e7f], [0x3000, 0x30ff], [0x4e00, 0x4eff], [0xa700, 0xa7ff], [0xac00, 0xac7f],
  [0xf8f0, 0xfb4f], [0xfe00, 0xfe6f], [0xff00, 0xffff], [0x1f300, 0x1f3ff], [0x1f900, 0x1faff],
  [0xe0000, 0xe007f],
].map(([lo, hi]) => ({ label: `sweep U+${lo.toString(16).toUpperCase()}..U+${hi.toString(16).toUpperCase()}`, text: sweep(lo, hi) }));

const nextID = Object.keys(baseJSON.model.vocab).length;
const variants = [
  { name: "minilm", note: "the file as is: BertNormalizer lowercase + strip accents, truncation 128", overrides: {} },
  {
    name: "cased",
    note: "no lowercase, no accent stripping, Left truncation to 24",
    overrides: {
      normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase: false },
      truncation: { direction: "Left", max_length: 24, strategy: "LongestFirst", stride: 0 },
    },
  },
  {
    name: "lowercase-keep-accents",
    note: "lowercase but strip_accents false; no clean_text, no CJK padding",
    overrides: { normalizer: { type: "BertNormalizer", clean_text: false, handle_chinese_chars: false, strip_accents: false, lowercase: true } },
  },
  {
    name: "bert-processing",
    note: "BertProcessing, WhitespaceSplit, max_input_chars_per_word 8, truncation 40",
    overrides: {
      post_processor: { type: "BertProcessing", sep: ["[SEP]", 102], cls: ["[CLS]", 101] },
      pre_tokenizer: { type: "WhitespaceSplit" },
      truncation: { direction: "Right", max_length: 40, strategy: "LongestFirst", stride: 0 },
      model: { max_input_chars_per_word: 8 },
    },
  },
  {
    name: "added-tokens",
    note: "extra added tokens: lstrip/rstrip, single_word, and a normalized one",
    overrides: {
      added_tokens: [
        ...baseJSON.added_tokens,
        { id: nextID, content: "<ent>", single_word: false, lstrip: true, rstrip: true, normalized: false, special: true },
        { id: nextID + 1, content: "zq", single_word: true, lstrip: false, rstrip: false, normalized: false, special: false },
        { id: nextID + 2, content: "New York", single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
      ],
    },
    texts: [
      "before <ent> after",
      "x<ent>y  <ent>  z",
      "zq zqa azq zq_c zq. (zq) czq-zq zq1 \u00e9zq zq",
      "I love new york and NEW YORK and New  York and New Yorker",
      "[CLS]<ent>[SEP]",
    ],
  },
  {
    name: "sweep",
    note: "Unicode blocks, one code point per word, no truncation",
    overrides: { truncation: { direction: "Right", max_length: 100000, strategy: "LongestFirst", stride: 0 } },
    sweep: true,
  },
];

function apply(overrides) {
  const j = structuredClone(baseJSON);
  for (const [k, v] of Object.entries(overrides)) {
    if (k === "model") Object.assign(j.model, v);
    else j[k] = v;
  }
  return j;
}

const out = {
  generator: "testdata/ref_tokenize.mjs",
  reference: `@anush008/tokenizers ${refVersion} (HuggingFace tokenizers, Rust)`,
  tokenizer: tokenizerFile,
  variants: [],
};
for (const v of variants) {
  const tok = Tokenizer.fromString(JSON.stringify(apply(v.overrides)));
  tok.disablePadding();
  const inputs = v.sweep ? sweeps : (v.texts ?? sentences).map((text) => ({ text }));
  const cases = [];
  for (const inp of inputs) {
    const enc = await tok.encode(inp.text);
    const c = inp.label ? { label: inp.label, text: inp.text } : { text: inp.text };
    c.ids = enc.getIds();
    if (!enc.getTypeIds().every((t) => t === 0)) c.type_ids = enc.getTypeIds();
    if (!v.sweep) c.tokens = enc.getTokens();
    cases.push(c);
  }
  out.variants.push({ name: v.name, note: v.note, overrides: v.overrides, cases });
}
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
