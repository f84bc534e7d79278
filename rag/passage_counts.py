"""How many passages a question reads, and how many of them are named or written out as hints."""

# Passages handed to the model when retrieval chooses them. FacQA valid 1-100 (55 documents):
# 3 gave accuracy 0.70 against 0.69 with 4 (on a slightly older main), median time to first
# token 3.6 s against 5.7 s (each passage is ~110 fresh prompt tokens at ~100 tokens/s here),
# full answer 8.1 s against 11.2 s. `retriever.focus` then drops those BM25 barely matches.
K_RETRIEVED = 3
# With the whole corpus in the cached prompt, the paragraphs retrieval ranks first are named as
# hints after the question; 2 instead of 4 lost a seed_dev answer (d05), so this stays 4.
K_HINTS = 4
# ... and the first of them are also written out just before the question. Dev (the four seed
# sets, 66 answerable and 23 unanswerable questions): right answers 47 -> 50 with one written
# out, 51 with two, 52 with these two numbers; refusals 19 -> 18, 21, 20. Each costs ~60-100
# fresh prompt tokens (~0.9 s to the first token); a question in the other language gets one.
# That was first for time (its translation took ~1.8 s); an English question that searches the
# corpus's English copy (`corpus_copy`) is not translated, and one still did better than two on
# the 39 English questions of the four seed sets: 22 of 29 right and 7 of 10 traps refused,
# against 20 and 9 (first token 1.76 s against 2.08 s).
HINT_TEXTS = 2
HINT_TEXTS_OTHER_LANGUAGE = 1
RETRIEVAL_K = 4  # retrieval on its own (`rag eval --retrieval-only`, `rag bench`)
