/// One finding of `lint` (TALON's `LintIssue`).
public struct LintIssue: Sendable, Equatable {
    public enum Severity: String, Sendable { case error, warning, info }
    public var severity: Severity
    public var code: String
    public var message: String
    /// The node concerned; nil for a finding about the graph.
    public var node: String?
    public var suggestion: String?
}

/// The findings of `lint`, in check order (TALON's `LintResult`).
public struct LintResult: Sendable, Equatable {
    public var issues: [LintIssue] = []
    public var errors: Int { issues.filter { $0.severity == .error }.count }
    public var warnings: Int { issues.filter { $0.severity == .warning }.count }
    public var infos: Int { issues.filter { $0.severity == .info }.count }
    public var isValid: Bool { !issues.contains { $0.severity == .error } }
}

/// TALON's `lint_graph`: structure first (a graph that fails `validate()` gets one STRUCTURE
/// error and nothing else), then reachability, outputs, node parameters, Skip inputs, names,
/// model size and shapes, in that order. In `.celesta` mode the Skip aliases (`add`, `concat`,
/// `identity`) are checked like the names they stand for; TALON skips them.
public enum GraphLint {
    public static func lint(_ graph: IRGraph, strict: Bool = false, mode: IRMode = .celesta) -> LintResult {
        lint(graph, scan: GraphScan(graph), strict: strict, mode: mode)
    }

