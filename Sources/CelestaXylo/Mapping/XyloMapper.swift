import CelestaIR
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The result of mapping a network graph onto a Xylo chip.
public struct XyloMapping: Sendable, Equatable {
    /// The hardware neuron ids one LIF block received.
    public struct HardwareAllocation: Sendable, Equatable {
        /// The node name, e.g. `2_ModResidual.1_LIF`.
        public let module: String
        /// Hidden neurons are numbered from 0; output neurons from the hidden maximum (1000 on
        /// Xylo Audio 2, 992 on Xylo Audio 3), as Rockpool reports them.
        public let ids: [Int]

        public init(module: String, ids: [Int]) {
            self.module = module
            self.ids = ids
        }
    }

    /// The real-valued hardware specification.
    public var spec: XyloSpecification
    /// One entry per LIF block, in network (node) order.
    public var hardwareIDs: [HardwareAllocation]
    /// Design-rule warnings (Rockpool's `DRCWarning` texts, without the category prefix).
    public var warnings: [String]
}

/// Maps a `NetworkGraph` onto a Xylo chip: Rockpool 3.1.0's `mapper` (FACTS 5 of
/// `Tests/Fixtures/xylo/README.md`), with real-valued outputs.
///
/// 1. The design rules run in Rockpool's order (`XyloDesignRules`).
/// 2. The LIF blocks that feed network outputs become output neurons; all others are hidden.
///    Dashes are `log2(tau / dt)` in double precision, unrounded (Rockpool computes
///    `np.log2(np.array(tau) / dt)` in float64). On Xylo Audio 2 and Xylo v1 a time constant
///    `<= dt` is an error (`.outOfRange`, "Error replacing module ..."); Xylo Audio 3 accepts
///    it (`tau == dt` gives dash 0, smaller gives a negative dash).
/// 3. Hardware ids are handed out greedily per block. Xylo Audio 2 / v1: hidden blocks in
///    graph-search order from 0. Xylo Audio 3: the blocks fed by the input weights first
///    (input expansion neurons, `nIEN` = their size), then the other hidden blocks, then the
///    blocks feeding the output weights (output expansion neurons, the highest ids unless
///    already allocated; `nOEN = nHidden - lowest OEN id`). Output neurons follow the hidden
///    maximum. Too many neurons: `.limitExceeded` ("Failed to allocate HW resources ...").
///    Celesta also rejects more IEN/OEN than the chip has (`.limitExceeded`), which Rockpool
///    does not check.
/// 4. A hidden block with `nIn == 2 * nOut` uses two synapses; its input columns are
///    interleaved (column `2i` is synapse 0 of neuron `i`, `2i + 1` synapse 1).
///
/// **Xylo Audio 3 two-synapse dash bug.** Rockpool's A3 mapper writes the interleaved synaptic
/// dash list of a two-synapse block straight into `dash_syn` (neuron `i` gets the value of
/// entry `i`, i.e. neuron `i/2`'s synapse `i%2`) and leaves `dash_syn_2` at 0. By default
/// Celesta does the correct thing: `dash_syn[i]` from `tau_syn[2i]`, `dash_syn_2[i]` from
/// `tau_syn[2i+1]`. With `rockpoolCompatible: true` it reproduces Rockpool's output
/// (`a3_pipeline_multisyn`). Other chips are unaffected by the flag.
///
/// Other choices where Rockpool gives no answer: a LIF block without its own `dt` uses the
/// network's common `dt`; `maxHiddenNeurons` / `maxOutputNeurons` must lie in
/// `1...chip limit` (`.outOfRange`); output blocks must have one synapse per neuron and may
/// not feed other blocks, and blocks with more than two synapses are rejected
/// (`.unsupported`); an alias source with two targets is `.limitExceeded`.
public enum XyloMapper {
    public static func map(
        _ graph: NetworkGraph, chip: ChipSpec, maxHiddenNeurons: Int? = nil, maxOutputNeurons: Int? = nil,
        rockpoolCompatible: Bool = false
    ) throws -> XyloMapping {
        let dialect = chip.mapperDialect
        let hiddenLimit = try limit(maxHiddenNeurons, chip.maxHiddenNeurons, "max_hidden_neurons")
        let outputLimit = try limit(maxOutputNeurons, chip.maxOutputNeurons, "max_output_neurons")

        var warnings: [String] = []
        try XyloDesignRules.check(graph, chip: chip, warnings: &warnings)

        // --- Classification and dt
        let outputBlocks = XyloDesignRules.outputNeuronBlocks(graph)
        let outputSet = Set(outputBlocks.map(\.id))
        let searchOrder = graph.searchOrder()
        let hiddenBlocks = searchOrder.filter { $0.kind.isNeurons && !outputSet.contains($0.id) }
        guard let dt = graph.nodes.lazy.compactMap({ node -> Double? in
            if case .lif(let lif) = node.kind { return lif.dt }
            return nil
        }).first else {
            throw CelestaError(.internalError, "no neuron block defines dt after the design-rule check")
        }

        // --- Conversion checks (Rockpool converts the output blocks first, then the hidden ones)
        for block in outputBlocks {
            let lif = try lifParameters(block)
            guard lif.nIn == lif.nOut else {
                throw CelestaError(
                    .unsupported,
                    "Error replacing output neuron module '\(block.name)': output neurons have one synapse each, so 'n_in' (\(lif.nIn)) must equal 'n_out' (\(lif.nOut))")
            }
            if dialect.checksTimeConstants { try checkTimeConstants(lif, dt: dt, node: block.name, output: true) }
            if !graph.sinks(of: block.id).allSatisfy({ if case .output = $0.kind { return true } else { return false } }) {
                throw CelestaError(
                    .unsupported, "output neuron module '\(block.name)' feeds other blocks; Xylo output neurons can only drive network outputs")
            }
        }
        for block in hiddenBlocks {
            let lif = try lifParameters(block)
            guard lif.synapsesPerNeuron <= chip.synapsesPerHiddenNeuron else {
                throw CelestaError(
                    .unsupported,
                    "Error replacing module '\(block.name)': \(lif.synapsesPerNeuron) synapses per neuron (n_in \(lif.nIn), n_out \(lif.nOut)); the limit is \(chip.synapsesPerHiddenNeuron)")
            }
            if dialect.checksTimeConstants { try checkTimeConstants(lif, dt: dt, node: block.name, output: false) }
        }

        // --- Hardware ids
        let inputFed = Set(weightSinks(ofSourcesIn: graph.inputNodes, graph: graph).map(\.id))
        let outputFeeders = Set(
            graph.nodes.filter { $0.kind.isWeights && graph.sinks(of: $0.id).contains { outputSet.contains($0.id) } }
                .flatMap { graph.sources(of: $0.id) }.map(\.id))
        for block in outputBlocks where inputFed.contains(block.id) {
            throw CelestaError(
                .unsupported, "output neuron module '\(block.name)' receives input weights; input weights must feed hidden neurons")
        }
        var allocationOrder: [GraphNode]
        if dialect.allocatesExpansionNeurons {
            let ien = hiddenBlocks.filter { inputFed.contains($0.id) }
            let oen = hiddenBlocks.filter { outputFeeders.contains($0.id) && !inputFed.contains($0.id) }
            let middle = hiddenBlocks.filter { !inputFed.contains($0.id) && !outputFeeders.contains($0.id) }
            allocationOrder = ien + middle + oen
        } else {
            allocationOrder = hiddenBlocks
        }
        var hw: [NodeID: [Int]] = [:]
        var nextHidden = 0
        for block in allocationOrder {
            guard nextHidden + block.nOut <= hiddenLimit else {
                throw CelestaError(
                    .limitExceeded,
                    "Failed to allocate HW resources for hidden neurons. Module '\(block.name)' needs \(block.nOut) neurons but only \(hiddenLimit - nextHidden) of \(hiddenLimit) remain (limit \(hiddenLimit) hidden neurons, the network needs \(hiddenBlocks.reduce(0) { $0 + $1.nOut })).")
            }
            hw[block.id] = Array(nextHidden..<(nextHidden + block.nOut))
            nextHidden += block.nOut
        }
        let nHidden = nextHidden
        var nextOutput = 0
        for block in outputBlocks {
            guard nextOutput + block.nOut <= outputLimit else {
                throw CelestaError(
                    .limitExceeded,
                    "Failed to allocate HW resources for output neurons. Module '\(block.name)' needs \(block.nOut) neurons but only \(outputLimit - nextOutput) of \(outputLimit) remain (limit \(outputLimit) output neurons, the network needs \(outputBlocks.reduce(0) { $0 + $1.nOut })).")
            }
            hw[block.id] = Array((hiddenLimit + nextOutput)..<(hiddenLimit + nextOutput + block.nOut))
            nextOutput += block.nOut
        }
        let nOut = nextOutput

        let nIEN: Int
        let oenOffset: Int
        if dialect.allocatesExpansionNeurons {
            nIEN = hiddenBlocks.filter { inputFed.contains($0.id) }.reduce(0) { $0 + $1.nOut }
            let oenIDs = hiddenBlocks.filter { outputFeeders.contains($0.id) }.flatMap { hw[$0.id] ?? [] }
            oenOffset = oenIDs.min() ?? nHidden
        } else {
            nIEN = nHidden
            oenOffset = 0
        }
        let nOEN = nHidden - oenOffset
        guard nIEN <= chip.maxInputExpansionNeurons else {
            throw CelestaError(
                .limitExceeded,
                "the blocks fed by the input weights have \(nIEN) neurons; the chip has \(chip.maxInputExpansionNeurons) input expansion neurons")
        }
        guard nOEN <= chip.maxOutputExpansionNeurons else {
            throw CelestaError(
                .limitExceeded,
                "the output weights need \(nOEN) output expansion neurons (ids \(oenOffset)..<\(nHidden)); the chip has \(chip.maxOutputExpansionNeurons)")
        }
        let nSyn = hiddenBlocks.contains { $0.nIn == 2 * $0.nOut } ? 2 : 1

        // --- Input channels: the input nodes, concatenated in order
        var channelOffset: [NodeID: Int] = [:]
        var nIn = 0
        for input in graph.inputNodes {
            channelOffset[input.id] = nIn
            nIn += input.nOut
        }

        // --- Weights
        var weightsIn = [Double](repeating: 0, count: nIn * nIEN * nSyn)
        var weightsRec = [Double](repeating: 0, count: nHidden * nHidden * nSyn)
        var weightsOut = [Double](repeating: 0, count: nOEN * nOut)

        for weights in graph.nodes where weights.kind.isWeights {
            let matrix: LinearWeights
            switch weights.kind {
            case .linear(let w): matrix = w
            case .affine(let w): matrix = w.linear
            default: continue
            }
            for source in graph.sources(of: weights.id) {
                for sink in graph.sinks(of: weights.id) {
                    if case .input = source.kind {
                        guard let offset = channelOffset[source.id], !outputSet.contains(sink.id) else {
                            throw CelestaError(
                                .unsupported, "input weights '\(weights.name)' must feed hidden neurons, not '\(sink.name)'")
                        }
                        let columns = ColumnTargets(sink, hw, columns: matrix.nOut, nSyn: nSyn)
                        guard columns.ids.allSatisfy({ $0 >= 0 && $0 < nIEN }) else {
                            throw CelestaError(
                                .internalError, "input weights '\(weights.name)' target a neuron outside the input expansion neurons")
                        }
                        try columns.accumulate(
                            matrix.weight, rows: (0..<matrix.nIn).map { offset + $0 }, stride: nIEN * nSyn, into: &weightsIn,
                            name: weights.name)
                    } else if let sourceIDs = hw[source.id], !outputSet.contains(source.id) {
                        if outputSet.contains(sink.id) {
                            guard let outIDs = hw[sink.id] else { continue }
                            for i in 0..<matrix.nIn {
                                let row = sourceIDs[i] - oenOffset
                                guard row >= 0 else {
                                    throw CelestaError(
                                        .internalError, "output weights '\(weights.name)' start below the output expansion neurons")
                                }
                                for j in 0..<matrix.nOut {
                                    weightsOut[row * nOut + (outIDs[j] - hiddenLimit)] += matrix.value(i, j)
                                }
                            }
                        } else {
                            try ColumnTargets(sink, hw, columns: matrix.nOut, nSyn: nSyn).accumulate(
                                matrix.weight, rows: Array(sourceIDs.prefix(matrix.nIn)), stride: nHidden * nSyn,
                                into: &weightsRec, name: weights.name)
                        }
                    } else {
                        throw CelestaError(
                            .unsupported, "weights '\(weights.name)' are fed by output neurons '\(source.name)'; output neurons can only drive network outputs")
                    }
                }
            }
        }
        // Recurrent weights inside the LIF blocks.
        for block in hiddenBlocks {
            guard case .lif(let lif) = block.kind, let wRec = lif.wRec, let ids = hw[block.id] else { continue }
            try ColumnTargets(block, hw, columns: lif.nIn, nSyn: nSyn).accumulate(
                wRec, rows: Array(ids.prefix(lif.nOut)), stride: nHidden * nSyn, into: &weightsRec, name: block.name)
        }

        // --- Neuron parameters
        var dashMem = [Double](repeating: 0, count: nHidden)
        var dashSyn = [Double](repeating: 0, count: nHidden)
        var dashSyn2 = [Double](repeating: 0, count: nHidden)
        var threshold = [Double](repeating: 0, count: nHidden)
        var bias = [Double](repeating: 0, count: nHidden)
        for block in hiddenBlocks {
            let lif = try lifParameters(block)
            guard let ids = hw[block.id] else { continue }
            let synDash = lif.tauSyn.map { dash($0, dt: dt) }
            for (i, id) in ids.enumerated() {
                dashMem[id] = dash(lif.tauMem[i], dt: dt)
                threshold[id] = lif.threshold[i]
                bias[id] = lif.bias[i]
                if lif.synapsesPerNeuron == 2 {
                    if dialect.hasUnsplitDashBug && rockpoolCompatible {
                        dashSyn[id] = synDash[i]  // Rockpool's A3 bug: the interleaved list, unsplit
                    } else {
                        dashSyn[id] = synDash[2 * i]
                        dashSyn2[id] = synDash[2 * i + 1]
                    }
                } else {
                    dashSyn[id] = synDash[i]
                }
            }
        }
        var dashMemOut = [Double](repeating: 0, count: nOut)
        var dashSynOut = [Double](repeating: 0, count: nOut)
        var thresholdOut = [Double](repeating: 0, count: nOut)
        var biasOut = [Double](repeating: 0, count: nOut)
        for block in outputBlocks {
            let lif = try lifParameters(block)
            guard let ids = hw[block.id] else { continue }
            for (i, id) in ids.enumerated() {
                let o = id - hiddenLimit
                dashMemOut[o] = dash(lif.tauMem[i], dt: dt)
                dashSynOut[o] = dash(lif.tauSyn[i], dt: dt)
                thresholdOut[o] = lif.threshold[i]
                biasOut[o] = lif.bias[i]
            }
        }

        // --- Aliases (residual connections)
        var aliases = [[Int]](repeating: [], count: nHidden)
        for edge in graph.edges where edge.kind == .alias {
            let source = try graph.node(edge.source)
            let dest = try graph.node(edge.target)
            guard !outputSet.contains(source.id), !outputSet.contains(dest.id),
                let sourceIDs = hw[source.id], let targetIDs = hw[dest.id]
            else {
                throw CelestaError(
                    .unsupported, "alias '\(source.name)' -> '\(dest.name)': aliases can only join hidden neurons")
            }
            for (i, s) in sourceIDs.enumerated() where i < targetIDs.count {
                if !aliases[s].isEmpty && aliases[s] != [targetIDs[i]] {
                    throw CelestaError(
                        .limitExceeded,
                        "alias '\(source.name)' -> '\(dest.name)': hidden neuron \(s) would get \(aliases[s].count + 1) alias targets; the limit is \(chip.maxAliasTargets)")
                }
                aliases[s] = [targetIDs[i]]
            }
        }

        let spec = try XyloSpecification(
            chipID: chip.id, nIn: nIn, nHidden: nHidden, nOut: nOut, nSyn: nSyn, nIEN: nIEN, nOEN: nOEN,
            weightsIn: weightsIn, weightsRec: weightsRec, weightsOut: weightsOut,
            dashMem: dashMem, dashSyn: dashSyn, dashSyn2: dashSyn2, threshold: threshold, bias: bias,
            dashMemOut: dashMemOut, dashSynOut: dashSynOut, thresholdOut: thresholdOut, biasOut: biasOut,
            weightShiftIn: 0, weightShiftRec: 0, weightShiftOut: 0,
            aliases: aliases, dt: dt, presentsTwoDimensionalWeights: dialect.presentsTwoDimensionalWeights && nSyn == 1)
        let allocations = graph.nodes.filter { $0.kind.isNeurons }.map {
            XyloMapping.HardwareAllocation(module: $0.name, ids: hw[$0.id] ?? [])
        }
        return XyloMapping(spec: spec, hardwareIDs: allocations, warnings: warnings)
    }

