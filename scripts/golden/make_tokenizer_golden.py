#!/usr/bin/env python3
"""Golden token ids for hopscope's tokenizers, from llama.cpp itself (llama-cpp-python).

Writes Tests/ModelTests/Fixtures/tokenizer-smollm2.json and tokenizer-gemma3.json:

    {"model": <file name>, "add_bos": bool,
     "cases": [{"text": str, "ids": [int], "decoded": str, "plain_ids": [int]}, ...]}

ids:     Llama.tokenize(text.encode(), add_bos=<metadata add_bos_token>, special=True)
plain_ids: Llama.tokenize(text.encode(), add_bos=False, special=False) (no BOS, control tokens as text)
decoded: llama_detokenize(ids, remove_special=True, unparse_special=True), UTF-8 with U+FFFD
         for ill-formed bytes (errors="replace")

Also writes tokenizer-pretokenizer.json: the words that the pre-tokenizer regexes (gpt-2, smollm,
llama-bpe, qwen2) cut tricky strings into, by the `regex` module (which knows \\p{L}, \\p{N}).

Usage:
    pip install llama-cpp-python regex
    python3 scripts/golden/make_tokenizer_golden.py [--models DIR]
"""

import argparse
import ctypes
import json
import os
import random
import sys

try:
    import llama_cpp
except ImportError:  # only the pre-tokenizer splits can be made without it
    llama_cpp = None

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "Tests", "ModelTests", "Fixtures")

MODELS = {
    "smollm2": "SmolLM2-135M-Instruct.Q4_1.gguf",
    "gemma3": "gemma-3-270m-q4_k_m.gguf",
}

