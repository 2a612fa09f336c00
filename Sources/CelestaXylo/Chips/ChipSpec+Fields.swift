import CelestaIR
/// One value of a chip record as the front ends show it.
public enum ChipFieldValue: Sendable, Equatable {
    case int(Int)
    case bool(Bool)
    case text(String)
    case list([String])
}

extension ChipSpec {
    /// The record as ordered `(key, value)` pairs, with the same snake_case keys and the same
    /// conventions as the C struct `celesta_xylo_chip_info_t` and the Python dicts of
    /// `celesta.chips()` (0 for "not published" / "absent"). The CLI prints this list.
    public var fields: [(key: String, value: ChipFieldValue)] {
        [
            ("id", .text(id)),
            ("name", .text(name)),
            ("aliases", .list(aliases)),
            ("core_version", .int(core.rawValue)),
            ("max_inputs", .int(maxInputs)),
            ("max_hidden_neurons", .int(maxHiddenNeurons)),
            ("max_output_neurons", .int(maxOutputNeurons)),
            ("recommended_max_output_neurons", .int(recommendedMaxOutputNeurons)),
            ("max_input_expansion_neurons", .int(maxInputExpansionNeurons)),
            ("max_output_expansion_neurons", .int(maxOutputExpansionNeurons)),
            ("synapses_per_hidden_neuron", .int(synapsesPerHiddenNeuron)),
            ("synapses_per_output_neuron", .int(synapsesPerOutputNeuron)),
            ("max_recurrent_fanout_entries", .int(maxRecurrentFanoutEntries ?? 0)),
            ("max_alias_targets", .int(maxAliasTargets)),
            ("weight_bits", .int(weightBits)),
            ("state_bits", .int(stateBits)),
            ("threshold_bits", .int(thresholdBits)),
            ("bias_bits", .int(biasBits ?? 0)),
            ("dash_min", .int(dashRange.lowerBound)),
            ("dash_max", .int(dashRange.upperBound)),
            ("weight_shift_max", .int(weightShiftRange.upperBound)),
            ("max_input_events_per_step", .int(maxInputEventsPerStep)),
            ("max_hidden_spikes_per_step", .int(maxHiddenSpikesPerStep)),
            ("max_output_spikes_per_step", .int(maxOutputSpikesPerStep)),
            ("front_end", .text(frontEnd.rawValue)),
            ("mapper_dialect", .text(mapperDialect.rawValue)),
            ("has_dev_kit", .bool(hasDevKit)),
            ("cycles_report_isyn2_ops", .bool(cyclesReportIsyn2Operations)),
        ]
    }
}

extension ChipFieldValue {
    /// The value as JSON text.
    public var json: String {
        switch self {
        case .int(let v): return String(v)
        case .bool(let b): return b ? "true" : "false"
        case .text(let s): return JSONText.quote(s)
        case .list(let items): return "[" + items.map(JSONText.quote).joined(separator: ", ") + "]"
        }
    }

    /// The value as table text.
    public var text: String {
        switch self {
        case .int(let v): return String(v)
        case .bool(let b): return b ? "yes" : "no"
        case .text(let s): return s
        case .list(let items): return items.joined(separator: ",")
        }
    }
}