    /// `lint` from the scan of `graph`.
    public static func lint(_ graph: IRGraph, scan: GraphScan, strict: Bool = false, mode: IRMode = .celesta) -> LintResult {
        var r = LintResult()
        func add(_ s: LintIssue.Severity, _ code: String, _ message: String, _ node: String?, _ suggestion: String) {
            r.issues.append(LintIssue(severity: s, code: code, message: message, node: node, suggestion: suggestion))
        }
        if let problem = scan.validationError(graph) {
            add(.error, "STRUCTURE", problem, nil, "Fix graph structure before linting")
            return r
        }
        let adj = scan.adjacency
        let nodes = graph.nodes, n = nodes.count
        func reach(_ starts: [Int], _ next: AdjacencyRows) -> [Bool] {
            var seen = [Bool](repeating: false, count: n)
            var queue = starts
            queue.reserveCapacity(n)
            var head = 0
            next.items.withUnsafeBufferPointer { items in
                next.start.withUnsafeBufferPointer { start in
                    while head < queue.count {
                        let v = queue[head]
                        head += 1
                        if seen[v] { continue }
                        seen[v] = true
                        for k in start[v]..<start[v + 1] where !seen[items[k]] { queue.append(items[k]) }
                    }
                }
            }
            return seen
        }
        let fromInput = reach(scan.inputs, adj.out)
        let toOutput = reach(scan.outputs, adj.into)
        for i in 0..<n where !fromInput[i] || !toOutput[i] {
            let name = nodes[i].name
            if !fromInput[i] {
                add(.warning, "UNREACHABLE", "Node '\(name)' is not reachable from any Input", name, "Remove dead node or connect it to the graph")
            } else {
                add(.warning, "DEAD_END", "Node '\(name)' does not reach any Output", name, "Remove dead node or connect it to an Output")
            }
        }
        if scan.outputs.count > 1 {
            let outputs = scan.outputs.map { IRValue.string(nodes[$0].name) }
            add(.info, "MULTI_OUTPUT", "Graph has \(outputs.count) Output nodes: " + IRValue.list(outputs).pythonStr, nil,
                "Ensure each output has clear semantics")
        }
        func f2(_ v: Double) -> String { PyFormat.fixed(v, 2) }
        // The node rules, for the primitives they concern.
        let types = scan.types
        let checked = types.map { $0.isLIF || $0.isGhostBlock1 || $0.isDetect || $0.isSpikingAffine }
        // (Where each LIF array sat among the fields of the last LIF node: found without a search
        // when the next one has the same layout.)
        var tauAt = 0, thresholdAt = 0
        for i in 0..<n where checked[scan.kind[i]] {
            let info = types[scan.kind[i]]
            if info.isLIF && !info.isGhostBlock1 && !info.isDetect && !info.isSpikingAffine {
                // (The common case read in place, without a copy of the node.)
                let entries = nodes[i].fields.entries
                let tau = field(entries, "tau", at: &tauAt)?.tensor, thr = field(entries, "v_threshold", at: &thresholdAt)?.tensor
                let quiet = (tau.map { $0.count == 0 || inRange($0, above: 1.0, atMost: 100.0) } ?? true)
                    && (thr.map { $0.count == 0 || inRange($0, above: 0.0, atMost: 10.0, strict: true) } ?? true)
                if quiet { continue }
            }
            let node = nodes[i], name = node.name
            if info.isLIF {
                if let tau = node.tensor("tau"), tau.count > 0 {
                    let (lo, hi) = minMax(tau)
                    if lo < 1.0 { add(.warning, "LIF_LOW_TAU", "Node '\(name)' has very low tau=\(f2(lo)) (< 1.0)", name, "Low tau means fast decay; check if intentional") }
                    if hi > 100.0 { add(.warning, "LIF_HIGH_TAU", "Node '\(name)' has very high tau=\(f2(hi)) (> 100)", name, "High tau means slow decay; may cause gradient issues") }
                }
                if let thr = node.tensor("v_threshold"), thr.count > 0 {
                    let (lo, hi) = minMax(thr)
                    if lo <= 0 { add(.error, "LIF_NONPOSITIVE_THRESHOLD", "Node '\(name)' has non-positive threshold=\(f2(lo))", name, "LIF thresholds must be positive") }
                    if hi > 10.0 { add(.info, "LIF_HIGH_THRESHOLD", "Node '\(name)' has high threshold=\(f2(hi))", name, "High thresholds may reduce spike activity") }
                }
            }
            if info.isGhostBlock1 {
                let stride = node["stride"] ?? .int(2)
                if stride.int != 1 && stride.int != 2 {
                    add(.warning, "GHOST_UNUSUAL_STRIDE", "GhostBasicBlock1 '\(name)' has stride=\(stride.pythonStr) (expected 1 or 2)", name, "Paper specifies stride=2 for backbone blocks")
                }
            }
            if info.isDetect {
                let stride = node["stride"] ?? .none
                if ![4, 8, 16].contains(stride.int ?? -1) {
                    add(.warning, "DETECT_UNUSUAL_STRIDE", "SDDetect '\(name)' has stride=\(stride.pythonStr) (expected 4, 8, or 16)", name, "SU-YOLO uses strides 4, 8, 16 for P2/P3/P4 scales")
                }
            }
            if info.isSpikingAffine, let bits = node["weight_bits"]?.int {
                if bits < 4 { add(.warning, "LOW_WEIGHT_BITS", "Node '\(name)' has only \(bits)-bit weights", name, "Very low bit widths may hurt accuracy") }
                if bits > 16 { add(.info, "HIGH_WEIGHT_BITS", "Node '\(name)' uses \(bits)-bit weights", name, "Consider lower bits for hardware efficiency") }
            }
        }
        // Skip inputs (every edge counts: validation has checked them).
        for i in 0..<n where types[scan.kind[i]].isSkip {
            let node = nodes[i]
            let inputs = adj.into[i].count
            let given = node["skip_type"]?.string ?? "residual"
            var kind = given
            if mode == .celesta {
                kind = ["add": "residual", "concat": "concatenate", "identity": "passthrough"][given] ?? given
            }
            if kind == "passthrough" {
                if inputs != 1 {
                    add(.warning, "SKIP_PASSTHROUGH_INPUTS", "Skip node '\(node.name)' (\(given)) has \(inputs) inputs (expected 1)", node.name, "Passthrough should have exactly one input")
                }
            } else if kind == "residual" || kind == "concatenate" {
                if inputs < 2 {
                    add(.warning, "SKIP_MERGE_INPUTS", "Skip node '\(node.name)' (\(given)) has only \(inputs) input(s)", node.name, "\(given) requires at least 2 inputs to merge")
                }
            }
        }
        for i in 0..<n {
            // (Only a name of a keyword's length and first letter is compared in full.)
            let utf8 = nodes[i].name.utf8
            guard utf8.count >= 2 && utf8.count <= 6, let first = utf8.first, GraphLint.keywordStarts.contains(first) else { continue }
            let name = nodes[i].name
            switch name {
            case "node", "layer", "module":
                add(.info, "GENERIC_NAME", "Node has generic name: '\(name)'", name, "Use descriptive names (e.g., 'conv1', 'fc_hidden')")
            case "input", "output", "lambda", "class", "def", "return", "for", "if":
                add(.warning, "PYTHON_KEYWORD", "Node name '\(name)' is a Python keyword", name, "May cause issues in code generation; consider renaming")
            default: break
            }
        }
        let params = scan.counts(mode: mode).params.reduce(0, +)
        if params > 10_000_000 {
            add(.info, "LARGE_MODEL", "Graph has \(GraphAnalysis.grouped(params)) parameters (> 10M)", nil, "Large models may require more FPGA resources")
        }
        if params > 0 && params < 100 {
            add(.info, "SMALL_MODEL", "Graph has only \(params) parameters", nil, "Very small model; verify this is intentional")
        }
        for i in 0..<n where nodes[i].outputType == nil && !types[scan.kind[i]].isInput && !types[scan.kind[i]].isOutput {
            add(.warning, "MISSING_OUTPUT_SHAPE", "Node '\(nodes[i].name)' has no output shape", nodes[i].name, "Output shapes should be inferred during export")
        }
        if strict {
            for i in r.issues.indices where r.issues[i].severity == .warning { r.issues[i].severity = .error }
        }
        return r
    }

