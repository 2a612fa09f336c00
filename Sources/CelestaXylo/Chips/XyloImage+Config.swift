import CelestaIR
extension XyloImage {
    /// Decodes the configuration the image holds (the inverse of `XyloConfig.image()`).
    ///
    /// The sizes come from the count fields, the enables and weight shifts from the control
    /// fields, everything else from the banks; only the words the sizes address are read, and
    /// the state banks (`Isyn`, `Vmem`, spike counts) never. `dt` is not part of the image (see
    /// `XyloImageLayout`) and is given here. Bias arrays are always returned (zeros when the
    /// configuration had none); `biasEnabled` is the bias-enable field.
    ///
    /// A corrupted image fails with `invalidConfig` (or `limitExceeded` for sizes beyond the
    /// banks) naming the register field or the bank, index, address and value: a word outside
    /// its bank's format, a fan-out list running past its bank, a target or alias outside the
    /// hidden neurons, one target twice in a list, role bits that disagree with the aliases.
    public func config(dt: Double) throws -> XyloConfig {
        try XyloImageCodec(layout).decode(self, dt: dt)
    }
}

extension XyloImageCodec {
    func decode(_ image: XyloImage, dt: Double) throws -> XyloConfig {
        let regs = image.registers
        func field(_ role: XyloRegisterRole) -> Int? {
            guard let f = layout.field(role), Int(f.address) < regs.count else { return nil }
            return Int(f.value(in: regs[Int(f.address)]))
        }
        func label(_ role: XyloRegisterRole) -> String {
            layout.field(role).map { "\(chipID) image: \($0.register).\($0.name)" } ?? "\(chipID) image: \(role.rawValue)"
        }
        let nHidden = field(.hiddenCount) ?? 0
        let nIn = field(.inputCount) ?? 0, nOut = field(.outputCount) ?? 0
        let nIEN = field(.inputExpansionCount) ?? nHidden, nOEN = field(.outputExpansionCount) ?? nHidden
        try checkCounts(nIn: nIn, nIEN: nIEN, nHidden: nHidden, nOut: nOut, nOEN: nOEN, label: label)
        let nSyn = field(.isyn2Enable) == 1 ? 2 : 1
        let reader = Reader(chipID: chipID, memory: image.memory)

        var weightsIn = [Int](repeating: 0, count: nIn * nIEN * nSyn)
        let row = layout.inputWeightRow
        for ch in 0..<nIn {
            for j in 0..<nIEN {
                weightsIn[(ch * nIEN + j) * nSyn] = try reader.word(inW1, ch * row + j)
                if nSyn == 2 { weightsIn[(ch * nIEN + j) * nSyn + 1] = try reader.word(inW2, ch * row + j) }
            }
        }
        var weightsOut = [Int](repeating: 0, count: nOEN * nOut)
        for r in 0..<nOEN {
            for k in 0..<nOut { weightsOut[r * nOut + k] = try reader.word(outW, r * layout.outputWeightRow + k) }
        }
        func neurons(_ bank: Bank, from first: Int, _ count: Int) throws -> [Int] {
            var out = [Int](repeating: 0, count: count)
            for i in 0..<count { out[i] = try reader.word(bank, first + i) }
            return out
        }
        let aliases = field(.aliasEnable) == 1 ? try decodeAliases(reader, nHidden: nHidden) : nil
        return try XyloConfig(
            chipID: chipID, nIn: nIn, nHidden: nHidden, nOut: nOut, nSyn: nSyn, nIEN: nIEN, nOEN: nOEN,
            weightsIn: weightsIn, weightsRec: try decodeFanout(reader, nHidden: nHidden, nSyn: nSyn),
            weightsOut: weightsOut,
            dashMem: try neurons(dashMem, from: 0, nHidden), dashSyn: try neurons(dashSyn1, from: 0, nHidden),
            dashSyn2: try neurons(dashSyn2, from: 0, nHidden), threshold: try neurons(threshold, from: 0, nHidden),
            bias: try bias.map { try neurons($0, from: 0, nHidden) },
            dashMemOut: try neurons(dashMem, from: maxHidden, nOut),
            dashSynOut: try neurons(dashSyn1, from: maxHidden, nOut),
            thresholdOut: try neurons(threshold, from: maxHidden, nOut),
            biasOut: try bias.map { try neurons($0, from: maxHidden, nOut) },
            weightShiftIn: field(.weightShiftIn) ?? 0, weightShiftRec: field(.weightShiftRec) ?? 0,
            weightShiftOut: field(.weightShiftOut) ?? 0,
            aliases: aliases, dt: dt, biasEnabled: field(.biasEnable) == 1)
    }

