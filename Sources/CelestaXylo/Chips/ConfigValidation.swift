import CelestaIR
/// One broken rule of a configuration: the field, the index in it (if any), the value and the
/// rule it breaks.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let index: [Int]
    public let value: String
    public let rule: String

    public var description: String {
        let where_ = index.isEmpty ? field : field + index.map { "[\($0)]" }.joined()
        return "'\(where_)' is \(value): \(rule)"
    }
}

extension XyloConfig {
    /// Checks that every value fits the simulator's integer fields (the same bounds the
    /// reference simulator's binding enforces): weights int8, thresholds and biases int16,
    /// dashes 0...255, weight shifts 0...15, at most one alias target per neuron.
    /// Chip limits are stricter; see `validate(for:)`.
    public func checkSimulatable() throws {
        var issues: [ConfigIssue] = []
        collectRangeIssues(into: &issues, weights: -128...127, state: -32768...32767, dash: 0...255, shift: 0...15,
                           limit: 1)
        if let first = issues.first {
            throw CelestaError(.outOfRange, first.description + (issues.count > 1 ? " (and \(issues.count - 1) more)" : ""))
        }
    }

    /// Validates every limit of `chip`: dimensions, bit widths and ranges of weights,
    /// thresholds, biases, dashes and weight shifts, expansion-neuron counts, aliases and
    /// recurrent fan-out. Returns every broken rule (empty when the configuration is valid).
    public func validate(for chip: ChipSpec) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func limit(_ field: String, _ value: Int, _ max: Int, _ what: String) {
            if value > max {
                issues.append(ConfigIssue(field: field, index: [], value: "\(value)", rule: "\(chip.name) (\(chip.id)) has at most \(max) \(what)"))
            }
        }
        if chipID != chip.id {
            issues.append(ConfigIssue(field: "chip", index: [], value: "'\(chipID)'", rule: "the configuration is for another chip than \(chip.id)"))
        }
        limit("n_in", nIn, chip.maxInputs, "input channels")
        limit("n_hidden", nHidden, chip.maxHiddenNeurons, "hidden neurons")
        limit("n_out", nOut, chip.maxOutputNeurons, "output neurons")
        limit("n_ien", nIEN, chip.maxInputExpansionNeurons, "input expansion neurons")
        limit("n_oen", nOEN, chip.maxOutputExpansionNeurons, "output expansion neurons")
        limit("n_syn", nSyn, chip.synapsesPerHiddenNeuron, "synapses per hidden neuron")
        if !chip.hasBias, (bias ?? []).contains(where: { $0 != 0 }) || (biasOut ?? []).contains(where: { $0 != 0 }) || biasEnabled {
            issues.append(ConfigIssue(field: "bias", index: [], value: "given", rule: "\(chip.name) has no bias"))
        }
        let biasRange = chip.biasBits.map { ChipSpec.signedRange(bits: $0) } ?? 0...0
        collectRangeIssues(
            into: &issues, weights: chip.weightRange, state: chip.thresholdRange, bias: biasRange,
            dash: chip.dashRange, shift: chip.weightShiftRange, limit: chip.maxAliasTargets)
        if let maxFanout = chip.maxRecurrentFanoutEntries {
            let entries = recurrentFanoutEntries
            if entries > maxFanout {
                issues.append(ConfigIssue(
                    field: "weights_rec", index: [], value: "\(entries) non-zero fan-out entries",
                    rule: "\(chip.name) holds at most \(maxFanout)"
                        + (chip.imageLayout?.bank(.fanoutTarget).map { " (its fan-out RAM \($0.name))" } ?? "")))
            }
        }
        return issues
    }

    /// Non-zero recurrent connections (source, target) with any synapse, the entries the
    /// fan-out RAM needs.
    public var recurrentFanoutEntries: Int {
        var n = 0
        for i in 0..<nHidden {
            for j in 0..<nHidden {
                for s in 0..<nSyn where weightRec(i, j, s) != 0 {
                    n += 1
                    break
                }
            }
        }
        return n
    }

    private func collectRangeIssues(
        into issues: inout [ConfigIssue], weights: ClosedRange<Int>, state: ClosedRange<Int>,
        bias biasRange: ClosedRange<Int>? = nil, dash: ClosedRange<Int>, shift: ClosedRange<Int>, limit aliasLimit: Int
    ) {
        let maxReported = 20
        func check(_ field: String, _ values: [Int], _ range: ClosedRange<Int>, shape: [Int], what: String) {
            for (flat, v) in values.enumerated() where !range.contains(v) {
                if issues.count >= maxReported { return }
                var index: [Int] = []
                var rest = flat
                for d in shape.reversed() {
                    index.insert(rest % d, at: 0)
                    rest /= d
                }
                issues.append(ConfigIssue(
                    field: field, index: index, value: "\(v)",
                    rule: "\(what) must be in \(range.lowerBound)...\(range.upperBound)"))
            }
        }
        check("weights_in", weightsIn, weights, shape: [nIn, nIEN, nSyn], what: "weights")
        check("weights_rec", weightsRec, weights, shape: [nHidden, nHidden, nSyn], what: "weights")
        check("weights_out", weightsOut, weights, shape: [nOEN, nOut], what: "weights")
        check("threshold", threshold, state, shape: [nHidden], what: "thresholds")
        check("threshold_out", thresholdOut, state, shape: [nOut], what: "thresholds")
        if let bias { check("bias", bias, biasRange ?? state, shape: [nHidden], what: "biases") }
        if let biasOut { check("bias_out", biasOut, biasRange ?? state, shape: [nOut], what: "biases") }
        check("dash_mem", dashMem, dash, shape: [nHidden], what: "dashes")
        check("dash_syn", dashSyn, dash, shape: [nHidden], what: "dashes")
        check("dash_syn_2", dashSyn2, dash, shape: [nHidden], what: "dashes")
        check("dash_mem_out", dashMemOut, dash, shape: [nOut], what: "dashes")
        check("dash_syn_out", dashSynOut, dash, shape: [nOut], what: "dashes")
        for (name, v) in [("weight_shift_in", weightShiftIn), ("weight_shift_rec", weightShiftRec), ("weight_shift_out", weightShiftOut)]
        where !shift.contains(v) {
            issues.append(ConfigIssue(field: name, index: [], value: "\(v)", rule: "weight shifts must be in \(shift.lowerBound)...\(shift.upperBound)"))
        }
        for (i, targets) in aliases.enumerated() where targets.count > aliasLimit {
            issues.append(ConfigIssue(
                field: "aliases", index: [i], value: "\(targets)", rule: "at most \(aliasLimit) alias target per neuron"))
        }
    }
}