# Hand-written cases: every kind of text a tokenizer gets wrong.
COMMON = [
    "",
    " ",
    "  ",
    "   ",
    "\t",
    "\n",
    "\n\n",
    "\r\n",
    " \n",
    "\n ",
    "a",
    "Hello world! 123",
    "Hello, world!",
    "hello world",
    " Hello world",
    "Hello world ",
    "  leading and trailing  ",
    "The currency of the country of origin of Toyota is",
    "The spouse of the performer of Imagine is",
    "The capital of the country where the Eiffel Tower is located is",
    "The mother tongue of the director of Parasite is",
    "The birthplace of the author of Hamlet is",
    " Paris",
    " Berlin",
    " Yoko Ono",
    "John Lennon",
    # contractions, apostrophes, quotes
    "I'm sure you're right, they'll see it's John's and we've I'd",
    "DON'T SHOUT, IT'S LOUD, WE'RE HERE, I'LL GO",
    "it’s a ‘curly’ “quoted” string",
    "rock 'n' roll",
    "' s 't 're",
    "''''",
    "l'homme d'affaires",
    # digits and numbers
    "0",
    "12",
    "123",
    "1234",
    "12345678901234567890",
    "3.14159",
    "-42.5e-10",
    "1,000,000",
    "in 1999 and 2024",
    "٣٤٥ ١٢",
    "१२३४",
    "Ⅻ ½ ² ①",
    "v1.2.3-beta+001",
    "+1 (555) 123-4567",
    # whitespace runs
    "a  b",
    "a   b",
    "a    b",
    "a\tb",
    "a\t\tb",
    "a\n\nb",
    "a\r\nb",
    "line one\nline two\n",
    "tabs\t\t\tand spaces    mixed \t \n",
    "    indented code",
    "trailing spaces   ",
    "\n\n\n\n",
    "                                                  ",
    "x" + " " * 40 + "y",
    "\u00a0nbsp\u00a0",
    "ideographic\u3000space",
    "zero\u200bwidth",
    "em\u2003space",
    "line\u2028separator",
    # scripts
    "日本語のテキストです。",
    "東京は日本の首都です",
    "中文字符测试，你好世界！",
    "한국어 텍스트입니다",
    "안녕하세요",
    "مرحبا بالعالم",
    "العربية: السلام عليكم",
    "שלום עולם",
    "עברית עם ניקוד: שָׁלוֹם",
    "नमस्ते दुनिया",
    "हिन्दी में लिखा हुआ पाठ",
    "สวัสดีชาวโลก",
    "ภาษาไทย",
    "Привет, мир!",
    "Съешь же ещё этих мягких французских булок",
    "Γειά σου Κόσμε",
    "Ελληνικά: αβγδε ΑΒΓΔΕ",
    "Tiếng Việt có dấu",
    "Zażółć gęślą jaźń",
    "Ñandú, pingüino, café",
    "straße Größe",
    "ქართული ენა",
    "Հայերեն",
    "አማርኛ",
    "தமிழ்",
    "বাংলা",
    "ελληνικά и русский mixed with English",
    # combining marks, normalisation
    "e\u0301",
    "cafe\u0301",
    "café",
    "n\u0303",
    "a\u0308\u0301",
    "Z\u0351\u0352\u0353algo",
    "\u1100\u1161\u11a8",
    "ﬁ ﬂ",
    # emoji
    "😀",
    "👍🏽",
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "🇯🇵🇺🇸🇫🇷",
    "❤️",
    "I love 🍕 and 🍣!",
    "🧑🏿‍💻 coding",
    "✨🚀✨",
    "emoji at end 🎉",
    # symbols and punctuation
    "!!!???...",
    "...",
    "—",
    "a—b–c",
    "©®™",
    "€100 £50 ¥1000 $5",
    "→ ← ↑ ↓ ⇒",
    "∀x∈ℝ: x² ≥ 0",
    "<html><body>hi</body></html>",
    "#include <stdio.h>",
    "@user #hashtag",
    "~`!@#$%^&*()_+-={}[]|\\:;\"'<>,.?/",
    "((()))",
    "a.b.c",
    "..,,;;",
    # code
    "def f(x):\n    return x * 2\n",
    "for (int i = 0; i < n; ++i) { sum += a[i]; }",
    "let x: [Int] = [1, 2, 3]\nprint(x.map { $0 * 2 })",
    "fn main() {\n    println!(\"Hello\");\n}",
    "SELECT * FROM users WHERE id = 42;",
    "if err != nil {\n\treturn err\n}",
    "const f = async () => { await g(); };",
    "<?php echo $x; ?>",
    "#!/bin/bash\necho \"$HOME\" | grep -v '^#'",
    "x = {'a': 1, \"b\": [2, 3]}",
    # URLs, emails, JSON
    "https://example.com/path?query=1&b=2#frag",
    "http://www.wikipedia.org/wiki/Toyota",
    "mailto:someone@example.com",
    "contact: john.doe+tag@mail.example.co.uk",
    "{\"name\": \"Toyota\", \"country\": \"Japan\", \"id\": 123}",
    "[1, 2, {\"a\": null, \"b\": true}]",
    # mixed
    "Mixed CASE Words AND acronyms like NASA, GPU, CPU",
    "camelCaseIdentifier snake_case_name kebab-case-name",
    "ALLCAPS",
    "a1b2c3",
    "abc123def456",
    "x86_64-unknown-linux-gnu",
    "C++ and C# and F#",
    "U.S.A. e.g. i.e. etc.",
    "Mr. Smith's dog's bone",
    # invalid-looking but valid text
    "\ufffd",
    "\u0000",
    "\x01\x02\x7f",
    "\u00ad soft hyphen",
    "\ufeffBOM",
    "\U0001F600\U0001F601",
    "\U00020000 extension B",
    # characters newer than llama.cpp's Unicode tables (15.1): unassigned to it, letters to Swift
    "a\u1c89b \u1c89\u1c8a x\ua7cb1",
    "\U000105c0\U000105c1 \U000105c2!",
    "ab\u088f cd\u0c5c",
    "CJK Ext I \U0002ebf0\U0002ebf1 (15.1)",
]

SMOLLM_SPECIAL = [
    "<|im_start|>user\nHi<|im_end|>",
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nThe currency of the country of origin of Toyota is<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>",
    "<|endoftext|><|endoftext|>",
    "text<|im_end|>more",
    "<|im_start|><|im_end|>",
    "<|im_start",
    "<|im_start|",
    "< |im_start|>",
    "<repo_name>hopscope<file_sep>main.swift",
    "<jupyter_code>print(1)<jupyter_output>1",
    " <|im_start|> spaced ",
    "<|im_end|>\n",
    "<|IM_START|>",
]

GEMMA_SPECIAL = [
    "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n",
    "<start_of_turn>user\nThe spouse of the performer of Imagine is<end_of_turn>\n<start_of_turn>model\n",
    "<bos>",
    "<bos>Hello",
    "<eos>",
    "<pad><unk><mask>",
    "<unused0><unused12><unused123>",
    "<start_of_image>",
    "[multimodal]",
    "</s>",
    "<s>",
    "text<end_of_turn>more",
    "<start_of_turn",
    "< start_of_turn>",
    " <start_of_turn> spaced ",
    "<end_of_turn>\n",
    "<0x41>",
    "<b>bold</b> <i>italic</i>",
    "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n",
    "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t",
]

