"""Knowledge: the library (parse … answer, in ``library/``) and writing copy (drafting, checks, personas,
in ``writing/``), over the text helpers, segmenter and chat-model port they share."""
