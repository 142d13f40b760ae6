"""Ingestion, chunking, embedding, indexing, retrieval and answering over the library."""