    /// `log2(tau / dt)` in double precision, as Rockpool computes it.
    static func dash(_ tau: Double, dt: Double) -> Double { log2(tau / dt) }

    private static func limit(_ value: Int?, _ chipLimit: Int, _ name: String) throws -> Int {
        guard let value else { return chipLimit }
        guard (1...chipLimit).contains(value) else {
            throw CelestaError(.outOfRange, "'\(name)' is \(value); it must be in 1...\(chipLimit) on this chip")
        }
        return value
    }

    private static func lifParameters(_ node: GraphNode) throws -> LIFNeurons {
        guard case .lif(let lif) = node.kind else {
            throw CelestaError(.internalError, "node '\(node.name)' is not a neuron block")
        }
        return lif
    }

    private static func checkTimeConstants(_ lif: LIFNeurons, dt: Double, node: String, output: Bool) throws {
        let what = output ? "output neuron module" : "module"
        if let i = lif.tauMem.firstIndex(where: { $0 <= dt }) {
            throw CelestaError(
                .outOfRange,
                "Error replacing \(what) '\(node)': 'tau_mem[\(i)]' is \(lif.tauMem[i]), which is <= dt (\(dt)); time constants must be > dt to convert to dash parameters")
        }
        if let i = lif.tauSyn.firstIndex(where: { $0 <= dt }) {
            throw CelestaError(
                .outOfRange,
                "Error replacing \(what) '\(node)': 'tau_syn[\(i)]' is \(lif.tauSyn[i]), which is <= dt (\(dt)); time constants must be > dt to convert to dash parameters")
        }
    }

