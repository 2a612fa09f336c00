import CelestaIR
/// The mapper's design-rule check (Rockpool 3.1.0 `check_drc` with the Xylo rules, in
/// Rockpool's order). Violations throw `CelestaError` whose message starts with
/// `Design rule <rule name> triggered an error:` and names the node, the limit and the value;
/// rules that Rockpool only warns about append to `warnings`.
///
/// Codes: structural violations are `.unsupported`; a missing or inconsistent `dt` is
/// `.invalidArgument`.
enum XyloDesignRules {
    static func check(_ graph: NetworkGraph, chip: ChipSpec, warnings: inout [String]) throws {
        // 1. Network outputs come straight from neurons.
        for output in graph.outputNodes {
            let sources = graph.sources(of: output.id)
            if sources.isEmpty {
                throw violation(
                    "output_nodes_have_neurons_as_source", "All network outputs must be directly from neurons.",
                    "Output node '\(output.name)' has no source.")
            }
            for source in sources where !source.kind.isNeurons {
                throw violation(
                    "output_nodes_have_neurons_as_source", "All network outputs must be directly from neurons.",
                    "Output node '\(output.name)' has a source \(describe(source)) which is not a neuron.")
            }
        }
        // 2. Every neuron input comes from a weight block (network inputs are rule 3's business).
        for neurons in graph.nodes where neurons.kind.isNeurons {
            for source in graph.sources(of: neurons.id) {
                if case .input = source.kind { continue }
                if !source.kind.isWeights {
                    throw violation(
                        "input_to_neurons_is_a_weight", "All neurons must receive inputs only from weight nodes.",
                        "Neuron node \(describe(neurons)) has a source module \(describe(source)) which is not a weight block.")
                }
            }
        }
        // 3. Every network input goes first into a weight block.
        for input in graph.inputNodes {
            for sink in graph.sinks(of: input.id) where !sink.kind.isWeights {
                throw violation(
                    "first_module_is_a_weight", "The network input must go first through a weight.",
                    "Input node '\(input.name)' has a sink module \(describe(sink)) which is not a weight block.")
            }
        }
        // 4. More than `maxInputs` input channels only warns.
        let inputChannels = graph.inputNodes.reduce(0) { $0 + $1.nOut }
        if inputChannels > chip.maxInputs {
            warnings.append(
                "Xylo only supports up to \(chip.maxInputs) input channels. The network requires \(inputChannels) input channels.")
        }
        // 5. More than the recommended number of outputs only warns.
        let outputChannels = graph.outputNodes.reduce(0) { $0 + $1.nIn }
        if outputChannels > chip.recommendedMaxOutputNeurons {
            let product = chip.mapperDialect.designRuleProduct
            warnings.append(
                "\(product) only supports up to \(chip.recommendedMaxOutputNeurons) output channels. The network requires \(outputChannels) output channels.")
        }
        // 6. One common dt, defined by at least one neuron block (Rockpool compares with
        //    numpy's `isclose`: |a - b| <= 1e-8 + 1e-5 * |b|).
        var common: (dt: Double, node: String)?
        for neurons in graph.nodes {
            guard case .lif(let lif) = neurons.kind, let dt = lif.dt else { continue }
            if let first = common {
                if abs(first.dt - dt) > 1e-8 + 1e-5 * abs(dt) {
                    throw violation(
                        "all_neurons_have_same_dt", "All neurons in the network must share a common `dt`.",
                        "Node '\(first.node)' has dt = \(first.dt) but node '\(neurons.name)' has dt = \(dt).",
                        code: .invalidArgument)
                }
            } else {
                common = (dt, neurons.name)
            }
        }
        if common == nil {
            throw violation(
                "all_neurons_have_same_dt", "The network must specify a `dt` for at least one neuron module.",
                "None of the \(graph.nodes.filter { $0.kind.isNeurons }.count) neuron blocks defines dt.",
                code: .invalidArgument)
        }
        // 7. Output neurons may not be recurrent.
        for block in outputNeuronBlocks(graph) where isRecurrent(block, in: graph) {
            throw violation(
                "output_neurons_cannot_be_recurrent", "Output neurons may not be recurrent.",
                "Found output neurons \(describe(block)) that are recurrent.")
        }
        // 8. No weight block feeds or is fed by another weight block.
        for weights in graph.nodes where weights.kind.isWeights {
            for source in graph.sources(of: weights.id) where source.kind.isWeights {
                throw violation(
                    "no_consecutive_weights", "Inputs to linear weights may not be linear weights.",
                    "Found weight block \(describe(source)) as source module -> to weight block \(describe(weights)).")
            }
            for sink in graph.sinks(of: weights.id) where sink.kind.isWeights {
                throw violation(
                    "no_consecutive_weights", "Outputs of linear weights may not be linear weights.",
                    "Found weight block \(describe(weights)) with output sink module -> \(describe(sink)).")
            }
        }
        // 9, 10. Alias (residual) connections join neurons.
        let aliases = graph.edges.filter { $0.kind == .alias }
        for edge in aliases {
            let source = try graph.node(edge.source)
            if !source.kind.isNeurons {
                throw violation(
                    "alias_inputs_must_be_neurons", "Inputs to alias connections must be neurons or another alias.",
                    "Found source module \(describe(source)) as source of an alias connection.")
            }
        }
        for edge in aliases {
            let target = try graph.node(edge.target)
            if !target.kind.isNeurons {
                throw violation(
                    "alias_output_nodes_must_have_neurons_as_input",
                    "Alias connections must have neurons as the last block before the output.",
                    "Found an alias connection whose target \(describe(target)) is not a neuron.")
            }
        }
        // 11. At least two neuron blocks.
        let neuronBlocks = graph.nodes.filter { $0.kind.isNeurons }.count
        if neuronBlocks < 2 {
            throw violation(
                "at_least_two_neuron_layers_needed",
                "At least two layers of neurons are required to map to hidden and output layers on Xylo.",
                "The network has \(neuronBlocks) neuron block(s); the minimum is 2.")
        }
        // 12. Biases on weight blocks are dropped, with a warning.
        for weights in graph.nodes {
            if case .affine(let affine) = weights.kind, affine.bias.contains(where: { $0 != 0 }) {
                warnings.append(
                    "Weight block '\(weights.name)' has a bias; Xylo weights have no bias, so it is ignored.")
            }
        }
    }

