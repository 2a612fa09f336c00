/// Architectural patterns the graph view can draw as one group (TALON's `talon.viz` pattern
/// detection, README §20):
///
/// * **RepConv**: a node fans out to branches that all merge into one node, among them a 3×3
///   and a 1×1 `Conv2d` (an optional Skip branch is the identity path); a LIF right after the
///   merge joins the group.
/// * **SPP**: a fan-out to a passthrough Skip and two or more pools with *different* kernels,
///   each fed only by the fan-out, all merging into a concatenating Skip.
/// * **SPPF**: a passthrough Skip and a *chain* of pools of one kernel size, every pool of the
///   chain also feeding the concatenating Skip.
/// * **SkipConnection**: a residual Skip that is itself the merge of a bypass and a processing
///   path of up to 11 nodes from the same fork (structure "B"), or a residual Skip that bypasses
///   a processing path into a later merge node (structure "A").
///
/// Detection runs in that order; a later pattern that shares a node with an earlier one is
/// dropped. Fan-out points are listed in the order their first out-edge appears in the edge
/// list, merge points in the order of their first in-edge (as TALON's dicts). Where TALON
/// iterates a Python `set` of branch names (an order that changes with the interpreter's hash
/// seed), the branches here keep their edge order.
public struct VizPattern: Sendable, Equatable {
    public var type: String
    public var id: String
    public var nodes: [String]
    public var entryNodes: [String]
    public var exitNodes: [String]
    /// The pattern's metadata in TALON's key order.
    public var metadata: [(String, VizJSON)]

    public static func == (a: VizPattern, b: VizPattern) -> Bool {
        a.type == b.type && a.id == b.id && a.nodes == b.nodes && a.entryNodes == b.entryNodes && a.exitNodes == b.exitNodes
            && VizJSON.object(a.metadata) == VizJSON.object(b.metadata)
    }
}

struct VizPatternDetector {
    let graph: IRGraph
    /// Out-neighbours of each node in edge order (targets need not be nodes).
    private var outgoing: [String: [String]] = [:]
    /// In-neighbours of each node in edge order.
    private var incoming: [String: [String]] = [:]
    /// Sources with two or more out-edges, with their targets, in first-edge order.
    private(set) var fanOuts: [(String, [String])] = []
    /// Targets with two or more in-edges, with their sources, in first-edge order.
    private(set) var merges: [(String, [String])] = []

    init(_ graph: IRGraph) {
        self.graph = graph
        var bySource: [String: [String]] = [:]
        var sourceOrder: [String] = []
        var byTarget: [String: [String]] = [:]
        var targetOrder: [String] = []
        for e in graph.edges {
            if bySource[e.source] == nil { sourceOrder.append(e.source) }
            bySource[e.source, default: []].append(e.target)
            if byTarget[e.target] == nil { targetOrder.append(e.target) }
            byTarget[e.target, default: []].append(e.source)
            if graph.contains(e.source) { outgoing[e.source, default: []].append(e.target) }
            if graph.contains(e.target) { incoming[e.target, default: []].append(e.source) }
        }
        fanOuts = sourceOrder.compactMap { s in bySource[s]!.count >= 2 ? (s, bySource[s]!) : nil }
        merges = targetOrder.compactMap { t in byTarget[t]!.count >= 2 ? (t, byTarget[t]!) : nil }
    }

    func out(_ n: String) -> [String] { outgoing[n] ?? [] }
    func into(_ n: String) -> [String] { incoming[n] ?? [] }
    func type(_ n: String) -> String { graph.node(n)?.type ?? "" }
    func skipType(_ n: String) -> String? { graph.node(n)?["skip_type"]?.string }

    func isResidual(_ n: String) -> Bool { ["residual", "add"].contains(skipType(n) ?? "") }
    func isPassthrough(_ n: String) -> Bool { ["passthrough", "identity"].contains(skipType(n) ?? "") }
    func isConcatenate(_ n: String) -> Bool { ["concatenate", "concat"].contains(skipType(n) ?? "") }

    /// A Conv2d's (kH, kW) from its weight's shape.
    func convKernel(_ n: String) -> [Int]? {
        guard let s = graph.node(n)?.tensor("weight")?.shape, s.count >= 4 else { return nil }
        return [s[2], s[3]]
    }

    /// A pool's (kH, kW) from its `kernel_size` (an int or a pair).
    func poolKernel(_ n: String) -> [Int]? {
        switch graph.node(n)?["kernel_size"] {
        case .int(let k)?: return [k, k]
        case let v?: if let ks = v.ints, ks.count >= 2 { return [ks[0], ks[1]] }
        default: break
        }
        return nil
    }