    /// The neuron blocks fed by the weight blocks that `sources` feed.
    private static func weightSinks(ofSourcesIn sources: [GraphNode], graph: NetworkGraph) -> [GraphNode] {
        sources.flatMap { graph.sinks(of: $0.id) }.filter(\.kind.isWeights)
            .flatMap { graph.sinks(of: $0.id) }.filter(\.kind.isNeurons)
    }
}

/// Where the input columns of a neuron block land: column `c` is synapse `c % k` of hidden
/// neuron `ids[c / k]` (`k` synapses per neuron), at `id * nSyn + syn` within a row of a
/// weight matrix; -1 where the block has no such neuron. Built once per block, so that adding
/// a weight matrix costs no lookup or division per weight.
private struct ColumnTargets {
    let ids: [Int]
    let offsets: [Int]

    init(_ block: GraphNode, _ hw: [NodeID: [Int]], columns: Int, nSyn: Int) {
        let neurons = hw[block.id] ?? []
        let k = max(block.nIn / max(block.nOut, 1), 1)
        let targets = (0..<columns).map { c in c / k < neurons.count ? neurons[c / k] : -1 }
        ids = targets
        offsets = (0..<columns).map { c in targets[c] < 0 ? -1 : targets[c] * nSyn + c % k }
    }

    /// Adds the row-major `[rows.count][columns]` `weights` into `matrix`, weight row `r` into
    /// matrix row `rows[r]` (rows `stride` wide).
    func accumulate(_ weights: [Double], rows: [Int], stride: Int, into matrix: inout [Double], name: String) throws {
        let columns = offsets.count
        guard weights.count >= rows.count * columns,
              rows.allSatisfy({ $0 >= 0 && ($0 + 1) * stride <= matrix.count }),
              offsets.allSatisfy({ $0 < stride }) else {
            throw CelestaError(.internalError, "the weights of '\(name)' do not fit the mapped matrix")
        }
        weights.withUnsafeBufferPointer { w in
            offsets.withUnsafeBufferPointer { o in
                matrix.withUnsafeMutableBufferPointer { m in
                    for (r, row) in rows.enumerated() {
                        let base = row * stride, from = r * columns
                        for c in 0..<columns where o[c] >= 0 { m[base + o[c]] += w[from + c] }
                    }
                }
            }
        }
    }
}
