/// TALON's spectral partitioning (reference README §12.2): recursive bisection of the compute
/// nodes by the Fiedler vector of the (sub-)Laplacian, split at the median.
///
/// TALON asks ARPACK (`eigsh(k=2, which="SM")`, no start vector) for the vector, which makes its
/// result change from run to run and fails to converge on long chains (it then splits by index).
/// Here `FiedlerSolver` finds it deterministically and always converges, in both modes; the
/// vector's sign is fixed so that the first node (in insertion order) of the part being split
/// falls on the low side, which keeps the input side on the low core ids. When a part consists
/// of two or more pieces that no edge ties to the rest of the graph, the smallest eigenvalue is
/// repeated and any mix of the pieces' indicator vectors is an eigenvector: the pieces are then
/// split as wholes, in order of their first node.
enum SpectralPartition {
    static func run(_ view: MappingView, _ sccs: Components, _ hw: HardwareSpec, mode: IRMode) throws -> CoreAssignment {
        let compute = (0..<view.count).filter { !view.isIO[$0] }
        var local = [Int](repeating: -1, count: view.count)
        for (k, v) in compute.enumerated() { local[v] = k }
        let n = compute.count
        // Undirected weights between compute nodes (parallel edges add up; self-loops cancel in
        // the Laplacian).
        var pairs: [(Int, Int)] = []
        pairs.reserveCapacity(2 * view.edges.count)
        var joined = false
        for e in view.edges {
            let a = local[e.s], b = local[e.t]
            guard a >= 0, b >= 0 else { continue }
            joined = true
            if a == b { continue }
            pairs.append((a, b))
            pairs.append((b, a))
        }
        guard joined else {
            // No edge between two compute nodes: greedy decides (with greedy's metrics).
            return mode == .talon ? try TalonPartition.greedy(view, sccs, hw) : try BalancedPartition.greedy(view, sccs, hw)
        }
        // Each node's neighbours ascending, an edge's weight the number of parallel edges.
        let rows = AdjacencyRows(n, pairs)
        let neighbours = (0..<n).map { v -> [(Int, Double)] in
            var row = Array(rows[v])
            if row.count > 1 { row.sort() }
            var out: [(Int, Double)] = []
            out.reserveCapacity(row.count)
            for w in row {
                if let last = out.last, last.0 == w { out[out.count - 1].1 += 1 } else { out.append((w, 1)) }
            }
            return out
        }
        let degree = neighbours.map { $0.reduce(0) { $0 + $1.1 } }
        let parts = min((n + hw.maxNeuronsPerCore - 1) / hw.maxNeuronsPerCore, hw.numCores)
        var part = [Int](repeating: 0, count: n)
        var bisection = Bisection(neighbours: neighbours, degree: degree, capacity: hw.maxNeuronsPerCore, part: part)
        try bisection.split(Array(0..<n), parts: parts, offset: 0)
        part = bisection.part
        var core = [Int](repeating: 0, count: view.count)
        for (k, v) in compute.enumerated() { core[v] = part[k] }
        var a = CoreAssignment(core: core, order: Array(0..<view.count))
        let cross = view.crossEdges(core).count
        a.metrics = [
            "cut_ratio": .float(PartitionBookkeeping.cutRatio(view, cross: cross)), "total_cross_core_edges": .int(cross),
            "num_partitions": .int(parts),
        ]
        return a
    }

    struct Bisection {
        let neighbours: [[(Int, Double)]]
        let degree: [Double]
        let capacity: Int
        var part: [Int]

        mutating func split(_ indices: [Int], parts: Int, offset: Int) throws {
            if parts <= 1 || indices.count <= capacity {
                for i in indices { part[i] = offset }
                return
            }
            if indices.count <= 2 {
                for (k, i) in indices.enumerated() { part[i] = offset + k % parts }
                return
            }
            let f = try fiedler(indices)
            let median = Bisection.median(f)
            var low: [Int] = [], high: [Int] = []
            for (k, i) in indices.enumerated() {
                if f[k] <= median { low.append(i) } else { high.append(i) }
            }
            if low.isEmpty || high.isEmpty {
                let mid = indices.count / 2
                low = Array(indices[..<mid])
                high = Array(indices[mid...])
            }
            try split(low, parts: parts / 2, offset: offset)
            try split(high, parts: parts - parts / 2, offset: offset + parts / 2)
        }

        /// numpy's median: the middle value, or the mean of the two middle values.
        static func median(_ values: [Double]) -> Double {
            let s = values.sorted()
            let m = s.count / 2
            return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
        }

        /// The Fiedler vector of the principal submatrix of the Laplacian on `indices`, in
        /// their order.
        func fiedler(_ indices: [Int]) throws -> [Double] {
            let m = indices.count
            var local = [Int: Int](minimumCapacity: m)
            for (k, i) in indices.enumerated() { local[i] = k }
            var inner = [[(Int, Double)]](repeating: [], count: m)
            var outside = [Double](repeating: 0, count: m)
            for (k, i) in indices.enumerated() {
                for (j, w) in neighbours[i] {
                    if let l = local[j] { inner[k].append((l, w)) } else { outside[k] += w }
                }
            }
            // Pieces of the part; more than one with no edge to the rest means a repeated
            // zero eigenvalue.
            var piece = [Int](repeating: -1, count: m)
            var floating = 0
            var pieces = 0
            for r in 0..<m where piece[r] < 0 {
                var stack = [r]
                piece[r] = pieces
                var external = 0.0
                while let v = stack.popLast() {
                    external += outside[v]
                    for (w, _) in inner[v] where piece[w] < 0 {
                        piece[w] = pieces
                        stack.append(w)
                    }
                }
                if external == 0 { floating += 1 }
                pieces += 1
            }
            if floating >= 2 {
                return piece.map(Double.init)
            }
            let solver = FiedlerSolver(n: m, diagonal: indices.map { degree[$0] }, neighbours: inner)
            var vector: [Double]
            do {
                vector = try solver.fiedler().vector
            } catch {
                throw CelestaError(.internalError, "spectral partitioning of \(m) nodes: \(error)")
            }
            // Sign: the first node (that the vector does not leave at zero) on the low side.
            let big = vector.reduce(0) { max($0, abs($1)) }
            if let lead = vector.first(where: { abs($0) > 1e-9 * big }), lead > 0 {
                for k in 0..<m { vector[k] = -vector[k] }
            }
            return vector
        }
    }
}

extension FiedlerSolver.Failure: CustomStringConvertible {
    var description: String {
        switch self {
        case .notPositiveDefinite: return "the Laplacian could not be factored"
        case .noConvergence: return "the eigen-solver did not converge"
        }
    }
}
