"""The library: parse, chunk, embed and index documents; retrieve, decide relevance and answer with citations."""
