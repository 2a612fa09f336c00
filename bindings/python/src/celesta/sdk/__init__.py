"""``celesta.sdk``: TALON's SDK (``talon.sdk``) on Celesta's engine, same names and signatures.

Analysis: ``analyze_graph``, ``summarize``, ``format_bytes``, ``format_number``, ``profile_graph``,
``format_profile``, ``lint_graph``; fingerprints: ``fingerprint_graph``, ``fingerprint_graph_dual``,
``verify_fingerprint``, ``stamp_graph``, ``get_stamp``; transforms: ``quantize_weights``,
``convert_to_spiking``, ``merge_graphs``, ``prune_disconnected``, ``batch_convert``; energy:
``estimate_energy``, ``ENERGY_TABLE``; the one-call workflow: ``run_pipeline``, ``PipelineConfig``;
views (from ``celesta.viz``): ``export_html``, ``visualize_partitioned``,
``visualize_execution_schedule``. Each call also takes ``talon_compatible=`` where Celesta
corrects TALON (README, "Differences from TALON, on purpose")."""

from ._analysis import (
    ENERGY_TABLE,
    ConversionResult,
    EnergyEstimate,
    GraphStats,
    HardwareProfile,
    LayerStats,
    LintIssue,
    LintResult,
    Severity,
    analyze_graph,
    batch_convert,
    convert_to_spiking,
    dequantized,
    estimate_energy,
    fingerprint_graph,
    fingerprint_graph_dual,
    format_bytes,
    format_number,
    format_profile,
    get_stamp,
    lint_graph,
    merge_graphs,
    profile_graph,
    prune_disconnected,
    quantize_weights,
    stamp_graph,
    summarize,
    verify_fingerprint,
)
from ._pipeline import PipelineConfig, PipelineResult, run_pipeline
from ..viz import export_html, visualize_execution_schedule, visualize_partitioned

__all__ = [
    "ENERGY_TABLE", "ConversionResult", "EnergyEstimate", "GraphStats", "HardwareProfile", "LayerStats", "LintIssue",
    "LintResult", "Severity", "analyze_graph", "batch_convert", "convert_to_spiking", "dequantized", "estimate_energy",
    "fingerprint_graph", "fingerprint_graph_dual", "format_bytes", "format_number", "format_profile", "get_stamp",
    "lint_graph", "merge_graphs", "profile_graph", "prune_disconnected", "quantize_weights", "stamp_graph", "summarize",
    "verify_fingerprint", "PipelineConfig", "PipelineResult", "run_pipeline", "export_html", "visualize_partitioned",
    "visualize_execution_schedule",
]
