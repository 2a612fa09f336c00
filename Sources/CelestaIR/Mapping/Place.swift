/// TALON's `PlacementResult`: logical core -> mesh cell, in placement order.
public struct PlacementResult: Sendable, Equatable {
    public struct Cell: Sendable, Equatable {
        public var core: Int
        public var row: Int
        public var col: Int
    }
    public var logicalToPhysical: [Cell] = []
    public var totalHopDistance = 0
    public var improvement = 0.0
}

extension IRGraph {
    /// TALON's `place(graph, hw)` (reference README §12.4), exactly, in both modes: the most
    /// connected pair of cores goes to the mesh centre and its first free neighbour (probed
    /// up, down, left, right); each further core next to its heaviest placed partner, or else
    /// on the first free cell in the order CPython iterates TALON's set of cells (the table of
    /// `place_set_order.json`; a mesh the table does not cover falls back to row-major order).
    /// More cores used than the mesh has cells is a `.limitExceeded` error naming both.
    public func place(on hw: HardwareSpec) throws -> PlacementResult {
        var result = PlacementResult()
        guard let mesh = hw.mesh else {
            result.logicalToPhysical = (0..<max(hw.numCores, 0)).map { PlacementResult.Cell(core: $0, row: $0, col: 0) }
            return result
        }
        let rows = mesh.rows, cols = mesh.cols
        guard case .dict(let pm)? = settings["partition_metadata"], !pm.isEmpty else {
            result.logicalToPhysical = (0..<(rows * cols)).map { PlacementResult.Cell(core: $0, row: $0 / cols, col: $0 % cols) }
            return result
        }
        var assigned: [String: Int] = [:]
        if case .dict(let a)? = pm["assignments"] {
            for e in a.entries { if let c = e.value.int { assigned[e.key] = c } }
        }
        // Weights of core pairs (min, max), first seen first.
        var pairIndex: [Pair: Int] = [:]
        var pairs: [(pair: Pair, weight: Int)] = []
        for e in edges {
            let a = assigned[e.source] ?? 0, b = assigned[e.target] ?? 0
            guard a != b else { continue }
            let p = Pair(a: min(a, b), b: max(a, b))
            if let k = pairIndex[p] {
                pairs[k].weight += 1
            } else {
                pairIndex[p] = pairs.count
                pairs.append((p, 1))
            }
        }
        let ranked = pairs.enumerated().sorted { x, y in
            x.element.weight != y.element.weight ? x.element.weight > y.element.weight : x.offset < y.offset
        }.map(\.element)
        var partners: [Int: [(core: Int, weight: Int)]] = [:]
        for (p, w) in ranked {
            partners[p.a, default: []].append((p.b, w))
            partners[p.b, default: []].append((p.a, w))
        }
        var placed: [Int: (Int, Int)] = [:]
        var free = Set((0..<(rows * cols)))
        func put(_ core: Int, _ cell: (Int, Int)) {
            placed[core] = cell
            free.remove(cell.0 * cols + cell.1)
            result.logicalToPhysical.append(PlacementResult.Cell(core: core, row: cell.0, col: cell.1))
        }
        func firstFreeNeighbour(_ cell: (Int, Int)) -> (Int, Int)? {
            for (dr, dc) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
                let r = cell.0 + dr, c = cell.1 + dc
                if r >= 0, r < rows, c >= 0, c < cols, free.contains(r * cols + c) { return (r, c) }
            }
            return nil
        }
        let fallback = PlaceSetOrder.order(rows: rows, cols: cols)
        if let (p, _) = ranked.first {
            put(p.a, (rows / 2, cols / 2))
            if let cell = firstFreeNeighbour((rows / 2, cols / 2)) { put(p.b, cell) }
        }
        let used = pm["num_cores_used"]?.int ?? 0
        for i in 0..<max(used, 0) where placed[i] == nil {
            var best = 0
            var target: (Int, Int)? = nil
            for (partner, w) in partners[i] ?? [] {
                guard let cell = placed[partner], w > best, let next = firstFreeNeighbour(cell) else { continue }
                best = w
                target = next
            }
            if target == nil, let k = fallback.first(where: { free.contains($0) }) { target = (k / cols, k % cols) }
            guard let cell = target else {
                throw CelestaError(.limitExceeded, "placement needs a mesh cell for core \(i) of \(used) cores used, but the \(rows)x\(cols) mesh (core_mesh_topology) is full")
            }
            put(i, cell)
        }
        func distance(_ x: (Int, Int), _ y: (Int, Int)) -> Int { abs(x.0 - y.0) + abs(x.1 - y.1) }
        var baseline = 0
        for (p, w) in pairs {
            if let x = placed[p.a], let y = placed[p.b] { result.totalHopDistance += w * distance(x, y) }
            baseline += w * distance((p.a / cols, p.a % cols), (p.b / cols, p.b % cols))
        }
        result.improvement = baseline > 0 ? Double(baseline - result.totalHopDistance) / Double(baseline) * 100 : 0
        return result
    }
}

private struct Pair: Hashable {
    var a: Int
    var b: Int
}

/// TALON's fallback order of mesh cells per mesh shape (from `PlaceSetOrderTable`).
package enum PlaceSetOrder {
    private static let table: [String: [Int]] = {
        var out: [String: [Int]] = [:]
        for line in PlaceSetOrderTable.text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon])] = line[line.index(after: colon)...].split(separator: ",").compactMap { Int($0) }
        }
        return out
    }()

    /// Whether the table covers the mesh.
    package static func covers(rows: Int, cols: Int) -> Bool { table["\(rows)x\(cols)"] != nil }

    /// The cells (row * cols + col) in TALON's order; row-major for a mesh outside the table.
    package static func order(rows: Int, cols: Int) -> [Int] {
        table["\(rows)x\(cols)"] ?? Array(0..<(rows * cols))
    }
}