# Pieces for random strings: words, numbers, punctuation, scripts, whitespace, emoji.
ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyz",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789",
    " ",
    "  \t\n",
    ".,;:!?'\"()[]{}<>-_/\\|@#$%^&*+=~`",
    "àéîõüçñßøå",
    "абвгдежзийклмнопрстуфхцчшщыэюя",
    "αβγδεζηθικλμνξοπρστυφχψω",
    "あいうえおかきくけこアイウエオ漢字日本中国语",
    "가나다라마바사아자차카타파하",
    "אבגדהוזחטיכלמנסעפצקרשת",
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "कखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसह्ािीुूेैोौं",
    "กขคฆงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮะาิีึืุู่้๊๋",
    "😀👍🏽🍕🎉🚀❤️‍🔥",
    "\u0301\u0308\u0303\u200d\u200b\ufe0f",
    "\u00a0\u2003\u3000\r",
]

WORDS = ["the", "of", "country", "currency", "Toyota", "is", "capital", "performer", "spouse",
         "Imagine", "Japan", "yen", "a", "an", "and", "to", "in", "New York", "Paris", "hello",
         "world", "don't", "it's", "you're", "we'll", "42", "3.14", "2024", "🙂", "東京", "Москва",
         "naïve", "résumé", "Ελλάδα", "مصر", "ישראל", "भारत", "ไทย", "서울"]


def random_cases(seed, count):
    rng = random.Random(seed)
    out = []
    for i in range(count):
        kind = i % 3
        if kind == 0:
            # random characters from a few alphabets
            n = rng.randint(1, 40)
            alphabets = rng.sample(ALPHABETS, rng.randint(1, 4))
            s = "".join(rng.choice(rng.choice(alphabets)) for _ in range(n))
        elif kind == 1:
            # random words with random separators
            n = rng.randint(1, 12)
            seps = [" ", " ", " ", "  ", "\n", ", ", ". ", "\t", "", "-", "'"]
            s = ""
            for _ in range(n):
                s += rng.choice(WORDS) + rng.choice(seps)
        else:
            # random printable ASCII with digits runs
            n = rng.randint(1, 60)
            chars = []
            for _ in range(n):
                r = rng.random()
                if r < 0.2:
                    chars.append(str(rng.randint(0, 10 ** rng.randint(1, 8))))
                elif r < 0.3:
                    chars.append(rng.choice([" ", "  ", "\n", "\t", "\r\n"]))
                else:
                    chars.append(chr(rng.randint(0x20, 0x7E)))
            s = "".join(chars)
        out.append(s)
    return out


def random_unicode_cases(seed, count):
    """Characters from all over the code space (assigned or not), with spaces and joiners."""
    rng = random.Random(seed)
    common = [0x20, 0x20, 0x0A, 0x09, 0x0D, 0x2019, 0x27, 0x301, 0x200D, 0xFE0F, 0x3000, 0xA0, 0x85, 0x0B]
    out = []
    for _ in range(count):
        chars = []
        for _ in range(rng.randint(1, 30)):
            r = rng.random()
            if r < 0.3:
                cp = rng.randint(0x20, 0x7E)
            elif r < 0.5:
                cp = rng.randint(0xA0, 0x2FFF)
            elif r < 0.7:
                cp = rng.randint(0x3000, 0xD7FF)
            elif r < 0.8:
                cp = rng.randint(0xE000, 0xFFFF)
            elif r < 0.9:
                cp = rng.randint(0x10000, 0x2FFFF)
            else:
                cp = rng.choice(common)
            chars.append(chr(cp))
        out.append("".join(chars))
    return out


def special_soup(pool, seed, count):
    """Special tokens, pieces of them and text glued together."""
    rng = random.Random(seed)
    return ["".join(rng.choice(pool) for _ in range(rng.randint(1, 10))) for _ in range(count)]


SMOLLM_POOL = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<repo_name>", "<file_sep>", "<|im", "_start|>",
               " ", "\n", "a", "1", "'s"]
GEMMA_POOL = ["<start_of_turn>", "<end_of_turn>", "<bos>", "<eos>", "</s>", "<unused3>", "[multimodal]", "<start",
              "_of_turn>", "\n\n", "  ", "\t\t", " ", "a", "1", "<0x41>"]


def long_text():
    para = ("The currency of the country of origin of Toyota is the Japanese yen. "
            "Toyota Motor Corporation is a Japanese multinational automotive manufacturer "
            "headquartered in Toyota City, Aichi, Japan. It was founded by Kiichiro Toyoda in 1937. ")
    return (para * 8)[:2000]