    /// Reads memory words and checks each against its bank's format.
    struct Reader {
        let chipID: String
        let memory: [Int32]

        func word(_ bank: Bank, _ index: Int) throws -> Int {
            let v = Int(memory[bank.start + index])
            guard v >= bank.lo, v <= bank.hi else { throw corrupt(bank, index, "is \(v); its words hold \(bank.lo)...\(bank.hi)") }
            return v
        }

        func corrupt(_ bank: Bank, _ index: Int, _ what: String) -> CelestaError {
            CelestaError(
                .invalidConfig, "\(chipID) image: \(bank.name)[\(index)] (address \(hex(UInt32(bank.start + index)))) \(what)")
        }
    }

    private func decodeAliases(_ reader: Reader, nHidden: Int) throws -> [[Int]] {
        var aliases = [[Int]](repeating: [], count: nHidden)
        var roles = [Int](repeating: 0, count: nHidden)
        for i in 0..<nHidden {
            roles[i] = try reader.word(aliasRole, i)
            guard roles[i] & 1 != 0 else { continue }
            let t = try reader.word(aliasTarget, i)
            guard t < nHidden else {
                throw reader.corrupt(aliasTarget, i, "names neuron \(t), outside the \(nHidden) hidden neurons")
            }
            aliases[i] = [t]
        }
        var isTarget = [Bool](repeating: false, count: nHidden)
        for targets in aliases { if let t = targets.first { isTarget[t] = true } }
        for i in 0..<nHidden where (roles[i] & 2 != 0) != isTarget[i] {
            throw reader.corrupt(
                aliasRole, i,
                "is \(roles[i]): its bit 1 (receives an alias copy) disagrees with the alias targets, which "
                    + (isTarget[i] ? "name" : "do not name") + " neuron \(i)")
        }
        return aliases
    }

    private func decodeFanout(_ reader: Reader, nHidden n: Int, nSyn: Int) throws -> [Int] {
        var weights = [Int](repeating: 0, count: n * n * nSyn)
        var listedBy = [Int](repeating: -1, count: n)  // the last source that listed each target
        var cursor = 0
        for i in 0..<n {
            let count = try reader.word(fanoutCount, i)
            guard count <= fanoutTarget.words - cursor else {
                throw reader.corrupt(
                    fanoutCount, i,
                    "is \(count): hidden neuron \(i)'s fan-out list would run to entry \(cursor + count), past the end of "
                        + "\(fanoutTarget.name) (\(fanoutTarget.words) entries)")
            }
            var previous = -1
            for e in cursor..<(cursor + count) {
                let t = try reader.word(fanoutTarget, e)
                guard t < n else {
                    throw reader.corrupt(fanoutTarget, e, "names neuron \(t) in hidden neuron \(i)'s list, outside the \(n) hidden neurons")
                }
                guard t != previous else {
                    throw reader.corrupt(
                        fanoutTarget, e, "repeats target \(t) of the entry before it in hidden neuron \(i)'s list; consecutive entries to one target need a dummy entry between them")
                }
                previous = t
                let w1 = try reader.word(fanoutW1, e)
                let w2 = nSyn == 2 ? try reader.word(fanoutW2, e) : 0
                if w1 == 0 && w2 == 0 { continue }  // a dummy entry
                guard listedBy[t] != i else {
                    throw reader.corrupt(
                        fanoutTarget, e, "lists target \(t) a second time in hidden neuron \(i)'s list; a configuration holds one weight pair per source and target")
                }
                listedBy[t] = i
                weights[(i * n + t) * nSyn] = w1
                if nSyn == 2 { weights[(i * n + t) * nSyn + 1] = w2 }
            }
            cursor += count
        }
        return weights
    }
}
