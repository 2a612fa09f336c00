// Exported C functions: the chip table.

import CelestaABI
import CelestaIR
import CelestaXylo

/// The table's C strings, made once per chip for the life of the process.
private struct ChipCStrings {
    let id: UnsafePointer<CChar>
    let name: UnsafePointer<CChar>
    let aliases: UnsafePointer<CChar>
    let frontEnd: UnsafePointer<CChar>
    let mapperDialect: UnsafePointer<CChar>
}

private nonisolated(unsafe) let chipCStrings: [ChipCStrings] = ChipTable.all.map {
    ChipCStrings(
        id: permanentCString($0.id), name: permanentCString($0.name),
        aliases: permanentCString($0.aliases.joined(separator: ",")),
        frontEnd: permanentCString($0.frontEnd.rawValue), mapperDialect: permanentCString($0.mapperDialect.rawValue))
}

/// The table's C string of the chip id `id` (static storage), or nil for an unknown id.
func chipIDCString(_ id: String) -> UnsafePointer<CChar>? {
    ChipTable.all.firstIndex { $0.id == id }.map { chipCStrings[$0].id }
}

/// Fills `out` with the record of chip number `index` of the table.
private func fill(_ out: UnsafeMutablePointer<celesta_xylo_chip_info_t>, index: Int) {
    let chip = ChipTable.all[index]
    let strings = chipCStrings[index]
    var info = celesta_xylo_chip_info_t()
    info.id = strings.id
    info.name = strings.name
    info.aliases = strings.aliases
    info.core_version = Int32(chip.core.rawValue)
    info.max_inputs = Int32(chip.maxInputs)
    info.max_hidden_neurons = Int32(chip.maxHiddenNeurons)
    info.max_output_neurons = Int32(chip.maxOutputNeurons)
    info.recommended_max_output_neurons = Int32(chip.recommendedMaxOutputNeurons)
    info.max_input_expansion_neurons = Int32(chip.maxInputExpansionNeurons)
    info.max_output_expansion_neurons = Int32(chip.maxOutputExpansionNeurons)
    info.synapses_per_hidden_neuron = Int32(chip.synapsesPerHiddenNeuron)
    info.synapses_per_output_neuron = Int32(chip.synapsesPerOutputNeuron)
    info.max_recurrent_fanout_entries = Int32(chip.maxRecurrentFanoutEntries ?? 0)
    info.max_alias_targets = Int32(chip.maxAliasTargets)
    info.weight_bits = Int32(chip.weightBits)
    info.state_bits = Int32(chip.stateBits)
    info.threshold_bits = Int32(chip.thresholdBits)
    info.bias_bits = Int32(chip.biasBits ?? 0)
    info.dash_min = Int32(chip.dashRange.lowerBound)
    info.dash_max = Int32(chip.dashRange.upperBound)
    info.weight_shift_max = Int32(chip.weightShiftRange.upperBound)
    info.max_input_events_per_step = Int32(chip.maxInputEventsPerStep)
    info.max_hidden_spikes_per_step = Int32(chip.maxHiddenSpikesPerStep)
    info.max_output_spikes_per_step = Int32(chip.maxOutputSpikesPerStep)
    info.front_end = strings.frontEnd
    info.mapper_dialect = strings.mapperDialect
    info.has_dev_kit = chip.hasDevKit ? 1 : 0
    info.cycles_report_isyn2_ops = chip.cyclesReportIsyn2Operations ? 1 : 0
    store(info, to: out)
}

/// Writes the number of chips in the table to `*count` (indices 0 .. count-1 for
/// celesta_xylo_chip_info()).
///
/// Errors: CELESTA_ERR_NULL_POINTER. Thread safety: any thread.
@_cdecl("celesta_xylo_chip_count")
public func celesta_xylo_chip_count(_ count: UnsafeMutablePointer<UInt>?) -> Int32 {
    guarded {
        try required(count, "count").pointee = UInt(ChipTable.all.count)
    }
}

/// Fills `*out` with the limits of chip number `index` (0: Xylo Audio 2 syns61201, 1: Xylo
/// Audio 3 syns65302, 2: Xylo v1 syns61300). `out->struct_size` must be set (CELESTA_INIT).
///
/// Errors: CELESTA_ERR_NULL_POINTER if `out` is NULL; CELESTA_ERR_INVALID_ARGUMENT for a
/// struct_size below sizeof(celesta_xylo_chip_info_t); CELESTA_ERR_NOT_FOUND if `index` is not
/// below the chip count. On error `*out` is left untouched.
/// Thread safety: any thread.
@_cdecl("celesta_xylo_chip_info")
public func celesta_xylo_chip_info(_ out: UnsafeMutablePointer<celesta_xylo_chip_info_t>?, _ index: UInt) -> Int32 {
    guarded {
        let out = try structOut(out, "out")
        guard index < UInt(ChipTable.all.count) else {
            throw CelestaError(
                .notFound,
                "argument 'index' is \(index) but there are \(ChipTable.all.count) chips (0..\(ChipTable.all.count - 1))")
        }
        fill(out, index: Int(index))
    }
}

/// Fills `*out` with the limits of the chip called `name`: its id ("syns65302"), product name
/// ("Xylo Audio 3") or an alias ("xa3"), compared without regard to case, spaces, '-' and '_'.
/// `out->struct_size` must be set (CELESTA_INIT).
///
/// Errors: CELESTA_ERR_NULL_POINTER if `name` or `out` is NULL; CELESTA_ERR_INVALID_ARGUMENT if
/// `name` is not UTF-8 or struct_size is too small; CELESTA_ERR_NOT_FOUND for an unknown name
/// (the message lists the known chips). On error `*out` is left untouched.
/// Thread safety: any thread.
@_cdecl("celesta_xylo_chip_find")
public func celesta_xylo_chip_find(
    _ out: UnsafeMutablePointer<celesta_xylo_chip_info_t>?, _ name: UnsafePointer<CChar>?
) -> Int32 {
    guarded {
        let out = try structOut(out, "out")
        let text = try requiredString(name, "name")
        let chip = try ChipTable.chip(named: text)
        fill(out, index: ChipTable.all.firstIndex(of: chip)!)
    }
}

/// Writes the chip ids, comma-separated, into `buf`, e.g. "syns61201,syns65302,syns61300".
///
/// Size query (see the top of this header): `*len` receives the bytes needed, NUL included.
/// Thread safety: any thread.
@_cdecl("celesta_xylo_chip_ids")
public func celesta_xylo_chip_ids(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?
) -> Int32 {
    guarded {
        let ids = ChipTable.all.map(\.id).joined(separator: ",")
        try copyOut(ids, to: buf, capacity: cap, len: len)
    }
}
