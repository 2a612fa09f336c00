// Exported C functions: the dev kit's power sampling rate (Rockpool's `power_frequency`).

import CelestaABI
import CelestaHDK

/// Sets the sampling rate of the kit's power monitor for the later runs that record power
/// (celesta_xylo_hdk_evolve() and celesta_xylo_hdk_monitor() with `record_power`), Rockpool's
/// `power_frequency`; `hertz` 0 restores the chip's default (5 Hz on Xylo Audio 2, 100 Hz on
/// Xylo Audio 3, as Rockpool). `*actual_hz` (may be NULL) receives the rate in force.
///
/// Errors: CELESTA_ERR_NULL_POINTER (hdk), CELESTA_ERR_OUT_OF_RANGE (`hertz` not finite, or
/// outside (0, 10000] and not 0). On error the rate is unchanged. Thread safety: as the handle.
@_cdecl("celesta_xylo_hdk_set_power_rate")
public func celesta_xylo_hdk_set_power_rate(_ actual_hz: UnsafeMutablePointer<Double>?, _ hdk: celesta_xylo_hdk_ref?, _ hertz: Double) -> Int32 {
    guarded {
        let box = try object(hdk, HDKBox.self, "hdk")
        let actual = try box.hdk.setPowerSampleRate(hertz: hertz)
        actual_hz?.pointee = actual
    }
}
