"""Energy presets: picojoules per operation (TALON's ``ENERGY_PRESETS``). Every energy computed
from them is an estimate from per-operation costs, not a measurement."""

from __future__ import annotations

import copy

ENERGY_PRESETS: dict = {
    "45nm_cmos": {"mac_pj": 0.9, "spike_pj": 0.1, "sram_read_pj": 5.0, "sram_write_pj": 5.0,
                  "description": "Standard 45 nm CMOS process (Horowitz 2014)"},
    "28nm_cmos": {"mac_pj": 0.5, "spike_pj": 0.06, "sram_read_pj": 2.5, "sram_write_pj": 2.5,
                  "description": "28 nm CMOS process"},
    "neuromorphic_int8": {"mac_pj": 4.6, "spike_pj": 0.9, "sram_read_pj": 5.0, "sram_write_pj": 5.0,
                          "description": "Representative INT8 neuromorphic accelerator"},
    "zynq_us_plus": {"mac_pj": 3.2, "spike_pj": 0.7, "sram_read_pj": 4.0, "sram_write_pj": 4.0,
                     "description": "Zynq UltraScale+ XCZU9EG on ZCU102 (16 nm FinFET, 274K LUTs, 2520 DSP48, 32.1 Mb BRAM)"},
    "zcu102": {"mac_pj": 3.2, "spike_pj": 0.7, "sram_read_pj": 4.0, "sram_write_pj": 4.0,
               "description": "Alias for zynq_us_plus (XCZU9EG-2FFVB1156 on ZCU102)"},
    "zynq_7020": {"mac_pj": 6.5, "spike_pj": 1.2, "sram_read_pj": 8.0, "sram_write_pj": 8.0,
                  "description": "Xilinx Zynq-7020 FPGA (28 nm)"},
}

DEFAULT_PRESET = "neuromorphic_int8"


def get_energy_preset(name: str) -> dict:
    """A copy of the preset ``name`` (KeyError listing the known ones)."""
    if name not in ENERGY_PRESETS:
        raise KeyError(f"Unknown energy preset '{name}'. Available: {sorted(ENERGY_PRESETS)}")
    return copy.deepcopy(ENERGY_PRESETS[name])
