"""Event data and spike encoding with TALON's names (``talon.io``): ``encoding`` (rate,
latency, temporal, delta), ``h5`` (event files), ``streaming`` (EVENT_DTYPE, buffers,
generate_random_events) and ``throughput`` (benchmark_throughput)."""

from . import encoding, h5, streaming, throughput
from .encoding import delta_encode, latency_encode, rate_encode, temporal_encode
from .h5 import COMPACT_H5_CONFIG, DEFAULT_H5_CONFIG, H5Config, H5EventReader, H5EventWriter, read_h5, write_h5
from .streaming import EVENT_DTYPE, BufferedEventReader, EventBuffer, generate_random_events
from .throughput import ThroughputResult, benchmark_throughput

__all__ = ["encoding", "h5", "streaming", "throughput", "rate_encode", "latency_encode", "temporal_encode", "delta_encode",
           "H5Config", "DEFAULT_H5_CONFIG", "COMPACT_H5_CONFIG", "H5EventReader", "H5EventWriter", "read_h5", "write_h5",
           "EVENT_DTYPE", "BufferedEventReader", "EventBuffer", "generate_random_events", "ThroughputResult",
           "benchmark_throughput"]