def detokenize(model, ids):
    vocab = llama_cpp.llama_model_get_vocab(model.model)
    arr = (llama_cpp.llama_token * max(1, len(ids)))(*ids)
    size = 4096 + 16 * len(ids)
    buf = ctypes.create_string_buffer(size)
    n = llama_cpp.llama_detokenize(vocab, arr, len(ids), buf, size, True, True)
    if n < 0:
        raise RuntimeError("detokenize buffer too small")
    return buf.raw[:n]


# The pre-tokenizer expressions, as in the models' tokenizer.json and llama.cpp's llama-vocab.cpp.
GPT2_RE = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3_RE = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2_RE = LLAMA3_RE.replace(r"\p{N}{1,3}", r"\p{N}")
# Qwen 3.5 (tokenizer.json's expression): letter runs take combining marks too.
QWEN35_RE = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*"
             r"|\s*[\r\n]+|\s+(?!\S)|\s+")
# DeepSeek Coder's five expressions as llama.cpp runs them (std::regex on its collapsed text: ASCII
# classes as written, other scalars by category; \s = ASCII [\t-\r ] or other White_Space).
_WS = r"(?:[\t-\r ]|(?![\x00-\x7f])\s)"
DEEPSEEK_CODER_RES = [
    r"[\r\n]",
    _WS + r"?(?:[A-Za-z]|(?![\x00-\x7f])\p{L})+",
    _WS + r"?(?:[!-#%-*,-/:-;?-@\[-\]_{}]|(?![\x00-\x7f])\p{P})+",
    "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+",
    r"(?:[0-9]|(?![\x00-\x7f])\p{N})",
]
# Which of them llama.cpp runs through std::wregex on the scalars (no \p{…}: the CJK ranges) instead of
# the collapsed text; there non-ASCII whitespace reads as \v (`wide`), so the CJK range misses U+3000.
DEEPSEEK_CODER_WIDE = [False, False, False, True, False]
# DeepSeek LLM's six (llama-vocab.cpp, LLAMA_VOCAB_PRE_TYPE_DEEPSEEK_LLM): the first five through
# std::wregex on the `wide` scalars (\s = [\t-\r ], the ranges as written; `$` = the piece's end), the
# last, \p{N}+, on the collapsed text.
DEEPSEEK_LLM_RES = [
    r"[\r\n]",
    r"[\t-\r ]?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
    r"[\t-\r ]?[!-/:-~！-／：-～‘-‟　-。]+",
    r"[\t-\r ]+\Z",
    "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+",
    r"(?:[0-9]|(?![\x00-\x7f])\p{N})+",
]
DEEPSEEK_LLM_WIDE = [True, True, True, True, True, False]
# Falcon's first expression `[\p{P}\$\+<=>\^~\|`]+` on llama.cpp's collapsed text.
FALCON_PUNCT_RE = r"(?:[!-#%-*,-/:-;?-@\[-\]_{}$+<=>^~|`]|(?![\x00-\x7f])\p{P})+"

PRETOKENIZER_CASES = [
    "Hello world! 123", "I'm you're they'll it's we've I'd don't", "'s 't 're", "x's", "'S 'T 'RE 'VE 'M 'LL 'D",
    "'", "''", "' s", "'ll've", "rock 'n' roll", "  leading", "trailing  ", "a  b", "a   b", "a \n b",
    " \n \n x", "\n\n\n", "\r\n\r\nx", "a\r\n", "x\t\ty", "\t\n", "   \n  ", "?!\n\n", "...\r\n\r\n",
    " ?", "a ?b", "$100", "1", "12", "123", "1234", "1234567", "3.14159", "v1.2.3", "a1b22c333d4444",
    "١٢٣٤٥", "Ⅻ½²", "naïve café", "e\u0301e\u0301", "\u0915\u093f", "日本語テキスト", "한국어 텍스트",
    "مرحبا بالعالم", "שלום", "Привет, мир!", "Γειά σου", "😀👍🏽", "👨\u200d👩\u200d👧", "🇯🇵",
    "a\u00a0b", "a\u3000b", "x\u2028y", " \u00a0 ", "def f(x):\n    return x * 2\n", "{\"a\": [1, 2]}",
    "https://example.com/a?b=1", "user@mail.com", "ALLCAPS WORDS", "camelCase snake_case", " !!", "!! ",
    "  !!", "a\n\n  b", "\n  x", " 123", "  123", "x 1 2", "(1+2)*3=9", "--flag=value", "#!/bin/sh",
    "\u00ad", "\u200b", "a\u200bb", "tab\tafter", "end.\n", "Mr. O'Neil's", "O'NEIL'S",
    "Héllo wörld", "ǅemal ʔa", "日\u3000本", "a  \n", "Ｆｕｌｌ！ｗｉｄｔｈ", "\u201cquoted\u201d", "Ωhm ℃",
]


