import CelestaIR
/// The banks and fields of one layout, resolved once per encode or decode so that the loops
/// index plain arrays. Works for every layout: nothing here is per chip.
struct XyloImageCodec {
    /// A bank as the loops use it: first word address and accepted values.
    struct Bank {
        let name: String
        let start: Int
        let words: Int
        let lo: Int
        let hi: Int

        init(_ bank: XyloMemoryBank) {
            name = bank.name
            start = Int(bank.start)
            words = bank.words
            lo = bank.valueRange.lowerBound
            hi = bank.valueRange.upperBound
        }
    }

    let layout: XyloImageLayout
    let chipID: String
    let inW1, inW2, dashSyn1, dashSyn2, dashMem, threshold: Bank
    let bias: Bank?
    let aliasRole, aliasTarget, fanoutCount, fanoutTarget, fanoutW1, fanoutW2, outW: Bank
    /// Capacities from the geometry of the banks.
    let maxInputs, maxIEN, maxHidden, maxOut, maxOEN: Int

    init(_ layout: XyloImageLayout) throws {
        self.layout = layout
        chipID = layout.chipID
        let hidden = layout.hiddenNeurons
        func bank(_ role: XyloMemoryRole, words minimum: Int) throws -> Bank {
            guard let b = layout.bank(role), b.words >= minimum, b.bits >= 1, b.bits <= 32,
                  b.end <= layout.ramEnd
            else {
                throw CelestaError(
                    .internalError, "the \(layout.chipID) image layout lacks a \(role.rawValue) bank of \(minimum) words")
            }
            return Bank(b)
        }
        let row = layout.inputWeightRow, outRow = layout.outputWeightRow
        guard row > 0, outRow > 0, hidden > 0 else {
            throw CelestaError(.internalError, "the \(layout.chipID) image layout has an empty weight row or no hidden neurons")
        }
        inW1 = try bank(.inputWeight1, words: row)
        inW2 = try bank(.inputWeight2, words: inW1.words)
        dashSyn1 = try bank(.dashSyn1, words: hidden + outRow)
        dashSyn2 = try bank(.dashSyn2, words: hidden)
        dashMem = try bank(.dashMem, words: hidden + outRow)
        threshold = try bank(.threshold, words: hidden + outRow)
        bias = layout.bank(.bias) == nil ? nil : try bank(.bias, words: hidden + outRow)
        aliasRole = try bank(.aliasRole, words: hidden)
        aliasTarget = try bank(.aliasTarget, words: hidden)
        fanoutCount = try bank(.fanoutCount, words: hidden)
        fanoutTarget = try bank(.fanoutTarget, words: 0)
        fanoutW1 = try bank(.fanoutWeight1, words: fanoutTarget.words)
        fanoutW2 = try bank(.fanoutWeight2, words: fanoutTarget.words)
        outW = try bank(.outputWeight, words: outRow)
        maxInputs = inW1.words / row
        maxIEN = min(row, hidden)
        maxHidden = hidden
        maxOut = outRow
        maxOEN = min(outW.words / outRow, hidden)
    }

    /// Checks the network sizes against the banks; `label` names the quantity in the error.
    func checkCounts(
        nIn: Int, nIEN: Int, nHidden: Int, nOut: Int, nOEN: Int, label: (XyloRegisterRole) -> String
    ) throws {
        // Expansion neurons are hidden neurons: at most the hidden count.
        let hiddenBound = " with \(nHidden) hidden neurons"
        let checks: [(XyloRegisterRole, Int, Int, String)] = [
            (.inputCount, nIn, maxInputs, "input channels"),
            (.hiddenCount, nHidden, maxHidden, "hidden neurons"),
            (.outputCount, nOut, maxOut, "output neurons"),
            (.inputExpansionCount, nIEN, min(maxIEN, nHidden),
             "input expansion neurons" + (nHidden < maxIEN ? hiddenBound : "")),
            (.outputExpansionCount, nOEN, min(maxOEN, nHidden),
             "output expansion neurons" + (nHidden < maxOEN ? hiddenBound : "")),
        ]
        for (role, value, capacity, what) in checks where value < 0 || value > capacity {
            throw CelestaError(
                .limitExceeded, "\(label(role)) is \(value), but the \(chipID) image holds at most \(capacity) \(what)")
        }
    }

    /// The config field name of each count role.
    static func configName(_ role: XyloRegisterRole) -> String {
        switch role {
        case .inputCount: return "'n_in'"
        case .inputExpansionCount: return "'n_ien'"
        case .hiddenCount: return "'n_hidden'"
        case .outputCount: return "'n_out'"
        case .outputExpansionCount: return "'n_oen'"
        default: return "'\(role.rawValue)'"
        }
    }

    // MARK: Encoding