    /// The first letters of the names the name rules look for (`node`, `layer`, `module`,
    /// `input`, `output`, `lambda`, `class`, `def`, `return`, `for`, `if`: 2 to 6 letters).
    private static let keywordStarts: [UInt8] = Array("nlmiocdrf".utf8)

    /// The field `key` of `entries`, looked for first at `at` (then updated to where it was).
    private static func field(_ entries: [IREntry], _ key: String, at: inout Int) -> IRValue? {
        if at < entries.count && entries[at].key == key { return entries[at].value }
        guard let k = entries.firstIndex(where: { $0.key == key }) else { return nil }
        at = k
        return entries[k].value
    }

    /// Whether no element of `t` is NaN, each is at least `above` (with `strict`: more than
    /// `above`) and at most `atMost`: then the LIF rule on that array finds nothing (tau: a
    /// minimum below 1 or a maximum above 100; threshold: a minimum at or below 0 or a maximum
    /// above 10). Anything else is left to the rule itself.
    private static func inRange(_ t: Tensor, above: Double, atMost: Double, strict: Bool = false) -> Bool {
        guard t.dtype == .float32 else {
            let (lo, hi) = minMax(t)
            return (strict ? lo > above : lo >= above) && hi <= atMost
        }
        let low = Float(above), high = Float(atMost)
        // (The float32 bounds here are exact: 0, 1, 10 and 100.)
        return t.bytes.withUnsafeBytes { raw -> Bool in
            var ok = true
            for v in raw.bindMemory(to: Float.self) {
                // (A NaN fails both comparisons.)
                ok = ok && (strict ? v > low : v >= low) && v <= high
            }
            return ok
        }
    }

    private static func minMax(_ t: Tensor) -> (Double, Double) {
        // float32 and float64 read in place (no array of the values made).
        switch t.dtype {
        case .float32: return t.bytes.withUnsafeBytes { minMax($0.bindMemory(to: Float.self).lazy.map(Double.init)) }
        case .float64: return t.bytes.withUnsafeBytes { minMax($0.bindMemory(to: Double.self)) }
        default: return minMax(t.doubles)
        }
    }

    private static func minMax<S: Sequence>(_ values: S) -> (Double, Double) where S.Element == Double {
        var lo = Double.infinity, hi = -Double.infinity
        for v in values {
            if v.isNaN { return (.nan, .nan) }
            lo = min(lo, v)
            hi = max(hi, v)
        }
        return (lo, hi)
    }
}