    /// The nodes strictly between `start` and `end` on a shortest path (BFS over out-edges,
    /// not through `exclude`, paths of at most `maxDepth + 1` inner nodes): `[]` when `start`
    /// feeds `end` directly, nil when there is no such path.
    func path(from start: String, to end: String, excluding exclude: Set<String>, maxDepth: Int = 10) -> [String]? {
        if start == end { return [] }
        if out(start).contains(end) { return [] }
        var visited = exclude
        visited.insert(start)
        var queue: [(String, [String])] = [(start, [])]
        var head = 0
        while head < queue.count {
            let (current, path) = queue[head]
            head += 1
            if path.count > maxDepth { continue }
            for next in out(current) {
                if next == end { return path }
                if !visited.contains(next) {
                    visited.insert(next)
                    queue.append((next, path + [next]))
                }
            }
        }
        return nil
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    private static func names(_ list: [String]) -> VizJSON { .array(list.map(VizJSON.string)) }
    private static func kernel(_ k: [Int]?) -> VizJSON { k.map { .array($0.map(VizJSON.int)) } ?? .null }

    // MARK: RepConv

    func repConv(fork: String, branches: [String], merge: String) -> VizPattern? {
        guard branches.count >= 2 else { return nil }
        var has3 = false, has1 = false, hasIdentity = false
        var details: [VizJSON] = []
        for b in branches {
            guard let node = graph.node(b) else { continue }
            let kind: String
            if node.type == "Conv2d" {
                let k = convKernel(b)
                if k == [3, 3] { has3 = true; kind = "conv3x3" } else if k == [1, 1] { has1 = true; kind = "conv1x1" } else {
                    kind = "conv" + (k.map { "(\($0[0]), \($0[1]))" } ?? "None")
                }
            } else if node.type == "Skip" {
                hasIdentity = true
                kind = "identity"
            } else {
                kind = node.type.lowercased()
            }
            details.append(.object([("type", .string(kind)), ("node", .string(b))]))
        }
        guard has3 && has1 else { return nil }
        var members = branches + [merge]
        var exit = merge
        let after = out(merge)
        if after.count == 1, type(after[0]) == "LIF" {
            members.append(after[0])
            exit = after[0]
        }
        return VizPattern(
            type: "RepConv", id: "repconv_\(merge)", nodes: Self.unique(members), entryNodes: branches, exitNodes: [exit],
            metadata: [
                ("has_3x3", .bool(has3)), ("has_1x1", .bool(has1)), ("has_identity", .bool(hasIdentity)),
                ("branches", .array(details)), ("input_from", .string(fork)), ("merge", .string(merge)),
            ])
    }

    func repConvs() -> [VizPattern] {
        var found: [VizPattern] = []
        var used = Set<String>()
        for (fork, branches) in fanOuts {
            let branchSet = Set(branches)
            for (merge, sources) in merges {
                let distinct = Self.unique(sources)
                guard distinct.count >= 2, distinct.allSatisfy(branchSet.contains) else { continue }
                guard used.isDisjoint(with: distinct + [merge]) else { continue }
                if let p = repConv(fork: fork, branches: distinct, merge: merge) {
                    found.append(p)
                    used.formUnion(p.nodes)
                    break
                }
            }
        }
        return found
    }

    // MARK: SPP and SPPF

    func spp(fork: String, branches: [String], concat: String) -> VizPattern? {
        guard graph.node(concat) != nil, isConcatenate(concat) else { return nil }
        var identity: String? = nil
        var pools: [String] = []
        var kernels: [[Int]?] = []
        for b in branches {
            guard graph.node(b) != nil else { continue }
            let t = type(b)
            if t == "Skip" && isPassthrough(b) {
                identity = b
            } else if t == "MaxPool2d" || t == "AvgPool2d" {
                pools.append(b)
                kernels.append(poolKernel(b))
            }
        }
        guard let identity, pools.count >= 2 else { return nil }
        guard Set(kernels.map { $0.map { "\($0)" } ?? "None" }).count >= 2 else { return nil }
        for p in pools {
            let feeds = into(p)
            guard feeds.count == 1, feeds[0] == fork else { return nil }
        }
        return VizPattern(
            type: "SPP", id: "spp_\(concat)", nodes: Self.unique([identity] + pools + [concat]), entryNodes: [identity] + pools,
            exitNodes: [concat],
            metadata: [
                ("identity_node", .string(identity)), ("pool_nodes", Self.names(pools)), ("pool_kernels", .array(kernels.map(Self.kernel))),
                ("input_from", .string(fork)), ("concat_node", .string(concat)), ("num_scales", .int(pools.count + 1)),
            ])
    }

    func spps() -> [VizPattern] {
        var found: [VizPattern] = []
        var used = Set<String>()
        for (fork, branches) in fanOuts {
            let branchSet = Set(branches)
            for (concat, sources) in merges {
                guard isConcatenate(concat) else { continue }
                let distinct = Self.unique(sources)
                guard distinct.count >= 3, distinct.allSatisfy(branchSet.contains) else { continue }
                guard used.isDisjoint(with: distinct + [concat]) else { continue }
                if let p = spp(fork: fork, branches: distinct, concat: concat) {
                    found.append(p)
                    used.formUnion(p.nodes)
                    break
                }
            }
        }
        return found
    }

    func sppf(fork: String, concat: String, sources: [String]) -> VizPattern? {
        guard isConcatenate(concat) else { return nil }
        var identity: String? = nil
        var pools: [String] = []
        for s in sources {
            guard graph.node(s) != nil else { continue }
            let t = type(s)
            if t == "Skip" && isPassthrough(s) { identity = s } else if t == "MaxPool2d" || t == "AvgPool2d" { pools.append(s) }
        }
        guard let identity, pools.count >= 2 else { return nil }
        guard let first = pools.first(where: { into($0).contains(fork) }) else { return nil }
        var chain = [first]
        var kernels = [poolKernel(first)]
        var current = first
        while let next = out(current).first(where: { pools.contains($0) && !chain.contains($0) }) {
            chain.append(next)
            kernels.append(poolKernel(next))
            current = next
        }
        guard Set(kernels.map { $0.map { "\($0)" } ?? "None" }).count == 1 else { return nil }
        for p in chain where !out(p).contains(concat) { return nil }
        return VizPattern(
            type: "SPPF", id: "sppf_\(concat)", nodes: Self.unique([identity] + chain + [concat]), entryNodes: [identity, first],
            exitNodes: [concat],
            metadata: [
                ("identity_node", .string(identity)), ("pool_chain", Self.names(chain)), ("kernel_size", Self.kernel(kernels[0])),
                ("chain_depth", .int(chain.count)), ("input_from", .string(fork)), ("concat_node", .string(concat)),
            ])
    }

    func sppfs() -> [VizPattern] {
        var found: [VizPattern] = []
        var used = Set<String>()
        for (fork, _) in fanOuts {
            for (concat, sources) in merges {
                guard isConcatenate(concat), sources.count >= 3 else { continue }
                guard used.isDisjoint(with: sources + [concat]) else { continue }
                if let p = sppf(fork: fork, concat: concat, sources: sources) {
                    found.append(p)
                    used.formUnion(p.nodes)
                    break
                }
            }
        }
        return found
    }

    // MARK: Skip connections

    private func skipPattern(
        id: String, fork: String, skip: String, merge: String, processing: [String], exit: String, structure: String
    ) -> VizPattern {
        let types = processing.compactMap { graph.node($0)?.type }
        return VizPattern(
            type: "SkipConnection", id: id, nodes: [skip] + processing, entryNodes: [skip, processing[0]], exitNodes: [exit],
            metadata: [
                ("fork_node", .string(fork)), ("skip_node", .string(skip)), ("merge_node", .string(merge)),
                ("processing_path", Self.names(processing)), ("processing_depth", .int(processing.count)),
                ("path_types", Self.names(types)), ("structure", .string(structure)),
            ])
    }

    func skipConnections() -> [VizPattern] {
        var found: [VizPattern] = []
        var used = Set<String>()
        // Structure B: the residual Skip is the merge of the bypass and the processing path.
        for (skip, sources) in merges {
            guard type(skip) == "Skip", isResidual(skip), !used.contains(skip), sources.count >= 2 else { continue }
            for (fork, dests) in fanOuts where dests.contains(skip) {
                for dest in dests where dest != skip {
                    guard let between = path(from: dest, to: skip, excluding: [fork]) else { continue }
                    let processing = [dest] + between
                    guard used.isDisjoint(with: processing + [skip]) else { continue }
                    let exit = out(skip).first ?? skip
                    let p = skipPattern(id: "skip_\(fork)_\(skip)", fork: fork, skip: skip, merge: skip, processing: processing, exit: exit, structure: "B")
                    found.append(p)
                    used.formUnion(p.nodes)
                    break
                }
                if used.contains(skip) { break }
            }
        }
        // Structure A: the residual Skip bypasses the processing path into a later merge.
        for (fork, dests) in fanOuts {
            for skip in dests {
                guard graph.node(skip) != nil, type(skip) == "Skip", isResidual(skip), !used.contains(skip) else { continue }
                for merge in out(skip) {
                    guard into(merge).count >= 2 else { continue }
                    for other in dests where other != skip {
                        guard let between = path(from: other, to: merge, excluding: [skip]) else { continue }
                        let processing = [other] + between
                        guard used.isDisjoint(with: processing + [skip]) else { continue }
                        let p = skipPattern(id: "skip_\(skip)_\(merge)", fork: fork, skip: skip, merge: merge, processing: processing, exit: merge, structure: "A")
                        found.append(p)
                        used.formUnion(p.nodes)
                        break
                    }
                    if used.contains(skip) { break }
                }
            }
        }
        return found
    }

    /// Every pattern: the RepConvs, then the SPP, SPPF and skip-connection patterns that share
    /// no node with an earlier one.
    func all() -> [VizPattern] {
        var out = repConvs()
        var used = Set(out.flatMap(\.nodes))
        for p in spps() + sppfs() + skipConnections() where used.isDisjoint(with: p.nodes) {
            out.append(p)
            used.formUnion(p.nodes)
        }
        return out
    }
}