    /// Writes `c` (already validated for the chip) into `registers` and `memory`, which hold
    /// a power-on image.
    func encode(_ c: XyloConfig, registers: inout [UInt32], memory: inout [Int32]) throws {
        try checkCounts(nIn: c.nIn, nIEN: c.nIEN, nHidden: c.nHidden, nOut: c.nOut, nOEN: c.nOEN,
                        label: Self.configName)
        for (role, value) in [(XyloRegisterRole.inputExpansionCount, c.nIEN), (.outputExpansionCount, c.nOEN)]
        where layout.field(role) == nil && value != c.nHidden {
            throw CelestaError(
                .unsupported,
                "\(Self.configName(role)) is \(value): the \(chipID) image has no \(role.rawValue) field, "
                    + "so every hidden neuron is an expansion neuron and \(Self.configName(role)) must equal 'n_hidden' (\(c.nHidden))")
        }
        let settings: [(XyloRegisterRole, Int)] = [
            (.isyn2Enable, c.nSyn == 2 ? 1 : 0), (.aliasEnable, c.aliases.contains { !$0.isEmpty } ? 1 : 0),
            (.biasEnable, c.biasEnabled ? 1 : 0), (.weightShiftIn, c.weightShiftIn),
            (.weightShiftRec, c.weightShiftRec), (.weightShiftOut, c.weightShiftOut),
            (.inputCount, c.nIn), (.inputExpansionCount, c.nIEN), (.hiddenCount, c.nHidden),
            (.outputCount, c.nOut), (.outputExpansionCount, c.nOEN),
        ]
        for (role, value) in settings {
            guard let field = layout.field(role) else { continue }
            // Validation bounds every value by the chip record, whose limits fit these fields.
            guard value >= 0, let word = field.setting(UInt32(value), in: registers[Int(field.address)]) else {
                throw CelestaError(
                    .internalError,
                    "\(role.rawValue) is \(value), valid for the chip but beyond the \(chipID) field "
                        + "\(field.register).\(field.name) (0...\(field.maxValue)): please report")
            }
            registers[Int(field.address)] = word
        }
        encodeNeurons(c, &memory)
        try encodeFanout(c, &memory)
    }

    private func encodeNeurons(_ c: XyloConfig, _ memory: inout [Int32]) {
        func put(_ bank: Bank, _ index: Int, _ value: Int) {
            memory[bank.start + index] = Int32(truncatingIfNeeded: value)
        }
        let row = layout.inputWeightRow
        for ch in 0..<c.nIn {
            for j in 0..<c.nIEN {
                put(inW1, ch * row + j, c.weightIn(ch, j, 0))
                if c.nSyn == 2 { put(inW2, ch * row + j, c.weightIn(ch, j, 1)) }
            }
        }
        for i in 0..<c.nHidden {
            put(dashSyn1, i, c.dashSyn[i])
            put(dashSyn2, i, c.dashSyn2[i])
            put(dashMem, i, c.dashMem[i])
            put(threshold, i, c.threshold[i])
            if let bias, let b = c.bias { put(bias, i, b[i]) }
        }
        for k in 0..<c.nOut {
            let w = maxHidden + k
            put(dashSyn1, w, c.dashSynOut[k])
            put(dashMem, w, c.dashMemOut[k])
            put(threshold, w, c.thresholdOut[k])
            if let bias, let b = c.biasOut { put(bias, w, b[k]) }
        }
        for (i, targets) in c.aliases.enumerated() {
            guard let t = targets.first else { continue }
            memory[aliasRole.start + i] |= 1
            memory[aliasRole.start + t] |= 2
            put(aliasTarget, i, t)
        }
        let outRow = layout.outputWeightRow
        for r in 0..<c.nOEN {
            for k in 0..<c.nOut { put(outW, r * outRow + k, c.weightOut(r, k)) }
        }
    }

    private func encodeFanout(_ c: XyloConfig, _ memory: inout [Int32]) throws {
        let n = c.nHidden
        var cursor = 0
        var connections: [XyloFanout.Entry] = []
        for i in 0..<n {
            connections.removeAll(keepingCapacity: true)
            for j in 0..<n {
                let w1 = c.weightRec(i, j, 0), w2 = c.nSyn == 2 ? c.weightRec(i, j, 1) : 0
                if w1 != 0 || w2 != 0 { connections.append(XyloFanout.Entry(target: j, weight1: w1, weight2: w2)) }
            }
            let list = XyloFanout.list(connections, nHidden: n)
            // validate(for:) has checked the entry count against the chip record, whose
            // figure is this bank's size (a layout test checks that they agree).
            guard list.count <= fanoutTarget.words - cursor else {
                throw CelestaError(
                    .internalError,
                    "the recurrent fan-out passed validation but does not fit \(fanoutTarget.name) of the \(chipID) image "
                        + "(\(fanoutTarget.words) entries; neurons 0..<\(i) use \(cursor), neuron \(i) needs \(list.count)): please report")
            }
            memory[fanoutCount.start + i] = Int32(list.count)
            for (k, e) in list.enumerated() {
                memory[fanoutTarget.start + cursor + k] = Int32(e.target)
                memory[fanoutW1.start + cursor + k] = Int32(truncatingIfNeeded: e.weight1)
                memory[fanoutW2.start + cursor + k] = Int32(truncatingIfNeeded: e.weight2)
            }
            cursor += list.count
        }
    }
}

extension XyloConfig {
    /// Encodes the configuration into its chip's register and memory image (see
    /// `XyloImageLayout` for where each value goes). The configuration is validated first
    /// (`validate(for:)`): an invalid one fails with `invalidConfig` naming the first broken
    /// rule's field, index and value. Fails with `unsupported` for a chip without a published
    /// map (Xylo v1) and with `limitExceeded` when the network does not fit a bank.
    public func image() throws -> XyloImage {
        let chip = try ChipTable.chip(named: chipID)
        var image = try XyloImage(chipID: chip.id)
        try checkShapes()
        let issues = validate(for: chip)
        if let first = issues.first {
            throw CelestaError(
                .invalidConfig,
                "cannot encode a \(chip.id) image: \(first)" + (issues.count > 1 ? " (and \(issues.count - 1) more)" : ""))
        }
        let codec = try XyloImageCodec(image.layout)
        try codec.encode(self, registers: &image.registers, memory: &image.memory)
        return image
    }
}
