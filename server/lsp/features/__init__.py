"""LSP features, one module each, every one with ``register(server)``.

To add a feature, write a module here and list it in ``FEATURES`` (see docs/ARCHITECTURE.md).
Order matters only where one feature aggregates others' providers: none does at register
time, so features are listed by theme.
"""

from __future__ import annotations

from prosepy.server.lsp.features import (
    code_actions,
    code_lens,
    doctor,
    document_symbols,
    documents,
    explain_with_model,
    fix_error,
    generate,
    generated_results,
    generated_review,
    hover,
    inlay_hints,
    lifecycle,
    model_status,
    run,
    run_actions,
    run_results,
    run_views,
    table_pages,
    variables,
)

FEATURES = (
    lifecycle,
    documents,
    doctor,
    code_lens,
    code_actions,
    hover,
    explain_with_model,
    model_status,
    generate,
    generated_review,
    run_views,  # before run_results: a table or figure comes above the run's details
    run_results,
    generated_results,
    variables,
    table_pages,
    inlay_hints,
    run,
    run_actions,
    fix_error,
    document_symbols,
)