def pretokenizer_cases():
    import regex
    gpt2, llama3, qwen2 = regex.compile(GPT2_RE), regex.compile(LLAMA3_RE), regex.compile(QWEN2_RE)
    qwen35 = regex.compile(QWEN35_RE)
    deepseek_coder = [regex.compile(e) for e in DEEPSEEK_CODER_RES]
    deepseek_llm = [regex.compile(e) for e in DEEPSEEK_LLM_RES]
    falcon = [regex.compile(FALCON_PUNCT_RE), gpt2, regex.compile(r"[0-9][0-9][0-9]")]

    def wide(text):
        """The scalars as llama.cpp's std::wregex path sees them: non-ASCII whitespace becomes \\v."""
        return "".join("\x0b" if ord(c) > 0x7F and regex.match(r"\s", c) else c for c in text)

    def sequential(exprs, text, on_wide=None):
        """llama.cpp's unicode_regex_split: each expression splits every piece into matches and gaps
        (matched on the `wide` text where `on_wide` says so, cut from the text itself)."""
        pieces = [(0, len(text))] if text else []
        wtext = wide(text)
        for k, e in enumerate(exprs):
            subject = wtext if on_wide and on_wide[k] else text
            out = []
            for a, b in pieces:
                at = a
                for m in e.finditer(subject[a:b]):
                    if a + m.start() > at:
                        out.append((at, a + m.start()))
                    out.append((a + m.start(), a + m.end()))
                    at = a + m.end()
                if at < b:
                    out.append((at, b))
            pieces = out
        return [text[a:b] for a, b in pieces]
    number = regex.compile(r"\p{N}")

    def smollm(text):
        words, start = [], 0
        for m in number.finditer(text):
            if m.start() > start:
                words += gpt2.findall(text[start:m.start()])
            words.append(m.group())
            start = m.end()
        if start < len(text):
            words += gpt2.findall(text[start:])
        return words

    return [{"text": t, "gpt-2": gpt2.findall(t), "smollm": smollm(t), "llama-bpe": llama3.findall(t),
             "qwen2": qwen2.findall(t), "qwen35": qwen35.findall(t),
             "deepseek-coder": sequential(deepseek_coder, t, DEEPSEEK_CODER_WIDE),
             "deepseek-llm": sequential(deepseek_llm, t, DEEPSEEK_LLM_WIDE), "falcon": sequential(falcon, t)}
            for t in PRETOKENIZER_CASES]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_home = os.environ.get("HOPSCOPE_HOME") or os.path.expanduser("~/.cache/hopscope")
    ap.add_argument("--models", default=os.path.join(default_home, "models"))
    args = ap.parse_args()

    os.makedirs(FIXTURES, exist_ok=True)
    out = os.path.join(FIXTURES, "tokenizer-pretokenizer.json")
    try:
        cases = pretokenizer_cases()
    except ImportError:
        print(f"{out}: kept as is (pip install regex to re-make it)", file=sys.stderr)
    else:
        with open(out, "w", encoding="utf-8") as f:
            f.write("[\n" + ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n]\n")
        print(f"{out}: {len(cases)} cases", file=sys.stderr)
    if llama_cpp is None:
        sys.exit("llama-cpp-python is not installed: pip install llama-cpp-python")
    for key, file_name in MODELS.items():
        path = os.path.join(args.models, file_name)
        llm = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)
        add_bos = bool(llm._model.add_bos_token())  # tokenizer.ggml.add_bos_token
        special = SMOLLM_SPECIAL if key == "smollm2" else GEMMA_SPECIAL
        pool = SMOLLM_POOL if key == "smollm2" else GEMMA_POOL
        texts = (COMMON + special + [long_text()] + random_cases(seed=20240612, count=150)
                 + random_unicode_cases(seed=2406, count=60) + special_soup(pool, seed=12775, count=40))
        seen = set()
        cases = []
        for text in texts:
            if text in seen:
                continue
            seen.add(text)
            ids = llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)
            decoded = detokenize(llm._model, ids).decode("utf-8", errors="replace")
            plain = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
            cases.append({"text": text, "ids": ids, "decoded": decoded, "plain_ids": plain})
        out = os.path.join(FIXTURES, f"tokenizer-{key}.json")
        # One case per line, so that a change in llama.cpp shows as a readable diff.
        with open(out, "w", encoding="utf-8") as f:
            head = {"model": file_name, "add_bos": add_bos, "llama_cpp_python": llama_cpp.__version__}
            f.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "cases": [\n')
            f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
            f.write("\n]}\n")
        print(f"{out}: {len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
