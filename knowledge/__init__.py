"""The knowledge Tactful grounds every draft in: policy documents, past incident
write-ups (a Chroma store with BM25 fused in) and the structured policy book."""