    /// The neuron blocks that feed a network output directly, in output/edge order, unique.
    static func outputNeuronBlocks(_ graph: NetworkGraph) -> [GraphNode] {
        var seen = Set<NodeID>()
        var result: [GraphNode] = []
        for output in graph.outputNodes {
            for source in graph.sources(of: output.id) where source.kind.isNeurons && !seen.contains(source.id) {
                seen.insert(source.id)
                result.append(source)
            }
        }
        return result
    }

    /// True when the block has recurrent weights or lies on a cycle of data edges.
    static func isRecurrent(_ block: GraphNode, in graph: NetworkGraph) -> Bool {
        if case .lif(let lif) = block.kind, lif.wRec != nil { return true }
        var seen = Set<NodeID>()
        var stack = graph.sinks(of: block.id).map(\.id)
        while let next = stack.popLast() {
            if next == block.id { return true }
            if seen.insert(next).inserted {
                stack.append(contentsOf: graph.sinks(of: next).map(\.id))
            }
        }
        return false
    }

    static func describe(_ node: GraphNode) -> String {
        "'\(node.name)' (\(node.kind.kindName), \(node.nIn) inputs -> \(node.nOut) outputs)"
    }

    private static func violation(
        _ rule: String, _ summary: String, _ detail: String, code: StatusCode = .unsupported
    ) -> CelestaError {
        CelestaError(code, "Design rule \(rule) triggered an error: \(summary) \(detail)")
    }
}
