"""Real components and fakes for tests and benchmarks, kept out of the shipped wheel: scripted chat models
(obedient, sloppy and adversarial), a fake OpenAI-compatible endpoint, throwaway PostgreSQL clusters, and
`tactful serve` / `tactful app` processes on free loopback ports."""
