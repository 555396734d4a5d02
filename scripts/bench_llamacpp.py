#!/usr/bin/env python3
"""llama.cpp's speed on a GGUF, measured like `hopscope bench`: the baseline for our ratios.

Prints one JSON object: load_s, first_prompt_s, prompt_tokens, prompt_tokens_per_s, generation_tokens_per_s (medians of
--repeats runs after a warm-up), using llama-cpp-python with --threads threads.
Usage: bench_llamacpp.py MODEL [--prompt-tokens 16] [--gen-tokens 32] [--repeats 5] [--threads 2]
"""
import argparse, json, resource, statistics, sys, time

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--prompt-tokens", type=int, default=16)
    ap.add_argument("--gen-tokens", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    import llama_cpp
    t0 = time.perf_counter()
    llm = llama_cpp.Llama(model_path=a.model, n_ctx=512, n_batch=512, n_threads=a.threads,
                          n_threads_batch=a.threads, verbose=False)
    load = time.perf_counter() - t0
    text = "The quick brown fox jumps over the lazy dog while the capital of France is Paris. " * (1 + a.prompt_tokens // 8)
    ids = llm.tokenize(text.encode(), add_bos=False)[: a.prompt_tokens]

    def prompt_once():
        llm.reset()
        s = time.perf_counter()
        llm.eval(ids)
        return time.perf_counter() - s

    def gen_once():
        llm.reset()
        llm.eval(ids)
        s = time.perf_counter()
        tok = ids[-1]
        for _ in range(a.gen_tokens):
            llm.eval([tok])
            tok = int(llm.scores[llm.n_tokens - 1].argmax())
        return time.perf_counter() - s

    def med(f):
        f()
        return statistics.median(f() for _ in range(a.repeats))

    first = prompt_once()   # the first evaluation after loading (pages read, weights repacked)
    p = med(prompt_once)
    g = med(gen_once)
    json.dump({"engine": "llama.cpp", "load_s": load, "first_prompt_s": first, "prompt_tokens": len(ids),
               "prompt_tokens_per_s": len(ids) / p, "generation_tokens_per_s": a.gen_tokens / g,
               "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, sys.stdout)
    print()

if __name__ == "__main__":
    main()
