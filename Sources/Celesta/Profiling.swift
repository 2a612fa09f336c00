// Exported C functions: the Xylo clock-cycle model and the real-time clock estimate.

import CelestaIR
import CelestaXylo

/// Estimates the master-clock cycles the SNN core of `config`'s chip needs for one time step
/// (Rockpool's `cycles_model`), given the probabilities in 0..1 that an input channel, a
/// hidden neuron and an output neuron fire in a step (1, 1, 1 is the worst case).
/// `*cycles` receives the cycles; `isyn2_ops` (may be NULL) receives Xylo Audio 2's additional
/// synapse-2 operations that run in parallel (0 on Xylo Audio 3).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_OUT_OF_RANGE (a probability outside 0..1,
/// naming it), CELESTA_ERR_UNSUPPORTED (Xylo v1 has no published cycle model). On error the
/// outputs are untouched. Thread safety: any thread.
@_cdecl("celesta_xylo_cycles")
public func celesta_xylo_cycles(
    _ cycles: UnsafeMutablePointer<Double>?, _ isyn2_ops: UnsafeMutablePointer<Double>?,
    _ config: celesta_xylo_config_cref?, _ input_sp: Double, _ hidden_sp: Double, _ output_sp: Double
) -> Int32 {
    guarded {
        let box = try object(config, ConfigBox.self, "config")
        let out = try required(cycles, "cycles")
        let estimate = try XyloCycles.cycles(
            box.config, chip: box.chip, inputRate: input_sp, hiddenRate: hidden_sp, outputRate: output_sp)
        out.pointee = estimate.cycles
        isyn2_ops?.pointee = estimate.isyn2Operations ?? 0
    }
}

/// The master-clock frequency in Hz that runs `config` in real time with time step `dt`
/// seconds, assuming every input, hidden and output neuron fires every step, plus `margin`
/// (Rockpool's `est_clock_freq`; its default margin is 0.2).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_OUT_OF_RANGE (dt <= 0 or margin < 0),
/// CELESTA_ERR_UNSUPPORTED (Xylo v1). Thread safety: any thread.
@_cdecl("celesta_xylo_clock_frequency")
public func celesta_xylo_clock_frequency(
    _ hz: UnsafeMutablePointer<Double>?, _ config: celesta_xylo_config_cref?, _ dt: Double, _ margin: Double
) -> Int32 {
    guarded {
        let box = try object(config, ConfigBox.self, "config")
        let out = try required(hz, "hz")
        out.pointee = try XyloCycles.clockFrequency(box.config, chip: box.chip, dt: dt, margin: margin)
    }
}
