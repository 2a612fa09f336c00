/// The eigenvector of the second-smallest eigenvalue of a symmetric positive semi-definite
/// matrix M given as a weighted graph: M[i][i] = diagonal[i], M[i][j] = -w for each neighbour
/// (j, w). Spectral partitioning needs it for the Laplacian of a graph and its principal
/// submatrices (whose diagonal keeps the full degree).
///
/// Shift-invert Lanczos: M + sigma*I (sigma tiny and positive, so the matrix is positive
/// definite even when M is singular) is factored by Cholesky in an envelope after a reverse
/// Cuthill-McKee ordering (chains and narrow layered graphs factor in linear time); Lanczos with
/// full reorthogonalisation on its inverse finds the largest eigenvalues 1/(lambda + sigma)
/// first, and their gaps are wide exactly where plain Lanczos on M (and ARPACK's "SM" mode,
/// which TALON uses) struggles: the small eigenvalues of long chains. Deterministic: the start
/// vector comes from a fixed seed.
package struct FiedlerSolver {
    let n: Int
    let diagonal: [Double]
    /// Off-diagonal neighbours (local index, weight > 0), each pair listed both ways.
    let neighbours: [[(Int, Double)]]

    package init(n: Int, diagonal: [Double], neighbours: [[(Int, Double)]]) {
        self.n = n
        self.diagonal = diagonal
        self.neighbours = neighbours
    }

    enum Failure: Error { case notPositiveDefinite, noConvergence }

    /// The eigenvector of the second-smallest eigenvalue (unit length), and the two smallest
    /// eigenvalues.
    package func fiedler() throws -> (vector: [Double], lambda: (Double, Double)) {
        precondition(n >= 2)
        let scale = max(diagonal.max() ?? 1, 1)
        var sigma = scale * 1e-10
        for _ in 0..<6 {
            if let factor = EnvelopeCholesky(self, shift: sigma) {
                return try lanczos(factor, shift: sigma)
            }
            sigma *= 100
        }
        throw Failure.notPositiveDefinite
    }

    private func lanczos(_ factor: EnvelopeCholesky, shift: Double) throws -> (vector: [Double], lambda: (Double, Double)) {
        var rng = SplitMix64(seed: 0x5EC7_4A1C)
        func randomVector() -> [Double] { (0..<n).map { _ in Double(rng.next() >> 11) / Double(1 << 53) - 0.5 } }
        var start = randomVector()
        let maxBasis = min(n, 400)
        for _ in 0..<8 {
            var basis: [[Double]] = []
            var alpha: [Double] = []
            var beta: [Double] = []
            var q = start
            normalise(&q)
            var nextCheck = 6
            for j in 0..<maxBasis {
                basis.append(q)
                var w = factor.solve(q)
                let a = dot(w, q)
                alpha.append(a)
                axpy(-a, q, &w)
                if j > 0 { axpy(-beta[j - 1], basis[j - 1], &w) }
                for _ in 0..<2 {
                    for v in basis { axpy(-dot(w, v), v, &w) }
                }
                var b = dot(w, w).squareRoot()
                let m = j + 1
                let invariant = b <= 1e-12 * abs(alpha.max() ?? 1)
                if m >= 2 && (m >= nextCheck || invariant || m == maxBasis) {
                    nextCheck = m + max(6, m / 2)
                    let (theta, s) = FiedlerSolver.tridiagonalEigen(alpha, beta)  // descending
                    let res0 = b * abs(s[m - 1][0]), res1 = b * abs(s[m - 1][1])
                    let done = invariant || m == n || (res0 <= 1e-10 * abs(theta[0]) && res1 <= 1e-10 * abs(theta[1]))
                    if done {
                        var y = [Double](repeating: 0, count: n)
                        for k in 0..<m { axpy(s[k][1], basis[k], &y) }
                        normalise(&y)
                        return (y, (1 / theta[0] - shift, 1 / theta[1] - shift))
                    }
                    if m == maxBasis {
                        // Restart from the two best Ritz vectors' sum.
                        var y = [Double](repeating: 0, count: n)
                        for k in 0..<m { axpy(s[k][0] + s[k][1], basis[k], &y) }
                        start = y
                        break
                    }
                }
                if invariant {
                    // The start vector lay in a small invariant subspace: continue with a new
                    // direction orthogonal to the basis.
                    w = randomVector()
                    for _ in 0..<2 { for v in basis { axpy(-dot(w, v), v, &w) } }
                    b = 0
                    q = w
                    normalise(&q)
                } else {
                    q = w.map { $0 / b }
                }
                beta.append(b)
            }
        }
        throw Failure.noConvergence
    }

    // MARK: Small dense algebra

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in 0..<a.count { s += a[i] * b[i] }
        return s
    }

    private func axpy(_ k: Double, _ x: [Double], _ y: inout [Double]) {
        for i in 0..<y.count { y[i] += k * x[i] }
    }

    private func normalise(_ v: inout [Double]) {
        let norm = dot(v, v).squareRoot()
        if norm > 0 { for i in 0..<v.count { v[i] /= norm } }
    }

    /// Eigenvalues (descending) and eigenvectors (`s[row][k]` is row `row` of vector k) of the
    /// symmetric tridiagonal matrix with diagonal `alpha` and off-diagonal `beta`.
    static func tridiagonalEigen(_ alpha: [Double], _ beta: [Double]) -> ([Double], [[Double]]) {
        let m = alpha.count
        var a = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            a[i * m + i] = alpha[i]
            if i + 1 < m, i < beta.count {
                a[i * m + i + 1] = beta[i]
                a[(i + 1) * m + i] = beta[i]
            }
        }
        let (values, vectors) = jacobiEigen(&a, m)
        let order = (0..<m).sorted { values[$0] > values[$1] }
        let s = (0..<m).map { row in order.map { vectors[row * m + $0] } }
        return (order.map { values[$0] }, s)
    }

    /// Cyclic Jacobi rotations on the symmetric `m` x `m` matrix `a` (row major, destroyed):
    /// the eigenvalues, and the eigenvectors as the columns of an `m` x `m` row-major matrix.
    package static func jacobiEigen(_ a: inout [Double], _ m: Int) -> ([Double], [Double]) {
        var v = [Double](repeating: 0, count: m * m)
        for i in 0..<m { v[i * m + i] = 1 }
        var frobenius = 0.0
        for x in a { frobenius += x * x }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<m { for q in (p + 1)..<max(p + 1, m) { off += a[p * m + q] * a[p * m + q] } }
            if off <= 1e-32 * frobenius || off == 0 { break }
            for p in 0..<(m - 1) {
                for q in (p + 1)..<m {
                    let apq = a[p * m + q]
                    if apq == 0 { continue }
                    let theta = (a[q * m + q] - a[p * m + p]) / (2 * apq)
                    let t: Double = abs(theta) > 1e150
                        ? 1 / (2 * theta)
                        : (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<m {
                        let akp = a[k * m + p], akq = a[k * m + q]
                        a[k * m + p] = c * akp - s * akq
                        a[k * m + q] = s * akp + c * akq
                    }
                    for k in 0..<m {
                        let apk = a[p * m + k], aqk = a[q * m + k]
                        a[p * m + k] = c * apk - s * aqk
                        a[q * m + k] = s * apk + c * aqk
                    }
                    for k in 0..<m {
                        let vkp = v[k * m + p], vkq = v[k * m + q]
                        v[k * m + p] = c * vkp - s * vkq
                        v[k * m + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<m).map { a[$0 * m + $0] }, v)
    }
}

/// Cholesky factor L of M + shift*I in envelope (skyline) storage, rows in reverse
/// Cuthill-McKee order.
struct EnvelopeCholesky {
    let n: Int
    /// perm[k] = the matrix index at position k; position[i] = the position of index i.
    let perm: [Int]
    let position: [Int]
    let first: [Int]
    let start: [Int]
    var values: [Double]

    /// Nil when the matrix is not (numerically) positive definite.
    init?(_ m: FiedlerSolver, shift: Double) {
        n = m.n
        perm = EnvelopeCholesky.reverseCuthillMcKee(m.neighbours)
        var position = [Int](repeating: 0, count: n)
        for (k, i) in perm.enumerated() { position[i] = k }
        self.position = position
        var first = [Int](repeating: 0, count: n)
        var start = [Int](repeating: 0, count: n + 1)
        for k in 0..<n {
            var f = k
            for (j, _) in m.neighbours[perm[k]] { f = min(f, position[j]) }
            first[k] = f
            start[k + 1] = start[k] + (k - f + 1)
        }
        self.first = first
        self.start = start
        var values = [Double](repeating: 0, count: start[n])
        for k in 0..<n {
            values[start[k] + (k - first[k])] = m.diagonal[perm[k]] + shift
            for (j, w) in m.neighbours[perm[k]] where position[j] < k {
                values[start[k] + (position[j] - first[k])] -= w
            }
        }
        // Row-oriented envelope factorisation.
        for i in 0..<n {
            let fi = first[i], si = start[i]
            for j in fi..<i {
                let fj = first[j], sj = start[j]
                var s = values[si + (j - fi)]
                let lo = max(fi, fj)
                if lo < j {
                    for k in lo..<j { s -= values[si + (k - fi)] * values[sj + (k - fj)] }
                }
                values[si + (j - fi)] = s / values[sj + (j - fj)]
            }
            var d = values[si + (i - fi)]
            for k in fi..<i { d -= values[si + (k - fi)] * values[si + (k - fi)] }
            guard d > 0, d.isFinite else { return nil }
            values[si + (i - fi)] = d.squareRoot()
        }
        self.values = values
    }

    /// (M + shift*I)^-1 b.
    func solve(_ b: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: n)
        for k in 0..<n { y[k] = b[perm[k]] }
        for i in 0..<n {
            let fi = first[i], si = start[i]
            var s = y[i]
            for k in fi..<i { s -= values[si + (k - fi)] * y[k] }
            y[i] = s / values[si + (i - fi)]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            let fi = first[i], si = start[i]
            y[i] /= values[si + (i - fi)]
            let xi = y[i]
            for k in fi..<i { y[k] -= values[si + (k - fi)] * xi }
        }
        var x = [Double](repeating: 0, count: n)
        for k in 0..<n { x[perm[k]] = y[k] }
        return x
    }

    /// Reverse Cuthill-McKee: breadth-first from a lowest-degree node of each component,
    /// neighbours by ascending degree, the whole order reversed.
    static func reverseCuthillMcKee(_ neighbours: [[(Int, Double)]]) -> [Int] {
        let n = neighbours.count
        let degree = neighbours.map(\.count)
        var seen = [Bool](repeating: false, count: n)
        var order: [Int] = []
        order.reserveCapacity(n)
        let byDegree = (0..<n).sorted { degree[$0] != degree[$1] ? degree[$0] < degree[$1] : $0 < $1 }
        for root in byDegree where !seen[root] {
            seen[root] = true
            var head = order.count
            order.append(root)
            while head < order.count {
                let v = order[head]
                head += 1
                let next = neighbours[v].map(\.0).filter { !seen[$0] }
                for w in next.sorted(by: { degree[$0] != degree[$1] ? degree[$0] < degree[$1] : $0 < $1 }) where !seen[w] {
                    seen[w] = true
                    order.append(w)
                }
            }
        }
        return order.reversed()
    }
}
